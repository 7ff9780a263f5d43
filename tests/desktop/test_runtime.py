import json
import shutil

import numpy as np
import pytest

from desktop import providers
from desktop.model_card import ModelError
from desktop.runtime import ModelRuntime
from tests.desktop.model_folders import poison, recard


@pytest.fixture
def model_copy(seed_model, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(seed_model, dst)
    return dst


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
    recard(folder)
    return "decoder.onnx", "ONNX Runtime cannot load it"


def _garbage_onnx(folder):
    (folder / "encoder.onnx").write_bytes(b"not a model" * 100)
    recard(folder)
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
    recard(folder, latent_dim=3)
    return "encoder.onnx", "the card says [N, 3]"


def _latents_disagree(folder):
    np.savez(folder / "latents.npz", z_mean=np.zeros((5, 2)), z_log_var=np.zeros((5, 2)),
             labels=np.zeros(4), neg_elbo=np.zeros(5))
    recard(folder)
    return "latents.npz", "do not match"


def _card_is_a_list(folder):
    (folder / "metadata.json").write_text("[]")
    return "metadata.json", "not a JSON object (found an array)"


def _card_is_null(folder):
    (folder / "metadata.json").write_text("null")
    return "metadata.json", "not a JSON object (found null)"


def _card_has_nan(folder):
    text = json.dumps(json.loads((folder / "metadata.json").read_text()) | {"test_metrics": {"neg_elbo": float("nan")}})
    (folder / "metadata.json").write_text(text)  # Python writes NaN unless told not to
    return "metadata.json", "not strict JSON (NaN"


def _no_test_metrics(folder):
    card = json.loads((folder / "metadata.json").read_text())
    del card["test_metrics"]
    (folder / "metadata.json").write_text(json.dumps(card))
    return "metadata.json", "test_metrics is missing"


def _latents(folder, m=5, **arrays):
    a = {"z_mean": np.zeros((m, 2)), "z_log_var": np.zeros((m, 2)), "labels": np.zeros(m), "neg_elbo": np.ones(m)}
    np.savez(folder / "latents.npz", **(a | arrays))
    recard(folder)


def _no_test_images(folder):
    _latents(folder, m=0)
    return "latents.npz", "holds no test images"


def _nan_z_mean(folder):
    _latents(folder, z_mean=np.full((5, 2), np.nan))
    return "latents.npz", "z_mean holds NaN or infinite values"


def _inf_z_log_var(folder):
    _latents(folder, z_log_var=np.full((5, 2), np.inf))
    return "latents.npz", "z_log_var holds NaN or infinite values"


def _neg_elbo_beyond_float32(folder):
    _latents(folder, neg_elbo=np.full(5, 1e39))
    return "latents.npz", "neg_elbo holds NaN or infinite values"


def _nan_decoder(folder):
    poison(folder, "decoder.onnx")
    return "decoder.onnx", "output on a probe is not finite"


def _nan_encoder(folder):
    poison(folder, "encoder.onnx")
    return "encoder.onnx", "output on a probe is not finite"


@pytest.mark.parametrize("damage", [_truncate, _truncate_and_recard, _garbage_onnx, _missing_onnx, _no_card,
                                    _bad_json, _shapes_disagree, _latents_disagree, _card_is_a_list, _card_is_null,
                                    _card_has_nan, _no_test_metrics, _no_test_images, _nan_z_mean, _inf_z_log_var,
                                    _neg_elbo_beyond_float32, _nan_decoder, _nan_encoder])
def test_bad_model_folders_name_file_and_problem(model_copy, damage):
    name, problem = damage(model_copy)
    with pytest.raises(ModelError) as e:
        ModelRuntime(model_copy, "cpu")
    assert name in str(e.value) and problem in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("metrics, problem", [
    ("not an object", "test_metrics is missing or not an object"),
    ({"neg_elbo_samples": 10}, "test_metrics.neg_elbo must be a finite positive number (found None)"),
    ({"neg_elbo": -3.0, "neg_elbo_samples": 10}, "neg_elbo must be a finite positive number (found -3.0)"),
    ({"neg_elbo": "150", "neg_elbo_samples": 10}, "neg_elbo must be a finite positive number"),
    ({"neg_elbo": 1e400, "neg_elbo_samples": 10}, "not strict JSON (Infinity"),  # json.dumps writes Infinity
    ({"neg_elbo": 150.0}, "test_metrics.neg_elbo_samples must be an integer >= 1 (found None)"),
    ({"neg_elbo": 150.0, "neg_elbo_samples": 0}, "neg_elbo_samples must be an integer >= 1 (found 0)"),
    ({"neg_elbo": 150.0, "neg_elbo_samples": 2.5}, "neg_elbo_samples must be an integer >= 1"),
    ({"neg_elbo": 150.0, "neg_elbo_samples": True}, "neg_elbo_samples must be an integer >= 1"),
])
def test_card_needs_the_test_metrics_the_readout_uses(model_copy, metrics, problem):
    recard(model_copy, test_metrics=metrics)
    with pytest.raises(ModelError) as e:
        ModelRuntime(model_copy, "cpu")
    assert "metadata.json" in str(e.value) and problem in str(e.value) and "\n" not in str(e.value)


# -- providers ---------------------------------------------------------------------------

def test_auto_falls_back_to_cpu_with_a_reason_without_a_driver(seed_model, monkeypatch):
    """No NVIDIA driver (simulated, so a machine with one runs the same test): auto runs the CPU."""
    monkeypatch.setattr(providers, "_load", lambda path, mode=0: "cannot open shared object file")
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
    """Asked for CUDA where it cannot attach: the runtime reports what the session really runs.
    The session is made to run on the CPU whatever the machine has, as where CUDA fails to attach."""
    import onnxruntime as ort

    real_session = ort.InferenceSession

    def session_without_cuda(path, options=None, providers=None, **kwargs):
        return real_session(path, options, providers=[p for p in providers if p != "CUDAExecutionProvider"], **kwargs)

    monkeypatch.setattr(ort, "InferenceSession", session_without_cuda)
    monkeypatch.setattr("desktop.runtime.choose_providers",
                        lambda device: (["CUDAExecutionProvider", "CPUExecutionProvider"], "CUDA"))
    rt = ModelRuntime(seed_model, "auto")
    assert rt.provider == "CPUExecutionProvider" and "did not attach" in rt.provider_note


def test_cpu_build_reports_no_cuda_provider(monkeypatch):
    import onnxruntime as ort

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    assert "no CUDA provider" in providers.cuda_problem()
