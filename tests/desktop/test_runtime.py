import hashlib
import json
import shutil

import numpy as np
import pytest

from desktop import providers
from desktop.model_card import ModelError
from desktop.runtime import ModelRuntime


@pytest.fixture
def model_copy(seed_model, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(seed_model, dst)
    return dst


def _recard(folder, **changes):
    card = json.loads((folder / "metadata.json").read_text())
    for name in card["files"]:
        if (folder / name).exists():
            card["files"][name]["sha256"] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    card.update(changes)
    (folder / "metadata.json").write_text(json.dumps(card))


def test_loads_and_runs_batched(seed_model):
    rt = ModelRuntime(seed_model, "cpu")
    mu, lv = rt.encode(np.zeros((5, 784), np.float32))
    img = rt.decode(np.zeros((3600, 2), np.float32))
    assert mu.shape == (5, 2) and lv.shape == (5, 2) and img.shape == (3600, 784)
    assert rt.provider == "CPUExecutionProvider" and rt.last_ms > 0


def test_neg_elbo_agrees_with_the_trainers_per_image_values(seed_model, mnist_dir):
    from trainer.data import read_idx_images

    rt = ModelRuntime(seed_model, "cpu")
    x = read_idx_images(mnist_dir / "t10k-images-idx3-ubyte.gz")[:200].astype(np.float32) / 255
    mu, lv = rt.encode(x)
    ours = np.array([rt.neg_elbo(x[i], mu[i], lv[i]) for i in range(len(x))])
    assert np.abs(ours - rt.latents.neg_elbo[:200]).mean() < 1.5  # different eps draws, same estimator


def _truncate(folder):
    p = folder / "decoder.onnx"
    p.write_bytes(p.read_bytes()[:1000])
    return "decoder.onnx", "sha256 does not match"


def _truncate_and_recard(folder):
    p = folder / "decoder.onnx"
    p.write_bytes(p.read_bytes()[:1000])
    _recard(folder)
    return "decoder.onnx", "ONNX Runtime cannot load it"


def _garbage_onnx(folder):
    (folder / "encoder.onnx").write_bytes(b"not a model" * 100)
    _recard(folder)
    return "encoder.onnx", "ONNX Runtime cannot load it"


def _missing_onnx(folder):
    (folder / "encoder.onnx").unlink()
    return "encoder.onnx", "missing"


def _no_card(folder):
    (folder / "metadata.json").unlink()
    return "metadata.json", "model card missing"


def _bad_json(folder):
    (folder / "metadata.json").write_text("{ not json")
    return "metadata.json", "not a readable JSON"


def _shapes_disagree(folder):
    _recard(folder, latent_dim=3)
    return "encoder.onnx", "the card says [N, 3]"


def _latents_disagree(folder):
    np.savez(folder / "latents.npz", z_mean=np.zeros((5, 2)), z_log_var=np.zeros((5, 2)),
             labels=np.zeros(4), neg_elbo=np.zeros(5))
    _recard(folder)
    return "latents.npz", "do not match"


@pytest.mark.parametrize("damage", [_truncate, _truncate_and_recard, _garbage_onnx, _missing_onnx, _no_card,
                                    _bad_json, _shapes_disagree, _latents_disagree])
def test_bad_model_folders_name_file_and_problem(model_copy, damage):
    name, problem = damage(model_copy)
    with pytest.raises(ModelError) as e:
        ModelRuntime(model_copy, "cpu")
    assert name in str(e.value) and problem in str(e.value) and "\n" not in str(e.value)


# -- providers ---------------------------------------------------------------------------

def test_auto_falls_back_to_cpu_with_a_reason_here(seed_model):
    rt = ModelRuntime(seed_model, "auto")
    assert rt.provider == "CPUExecutionProvider"
    assert rt.provider_note.startswith("CPU because ") and "\n" not in rt.provider_note


@pytest.mark.parametrize("missing, reason", [("libcuda", "no NVIDIA driver"), ("providers_cuda", "CUDA provider library")])
def test_cuda_problem_names_what_is_missing(monkeypatch, missing, reason):
    import onnxruntime as ort

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    monkeypatch.setattr(providers, "_load", lambda path, mode=0: "cannot open" if missing in str(path) else None)
    assert reason in providers.cuda_problem()
    assert providers.choose_providers("auto")[0] == ["CPUExecutionProvider"]
    with pytest.raises(RuntimeError, match="--device cuda"):
        providers.choose_providers("cuda")


def test_cuda_is_asked_for_when_everything_loads(monkeypatch):
    import onnxruntime as ort

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    monkeypatch.setattr(providers, "_load", lambda path, mode=0: None)
    assert providers.choose_providers("auto") == (["CUDAExecutionProvider", "CPUExecutionProvider"], "CUDA")


def test_provider_shown_comes_from_the_session(seed_model, monkeypatch):
    """Asked for CUDA where it cannot attach: the runtime reports what the session really runs."""
    monkeypatch.setattr("desktop.runtime.choose_providers",
                        lambda device: (["CUDAExecutionProvider", "CPUExecutionProvider"], "CUDA"))
    rt = ModelRuntime(seed_model, "auto")
    assert rt.provider == "CPUExecutionProvider" and "did not attach" in rt.provider_note


def test_cpu_build_reports_no_cuda_provider(monkeypatch):
    import onnxruntime as ort

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    assert "no CUDA provider" in providers.cuda_problem()
