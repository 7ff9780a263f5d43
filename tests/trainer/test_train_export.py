import hashlib
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from trainer import export as export_mod
from trainer import train
from trainer.data import load_dataset
from trainer.evaluate import test_metrics as compute_metrics
from trainer.model import PRESETS, VAE


def _args(mnist_dir, out, *extra):
    return train.parse_args(["--data-dir", str(mnist_dir), "--dry-run", "--out", str(out), "--device", "cpu", *extra])


def _cli(capsys, *argv):
    """vae-train in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as e:
        train.main([str(a) for a in argv])
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


@pytest.fixture(scope="module")
def trained(mnist_dir, tmp_path_factory):
    """A real 2-epoch dry run (200 training, 200 test images), exported."""
    out = tmp_path_factory.mktemp("trained") / "model"
    assert train.run(_args(mnist_dir, out, "--epochs", "2")) == 0
    return out


def test_short_run_lowers_validation_loss(trained):
    card = json.loads((trained / "metadata.json").read_text())
    h = card["history"]
    assert len(h) == 2 and h[1]["val_loss"] < h[0]["val_loss"]
    assert h[0]["val_loss"] == pytest.approx(h[0]["val_recon"] + h[0]["val_kl"], rel=1e-5)
    assert not (trained.parent / "model.ckpt.pt").exists()  # removed once exported


def test_metadata_is_consistent_with_the_files(trained):
    card = json.loads((trained / "metadata.json").read_text())
    for name in ("encoder.onnx", "decoder.onnx", "latents.npz", "history_latents.npz", "loss_curves.png",
                 "latent_scatter.png", "manifold.png"):
        assert card["files"][name]["sha256"] == hashlib.sha256((trained / name).read_bytes()).hexdigest()
    assert card["dataset"] == {"name": "mnist", "train_images": 200, "test_images": 200,
                               "class_names": [str(i) for i in range(10)], "subject": ["digit", "digits"]}
    assert card["input"]["recipe"] == "mnist"
    assert card["parameters"] == {"encoder": 201988, "decoder": 202256, "total": 404244}
    assert card["latent_dim"] == 2 and card["onnx"]["opset"] == export_mod.OPSET
    m = card["test_metrics"]
    assert m["iw_bound"] < m["neg_elbo"] and m["images"] == 200 and 0 <= m["knn5_accuracy"] <= 1
    with np.load(trained / "latents.npz") as f:
        assert f["z_mean"].shape == (200, 2) and f["labels"].shape == (200,)
        assert abs(float(f["neg_elbo"].mean()) - m["neg_elbo"]) < 1e-3 * m["neg_elbo"]


def test_card_is_strict_json(trained):
    json.loads((trained / "metadata.json").read_text(), parse_constant=lambda c: pytest.fail(f"card holds {c}"))


def test_replay_records_every_epoch_and_ends_where_the_latents_are(trained):
    with np.load(trained / "history_latents.npz") as r, np.load(trained / "latents.npz") as lat:
        assert r["epoch"].tolist() == [0, 1, 2] and r["z_mean"].dtype == np.float16
        assert r["z_mean"].shape == (3, len(r["index"]), 2) and len(r["index"]) == 200  # all of a small test set
        assert np.array_equal(r["labels"], lat["labels"][r["index"]])
        assert np.allclose(r["z_mean"][-1], lat["z_mean"][r["index"]], atol=2e-3, rtol=1e-3)
        assert not np.allclose(r["z_mean"][0], r["z_mean"][-1], atol=1e-2)  # the map moved while training


def test_replay_subset_is_stratified_and_at_least_1000():
    from trainer.replay import stratified_subset

    labels = np.repeat(np.arange(10), 1000)
    idx = stratified_subset(labels)
    assert len(idx) == 1000 and np.bincount(labels[idx]).tolist() == [100] * 10
    assert np.array_equal(idx, stratified_subset(labels))  # the same every time


def test_onnx_files_pass_the_full_checker(trained):
    for name in ("encoder.onnx", "decoder.onnx"):
        onnx.checker.check_model(str(trained / name), full_check=True)


def test_same_run_gives_the_same_bytes_in_any_folder(mnist_dir, tmp_path):
    """No absolute path of the checkout (the exporter's stack traces) or timestamp in the files."""
    digests = []
    for where in ("a/deep/er", "b"):
        out = tmp_path / where / "model"
        assert train.run(_args(mnist_dir, out, "--epochs", "1")) == 0
        digests.append({f: hashlib.sha256((out / f).read_bytes()).hexdigest()
                        for f in ("encoder.onnx", "decoder.onnx", "latents.npz", "history_latents.npz")})
        assert str(tmp_path).encode() not in (out / "encoder.onnx").read_bytes()
    assert digests[0] == digests[1]


@pytest.mark.parametrize("preset", ["seed", "strong"])
def test_interrupt_keeps_last_epoch_and_resume_matches_an_uninterrupted_run(mnist_dir, tmp_path, monkeypatch, preset):
    """The strong preset's dropout draws from torch's global generator: its state travels too."""
    straight = _args(mnist_dir, tmp_path / "a" / "model", "--epochs", "3", "--no-export", "--preset", preset)
    assert train.run(straight) == 0
    expected = torch.load(tmp_path / "a" / "model.ckpt.pt", weights_only=True)["history"]

    real, calls = train.train_epoch, []

    def interrupted(*a, **k):  # Ctrl+C during the second epoch
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(train, "train_epoch", interrupted)
    args = _args(mnist_dir, tmp_path / "b" / "model", "--epochs", "3", "--no-export", "--preset", preset)
    assert train.run(args) == 130
    assert len(torch.load(tmp_path / "b" / "model.ckpt.pt", weights_only=True)["history"]) == 1
    monkeypatch.setattr(train, "train_epoch", real)
    resumed = _args(mnist_dir, tmp_path / "b" / "model", "--epochs", "3", "--no-export", "--preset", preset, "--resume")
    assert train.run(resumed) == 0
    got = torch.load(tmp_path / "b" / "model.ckpt.pt", weights_only=True)["history"]
    assert [h["val_loss"] for h in got] == [h["val_loss"] for h in expected]


def test_divergence_stops_with_one_line_keeps_the_last_good_checkpoint(mnist_dir, tmp_path, capsys, monkeypatch):
    real = train.train_epoch

    def poisoned(step, model, *a, **k):  # a weight goes NaN during the second epoch
        if a[3] == 2:
            with torch.no_grad():
                next(model.parameters()).view(-1)[0] = float("nan")
        return real(step, model, *a, **k)

    out = tmp_path / "model"
    monkeypatch.setattr(train, "train_epoch", poisoned)
    code, _, err = _cli(capsys, "--data-dir", mnist_dir, "--dry-run", "--out", out, "--epochs", "2")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "epoch 2, step 1 of 2" in err and "nan" in err and "--lr" in err and "keeps epoch 1" in err
    kept = torch.load(tmp_path / "model.ckpt.pt", weights_only=True)
    assert len(kept["history"]) == 1 and all(torch.isfinite(v).all() for v in kept["model"].values())
    assert not out.exists()  # never exported


def test_a_learning_rate_that_explodes_is_caught(mnist_dir, tmp_path, capsys):
    code, _, err = _cli(capsys, "--data-dir", mnist_dir, "--dry-run", "--out", tmp_path / "m", "--lr", "1e30")
    assert code == 2 and "training diverged at epoch 1" in err and "no checkpoint was kept" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.lock"]


def _random_bytes(ckpt):
    ckpt.write_bytes(np.random.default_rng(0).bytes(5000))
    return [], "not a readable checkpoint"


def _truncated(ckpt):
    ckpt.write_bytes(ckpt.read_bytes()[:3000])
    return [], "not a readable checkpoint"


def _other_optimizer(ckpt):
    return ["--optimizer", "adam"], "optimizer is 'rmsprop', not 'adam'"


def _missing(ckpt):
    ckpt.unlink()
    return [], "no checkpoint to resume from"


@pytest.mark.parametrize("damage", [_random_bytes, _truncated, _other_optimizer, _missing])
def test_bad_resume_is_one_line_and_exit_2(mnist_dir, tmp_path, capsys, damage):
    out = tmp_path / "model"
    assert train.run(_args(mnist_dir, out, "--no-export")) == 0
    extra, problem = damage(tmp_path / "model.ckpt.pt")
    code, _, err = _cli(capsys, "--data-dir", mnist_dir, "--dry-run", "--out", out, "--resume", *extra)
    assert code == 2 and len(err.strip().splitlines()) == 1 and problem in err and "model.ckpt.pt" in err


def _under_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    return tmp_path / "file" / "model", "cannot write"


def _proc(tmp_path):
    return "/proc/x/model", "cannot write"


def _not_a_model(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"precious")
    return tmp_path / "photos", "holds no model"


def _a_file(tmp_path):
    (tmp_path / "model").write_text("x")
    return tmp_path / "model", "not a folder"


@pytest.mark.parametrize("case", [_under_a_file, _proc, _not_a_model, _a_file])
def test_unusable_out_is_refused_before_training(mnist_dir, tmp_path, capsys, case, monkeypatch):
    out, problem = case(tmp_path)
    monkeypatch.setattr(train, "load_data", lambda args: pytest.fail("read the data before checking --out"))
    code, _, err = _cli(capsys, "--data-dir", mnist_dir, "--dry-run", "--out", out)
    assert code == 2 and len(err.strip().splitlines()) == 1 and problem in err
    if case is _not_a_model:
        assert (out / "holiday.jpg").read_bytes() == b"precious"


def test_a_second_trainer_into_the_same_folder_is_refused(mnist_dir, tmp_path, capsys):
    from filelock import FileLock

    with FileLock(tmp_path / ".model.lock"):  # as another vae-train holds it
        code, _, err = _cli(capsys, "--data-dir", mnist_dir, "--dry-run", "--out", tmp_path / "model")
    assert code == 2 and "another vae-train is writing this model folder" in err


def test_leftovers_of_a_killed_export_are_cleared(mnist_dir, tmp_path):
    (tmp_path / ".model.tmp-1234abcd").mkdir()
    (tmp_path / ".model.old-999").mkdir()
    assert train.run(_args(mnist_dir, tmp_path / "model")) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".model.lock", "model"]


def test_zero_training_or_test_images_are_refused(tmp_path, capsys):
    from tests.trainer.idx import write_set

    for n_train, n_test, which in ((0, 10, "train-images"), (20, 0, "t10k-images")):
        write_set(tmp_path / which, n_train=n_train, n_test=n_test)
        code, _, err = _cli(capsys, "--data-dir", tmp_path / which, "--out", tmp_path / "out" / "m", "--dry-run")
        assert code == 2 and which in err and "holds no images" in err
        assert not (tmp_path / "out" / "m.ckpt.pt").exists()


def test_bad_options_are_one_line(capsys):
    for argv, problem in ((["--lr", "nan"], "--lr"), (["--threads", "zero"], "--threads"), (["--epochs", "0"], "--epochs")):
        code, _, err = _cli(capsys, *argv)
        assert code == 2 and problem in err


@pytest.fixture(scope="module")
def untrained_export(mnist_dir, tmp_path_factory):
    """Export of a freshly initialised seed VAE (parity does not depend on training)."""
    torch.manual_seed(1)
    model = VAE(PRESETS["seed"].model)
    data = load_dataset("mnist", mnist_dir)
    x = torch.tensor(data.test_x, dtype=torch.float32) / 255
    out = tmp_path_factory.mktemp("export") / "m"
    export_mod.export_model(model, data, len(data.train_x), [{"epoch": 1, "train_loss": 1.0, "val_loss": 1.0}],
                            compute_metrics(model, x, 0, elbo_samples=1, iw_k=64), {"preset": "seed"}, out)
    return model, x, out


@pytest.mark.parametrize("n", [1, 10000])
def test_onnx_matches_torch_at_any_batch_size(untrained_export, n):
    model, x, out = untrained_export
    enc = ort.InferenceSession(str(out / "encoder.onnx"), providers=["CPUExecutionProvider"])
    dec = ort.InferenceSession(str(out / "decoder.onnx"), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        mu, lv = model.encode(x[:n])
        z = torch.randn(n, 2, generator=torch.Generator().manual_seed(0)) * 2
        img = torch.sigmoid(model.decode(z))
    got_mu, got_lv = enc.run(None, {"image": x[:n].numpy()})
    (got_img,) = dec.run(None, {"z": z.numpy()})
    assert np.abs(got_mu - mu.numpy()).max() <= 1e-5 and np.abs(got_lv - lv.numpy()).max() <= 1e-5
    assert np.abs(got_img - img.numpy()).max() <= 1e-5
    assert 0 <= got_img.min() and got_img.max() <= 1


def test_graphs_have_the_contract_names(untrained_export):
    _, _, out = untrained_export
    enc = ort.InferenceSession(str(out / "encoder.onnx"), providers=["CPUExecutionProvider"])
    dec = ort.InferenceSession(str(out / "decoder.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in enc.get_inputs()] == ["image"] and [o.name for o in enc.get_outputs()] == ["z_mean", "z_log_var"]
    assert [i.name for i in dec.get_inputs()] == ["z"] and [o.name for o in dec.get_outputs()] == ["image"]
    assert isinstance(enc.get_inputs()[0].shape[0], str)  # the batch dimension is symbolic


def test_failed_export_keeps_the_previous_folder(untrained_export, monkeypatch):
    model, x, out = untrained_export
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr("trainer.figures.manifold", broken)
    with pytest.raises(RuntimeError):
        export_mod.export_model(model, _FakeData(x), 1, [{"epoch": 1, "train_loss": 1.0, "val_loss": 1.0}],
                                {"neg_elbo": 1.0, "neg_elbo_per_image": np.zeros(len(x))}, {}, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary folder left


def test_a_nan_model_is_never_exported(untrained_export, tmp_path):
    model, x, _ = untrained_export
    broken = VAE(model.config)
    broken.load_state_dict(model.state_dict())
    with torch.no_grad():
        broken.decoder[1].bias.fill_(float("nan"))
    with pytest.raises(export_mod.ExportError, match="not finite"):
        export_mod.export_model(broken, _FakeData(x[:50]), 1, [{"epoch": 1, "train_loss": 1.0, "val_loss": 1.0}],
                                {"neg_elbo": 1.0, "neg_elbo_per_image": np.zeros(50)}, {}, tmp_path / "m")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_nan_in_the_card_is_refused(tmp_path):
    with pytest.raises(export_mod.ExportError, match="not finite"):
        export_mod.write_json_atomic(tmp_path / "metadata.json", {"neg_elbo": float("nan")})
    assert list(tmp_path.iterdir()) == []


def test_replacing_a_model_swaps_atomically(tmp_path):
    new, target = tmp_path / ".new", tmp_path / "model"
    for folder, text in ((new, "new"), (target, "old")):
        folder.mkdir()
        (folder / "metadata.json").write_text(text)
    export_mod.replace_folder(new, target)
    assert (target / "metadata.json").read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["model"]


class _FakeData:
    def __init__(self, x):
        self.name, self.class_names = "mnist", tuple(str(i) for i in range(10))
        self.subject, self.recipe = ("digit", "digits"), "mnist"
        self.test_x = (x.numpy() * 255).astype(np.uint8)
        self.test_y = np.zeros(len(x), np.uint8)
