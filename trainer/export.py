"""Export a trained VAE into a self-describing model folder, atomically.

The folder holds encoder.onnx, decoder.onnx, metadata.json (the model card), latents.npz and the
reference's figures. It is built in a temporary sibling folder and swapped in by renames, so an
interrupted export never leaves a half-written model.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from trainer.model import VAE, PRESETS

FORMAT_VERSION = 1
OPSET = 18
PARITY_TOLERANCE = 1e-4  # |ONNX Runtime - torch| <= this * max(1, |torch|). Measured: the seed models
# agree to ~1e-6; the strong Fashion-MNIST encoder to 4e-5 (four GELU layers, erf and sums computed
# in another order); a wrong operator, shape or weight differs by far more


class EncoderGraph(nn.Module):
    """image (N, D) in [0, 1] -> z_mean, z_log_var (N, L); no sampling in the graph."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def forward(self, image):
        return self.vae.encode(image)


class DecoderGraph(nn.Module):
    """z (N, L) -> image (N, D) in [0, 1]."""

    def __init__(self, vae: VAE):
        super().__init__()
        self.vae = vae

    def forward(self, z):
        return torch.sigmoid(self.vae.decode(z))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class ExportError(Exception):
    """The trained model cannot be exported as it is (e.g. not finite); str() is one line."""


@contextlib.contextmanager
def _quiet():
    """The exporter narrates its passes on stdout, stderr, warnings and several loggers."""
    import logging
    import warnings

    loggers = [logging.getLogger(n) for n in ("torch.onnx", "onnxscript", "torch.export", "torch._dynamo")]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def export_onnx(module: nn.Module, example: torch.Tensor, path: Path, input_name: str, output_names: list[str]) -> None:
    """Dynamo export with a dynamic batch dimension; example batch >= 2 so N is not baked in.

    The exporter records each node's Python stack trace (absolute paths of this checkout and of
    the venv) in its metadata; it is dropped, so the same model gives the same bytes anywhere."""
    import onnx

    assert example.shape[0] >= 2
    arg = list(module.forward.__code__.co_varnames)[1]
    with _quiet():
        torch.onnx.export(
            module, (example,), str(path), input_names=[input_name], output_names=output_names,
            dynamic_shapes={arg: {0: torch.export.Dim("N")}}, opset_version=OPSET,
            external_data=False, dynamo=True, verbose=False,
        )
    proto = onnx.load(str(path))
    for node in proto.graph.node:
        del node.metadata_props[:]
    del proto.metadata_props[:]
    onnx.save(proto, str(path))
    onnx.checker.check_model(str(path), full_check=True)


def check_parity(module: nn.Module, path: Path, inputs: torch.Tensor, batch_sizes=(1000, 7)) -> float:
    """Largest |ONNX Runtime - torch| / max(1, |torch|) over all outputs, at each batch size;
    raises above PARITY_TOLERANCE."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    with torch.no_grad():
        expected = module(inputs)
    expected = [t.numpy() for t in (expected if isinstance(expected, tuple) else (expected,))]
    worst = 0.0
    for bs in batch_sizes:
        chunks = [sess.run(None, {name: inputs[i:i + bs].numpy()}) for i in range(0, len(inputs), bs)]
        for k, ref in enumerate(expected):
            got = np.concatenate([c[k] for c in chunks])
            if not (np.isfinite(got).all() and np.isfinite(ref).all()):
                raise ExportError(f"{path}: the model's outputs are not finite (NaN or infinity)")
            worst = max(worst, float((np.abs(got - ref) / np.maximum(1.0, np.abs(ref))).max()))
    if not worst <= PARITY_TOLERANCE:
        raise ExportError(f"{path}: ONNX Runtime differs from torch by {worst:.2e} of the value "
                          f"(> {PARITY_TOLERANCE:g})")
    return worst


def _versions() -> dict:
    import onnx
    import onnxruntime

    return {"python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__, "numpy": np.__version__}


RECIPE_TEXT = {
    "mnist": "crop to the ink, fit into 20x20 keeping the aspect ratio, centre of mass at the middle",
    "full-frame": "crop to the object, fit its longer side to the frame keeping the aspect ratio, centre it",
}


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """np.savez_compressed with fixed zip timestamps, so the same arrays give the same bytes."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, a in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(a), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def _check_finite(name: str, **values) -> None:
    for key, v in values.items():
        if not np.isfinite(np.asarray(v, np.float64)).all():
            raise ExportError(f"{name}: {key} is not finite (NaN or infinity); the model cannot be exported")


def write_model_folder(model: VAE, data, train_x_count: int, history: list[dict], metrics: dict,
                       settings: dict, folder: Path, seed: int, replay=None) -> dict:
    """Write every file of the model folder into `folder` (which exists) and return the card."""
    from trainer import figures

    model = model.cpu().eval()
    cfg = model.config
    d, L = cfg.input_dim, cfg.latent_dim
    x_test = torch.from_numpy(np.array(data.test_x, dtype=np.float32) / 255)  # (M, D)

    enc, dec = EncoderGraph(model).eval(), DecoderGraph(model).eval()
    export_onnx(enc, x_test[:4], folder / "encoder.onnx", "image", ["z_mean", "z_log_var"])
    export_onnx(dec, torch.zeros(4, L), folder / "decoder.onnx", "z", ["image"])
    z_probe = torch.randn(1000, L, generator=torch.Generator().manual_seed(seed)) * 2
    parity = {"encoder": check_parity(enc, folder / "encoder.onnx", x_test[:1000]),
              "decoder": check_parity(dec, folder / "decoder.onnx", z_probe)}

    with torch.no_grad():
        z_mean, z_log_var = model.encode(x_test)
    neg_elbo = np.asarray(metrics["neg_elbo_per_image"], np.float32)
    _check_finite("latents.npz", z_mean=z_mean.numpy(), z_log_var=z_log_var.numpy(), neg_elbo=neg_elbo)
    _check_finite("metadata.json", **{k: v for k, v in metrics.items() if k != "neg_elbo_per_image"})
    save_npz(folder / "latents.npz", z_mean=z_mean.numpy(), z_log_var=z_log_var.numpy(),
             labels=np.asarray(data.test_y, np.uint8), neg_elbo=neg_elbo)
    if replay is not None:
        save_npz(folder / "history_latents.npz", **replay.arrays())

    figures.loss_curves(history, folder / "loss_curves.png")
    figures.latent_scatter(z_mean.numpy(), data.test_y, data.class_names, folder / "latent_scatter.png")
    figures.manifold(lambda z: DecoderGraph(model)(torch.from_numpy(z)).detach().numpy(),
                     L, cfg.image_size, 15, folder / "manifold.png")

    preset = PRESETS.get(settings.get("preset", ""))
    card = {
        "format_version": FORMAT_VERSION,
        "name": None,  # filled in with the folder's final name
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "dataset": {"name": data.name, "train_images": train_x_count, "test_images": len(data.test_x),
                    "class_names": list(data.class_names), "subject": list(data.subject)},
        "image": {"height": cfg.image_size, "width": cfg.image_size, "pixels": d,
                  "range": [0.0, 1.0], "ink": "white on black"},
        "input": {"recipe": data.recipe, "description": RECIPE_TEXT[data.recipe]},
        "latent_dim": L,
        "model": {"preset": settings.get("preset"), "description": preset.description if preset else "",
                  "config": cfg.to_dict(),
                  "layers": {"encoder": [d, *cfg.hidden, f"{L} (z_mean) + {L} (z_log_var)"],
                             "decoder": [L, *reversed(cfg.hidden), d]}},
        "parameters": {"encoder": model.encoder_parameters(),
                       "decoder": model.num_parameters() - model.encoder_parameters(),
                       "total": model.num_parameters()},
        "training": {k: v for k, v in settings.items() if k != "command"},
        "history": history,
        "test_metrics": {k: v for k, v in metrics.items() if k != "neg_elbo_per_image"},
        "onnx": {"opset": OPSET, "parity_max_abs_diff": parity,
                 "encoder": {"file": "encoder.onnx", "inputs": {"image": ["N", d]},
                             "outputs": {"z_mean": ["N", L], "z_log_var": ["N", L]}},
                 "decoder": {"file": "decoder.onnx", "inputs": {"z": ["N", L]},
                             "outputs": {"image": ["N", d]}}},
        "files": {},
        "versions": _versions(),
        "command": settings.get("command"),
    }
    for f in sorted(folder.iterdir()):
        card["files"][f.name] = {"sha256": sha256(f), "bytes": f.stat().st_size}
    return card


def export_model(model: VAE, data, train_x_count: int, history: list[dict], metrics: dict,
                 settings: dict, out: Path, seed: int = 0, replay=None) -> dict:
    """Build the model folder beside `out`, then swap it in; returns the model card."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        card = write_model_folder(model, data, train_x_count, history, metrics,
                                  {"command": " ".join(["vae-train", *sys.argv[1:]]), **settings}, tmp, seed, replay)
        card["name"] = out.name
        write_json_atomic(tmp / "metadata.json", card)
        tmp.chmod(0o755)  # mkdtemp makes it private; a model folder is for everyone to read
        replace_folder(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return card


def write_json_atomic(path: Path, obj) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.chmod(tmp, 0o644)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2, allow_nan=False)  # strict JSON: NaN is refused, never written
            f.write("\n")
        os.replace(tmp, path)
    except ValueError as e:
        raise ExportError(f"{path}: the model card holds a value that is not finite ({e})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def replace_folder(new: Path, target: Path) -> None:
    """Put `new` in the place of `target` so that a complete model is in place at every moment: one
    atomic exchange where the system has it, else two renames (a kill between them leaves the old
    model in a hidden `.old-` folder beside, which the next run clears away)."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)  # it now holds the old model
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old)
