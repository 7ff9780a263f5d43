import json
import hashlib

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


def _args(mnist_dir, tmp_path, *extra):
    return train.parse_args(["--data-dir", str(mnist_dir), "--limit", "2000", "--out", str(tmp_path / "model"),
                             "--device", "cpu", *extra])


@pytest.fixture(scope="module")
def trained(mnist_dir, tmp_path_factory):
    """A real 2-epoch run on 2,000 shared MNIST images, exported."""
    tmp = tmp_path_factory.mktemp("trained")
    assert train.run(_args(mnist_dir, tmp, "--epochs", "2")) == 0
    return tmp / "model"


def test_short_run_lowers_validation_loss(trained):
    card = json.loads((trained / "metadata.json").read_text())
    h = card["history"]
    assert len(h) == 2 and h[1]["val_loss"] < h[0]["val_loss"]
    assert h[0]["val_loss"] == pytest.approx(h[0]["val_recon"] + h[0]["val_kl"], rel=1e-5)
    assert not (trained.parent / "model.ckpt.pt").exists()  # removed once exported


def test_metadata_is_consistent_with_the_files(trained):
    card = json.loads((trained / "metadata.json").read_text())
    for name in ("encoder.onnx", "decoder.onnx", "latents.npz", "loss_curves.png", "latent_scatter.png", "manifold.png"):
        assert card["files"][name]["sha256"] == hashlib.sha256((trained / name).read_bytes()).hexdigest()
    assert card["dataset"] == {"name": "mnist", "train_images": 2000, "test_images": 10000,
                               "class_names": [str(i) for i in range(10)]}
    assert card["parameters"] == {"encoder": 201988, "decoder": 202256, "total": 404244}
    assert card["latent_dim"] == 2 and card["onnx"]["opset"] == export_mod.OPSET
    m = card["test_metrics"]
    assert m["iw_bound"] < m["neg_elbo"] and m["iw_k"] >= 64 and m["images"] == 10000
    with np.load(trained / "latents.npz") as f:
        assert f["z_mean"].shape == (10000, 2) and f["labels"].shape == (10000,)
        assert abs(float(f["neg_elbo"].mean()) - m["neg_elbo"]) < 1e-3 * m["neg_elbo"]


def test_onnx_files_pass_the_full_checker(trained):
    for name in ("encoder.onnx", "decoder.onnx"):
        onnx.checker.check_model(str(trained / name), full_check=True)


def test_deterministic_on_cpu(mnist_dir, tmp_path):
    runs = []
    for k in range(2):
        args = _args(mnist_dir, tmp_path / str(k), "--epochs", "1", "--limit", "500", "--no-export")
        train.run(args)
        runs.append(torch.load(tmp_path / str(k) / "model.ckpt.pt", weights_only=True)["history"][0])
    assert runs[0]["train_loss"] == runs[1]["train_loss"] and runs[0]["val_loss"] == runs[1]["val_loss"]


def test_interrupt_keeps_last_epoch_and_resume_matches_an_uninterrupted_run(mnist_dir, tmp_path, monkeypatch):
    straight = _args(mnist_dir, tmp_path / "a", "--epochs", "2", "--limit", "500", "--no-export")
    assert train.run(straight) == 0
    expected = torch.load(tmp_path / "a" / "model.ckpt.pt", weights_only=True)["history"]

    real, calls = train.train_epoch, []

    def interrupted(*a, **k):  # Ctrl+C during the second epoch
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(train, "train_epoch", interrupted)
    args = _args(mnist_dir, tmp_path / "b", "--epochs", "2", "--limit", "500", "--no-export")
    assert train.run(args) == 130
    kept = torch.load(tmp_path / "b" / "model.ckpt.pt", weights_only=True)
    assert len(kept["history"]) == 1
    monkeypatch.setattr(train, "train_epoch", real)
    resumed = _args(mnist_dir, tmp_path / "b", "--epochs", "2", "--limit", "500", "--no-export", "--resume")
    assert train.run(resumed) == 0
    got = torch.load(tmp_path / "b" / "model.ckpt.pt", weights_only=True)["history"]
    assert [h["val_loss"] for h in got] == [h["val_loss"] for h in expected]


def test_resume_without_checkpoint_is_a_clear_error(mnist_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        train.main(["--data-dir", str(mnist_dir), "--out", str(tmp_path / "m"), "--resume"])
    assert e.value.code == 2 and "no checkpoint to resume from" in capsys.readouterr().err


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


class _FakeData:
    def __init__(self, x):
        self.name, self.class_names = "mnist", tuple(str(i) for i in range(10))
        self.test_x = (x.numpy() * 255).astype(np.uint8)
        self.test_y = np.zeros(len(x), np.uint8)
