"""`vae-digits`: the desktop app, plus headless commands that need no display.

    vae-digits [--model DIR] [--device auto|cuda|cpu]        the window
    vae-digits grid --n 15 [--range ppf|x0,x1,y0,y1] [--scale S] [--labels] --out grid.png
    vae-digits encode IMAGE                                   JSON on stdout
    vae-digits info                                           providers and the model card
    vae-digits self-test                                      a smoke test of the whole path

Bad input gets one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

COMMANDS = ("gui", "grid", "encode", "info", "self-test")


class UsageError(Exception):
    """Bad input to a command; str() is the one line to print."""


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="model folder (default: the best MNIST model in exported/)")
    p.add_argument("--device", choices=["auto", "cuda", "cpu"], default="auto",
                   help="execution provider: auto uses CUDA only where it really attaches")


def parse_args(argv: list[str]) -> argparse.Namespace:
    from desktop.grids import MAX_COORD

    p = argparse.ArgumentParser(prog="vae-digits", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    sub = p.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}")
    gui = sub.add_parser("gui", help="open the window (the default)")
    _add_model_args(gui)
    g = sub.add_parser("grid", help="write an n x n manifold grid as PNG")
    _add_model_args(g)
    g.add_argument("--n", type=int, default=15, help="tiles per side, 2-60 (default 15)")
    g.add_argument("--range", default="ppf",
                   help=f"'ppf' (the reference's) or x0,x1,y0,y1, each within ±{MAX_COORD:g}")
    g.add_argument("--scale", type=int, default=1, help="pixel scale 1-8")
    g.add_argument("--labels", action="store_true", help="add axis labels with the latent coordinates")
    g.add_argument("--out", required=True, help="PNG file to write")
    e = sub.add_parser("encode", help="encode a picture of a digit, print JSON")
    _add_model_args(e)
    e.add_argument("image")
    i = sub.add_parser("info", help="providers and the model card")
    _add_model_args(i)
    s = sub.add_parser("self-test", help="load, decode, encode, write a PNG; exit 0 when all works")
    _add_model_args(s)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["gui", *argv]
    return p.parse_args(_join_negative_range(argv))


def _join_negative_range(argv: list[str]) -> list[str]:
    """`--range -2,2,-2,2` -> `--range=-2,2,-2,2`: argparse takes a value with a leading minus
    for an option unless it is one plain number."""
    out = list(argv)
    for i, arg in enumerate(out[:-1]):
        if arg == "--":
            break
        if arg == "--range" and _looks_like_numbers(out[i + 1]):
            out[i:i + 2] = [f"--range={out[i + 1]}"]
            break
    return out


def _looks_like_numbers(text: str) -> bool:
    try:
        [float(v) for v in text.split(",")]
    except ValueError:
        return False
    return True


def resolve_model(model: str | None) -> Path:
    from desktop.resources import default_model, models_dir

    if model:
        return Path(model)
    found = default_model()
    if found is None:
        raise UsageError(f"{models_dir()}: no model folder found (use --model DIR)")
    return found


def open_runtime(args):
    from desktop.runtime import ModelRuntime

    try:
        return ModelRuntime(resolve_model(args.model), args.device)
    except RuntimeError as e:  # --device cuda where CUDA cannot attach
        raise UsageError(str(e)) from None


def encode_image(runtime, path: str | Path) -> dict:
    """What `encode` prints: the picture preprocessed as the canvas does, then encoded."""
    from desktop.imaging import gray_to_ink, to_mnist
    from desktop.pngio import ImageError, read_gray

    h, w = runtime.card.image_size
    x = to_mnist(gray_to_ink(read_gray(path)), size=h)
    if x is None:
        raise ImageError(f"{path}: the picture is blank (no ink to encode)")
    z_mean, z_log_var = runtime.encode(x.reshape(1, -1))
    nll = runtime.neg_elbo(x.ravel(), z_mean[0], z_log_var[0])
    return {"model": str(runtime.card.folder), "z_mean": z_mean[0].tolist(), "z_log_var": z_log_var[0].tolist(),
            "neg_elbo": nll, "percentile": runtime.latents.percentile(nll)}


def render_grid(runtime, n: int, rng) -> np.ndarray:
    """(n*H, n*W) uint8 picture: one batched decode of n*n latent points."""
    from desktop.grids import decode_grid

    return decode_grid(runtime.decode, n, rng, runtime.latent_dim, *runtime.card.image_size)[0]


def check_out(text: str) -> Path:
    """The PNG file `--out` names: refused when empty, a folder, or in a missing folder."""
    if not text.strip():
        raise UsageError("--out is empty: give the PNG file to write")
    out = Path(text)
    if out.is_dir() or text.endswith(("/", os.sep)):
        raise UsageError(f"{text}: names a folder; --out needs a PNG file name")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: folder {out.parent} does not exist")
    return out


def cmd_grid(args) -> int:
    from desktop.grids import check_n, check_scale, parse_range
    from desktop.pngio import save_image_atomic, save_png

    try:  # everything the user typed is checked before the model loads
        n, rng, scale = check_n(args.n), parse_range(args.range), check_scale(args.scale)
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = check_out(args.out)
    rt = open_runtime(args)
    picture = render_grid(rt, n, rng)
    text = {"Model": rt.name, "n": str(n), "Range": rng.label(), "Software": "vae-digits"}
    if args.labels:
        from desktop.labels import labelled_grid

        img = labelled_grid(picture, n, rng, scale)
        save_image_atomic(img, out, text)
        size = (img.width(), img.height())
    else:
        save_png(picture, out, scale, text)
        size = (picture.shape[1] * scale, picture.shape[0] * scale)
    print(f"wrote {out} ({size[0]}x{size[1]} px, n={n}, range {rng.label()})")
    return 0


def cmd_encode(args) -> int:
    print(json.dumps(encode_image(open_runtime(args), args.image)))
    return 0


def cmd_info(args) -> int:
    import onnxruntime as ort

    print(f"onnxruntime {ort.__version__}: providers available {', '.join(ort.get_available_providers())}")
    rt = open_runtime(args)
    print(f"provider in use: {rt.provider} ({rt.provider_note})")
    card = {k: v for k, v in rt.card.data.items() if k != "history"}
    print(f"model card of {rt.card.folder} (per-epoch history omitted):")
    print(json.dumps(card, indent=2))
    return 0


def cmd_self_test(args) -> int:
    from desktop.grids import PPF, assemble, grid_latents, to_uint8
    from desktop.pngio import read_gray, save_png

    rt = open_runtime(args)
    h, w = rt.card.image_size
    problems = []
    raw = rt.decode(grid_latents(15, PPF, rt.latent_dim))  # the one decode of the grid
    if not (np.isfinite(raw).all() and 0 <= raw.min() and raw.max() <= 1):
        problems.append("the decoder's grid output is not finite in [0, 1]")
    picture = assemble(to_uint8(raw), 15, h, w)
    # encode a digit: decode a class centre from the test latents, encode it back
    centre = rt.latents.z_mean[rt.latents.labels == rt.latents.labels[0]].mean(axis=0)
    z_mean, _ = rt.encode(rt.decode(centre[None]))
    if not np.isfinite(z_mean).all():
        problems.append("the encoder's output is not finite")
    with tempfile.TemporaryDirectory() as tmp:
        if read_gray(save_png(picture, Path(tmp) / "grid.png")).shape != (15 * h, 15 * w):
            problems.append("the grid PNG did not read back at its size")
    if problems:
        print(f"vae-digits: self-test failed: {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(f"self-test passed: model {rt.name}, provider {rt.provider} ({rt.provider_note}), "
          f"grid 15x15, encoded a digit to {np.round(z_mean[0], 3).tolist()}")
    return 0


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="vae-digits: %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "gui":
        from desktop.app import run_gui

        sys.exit(run_gui(args))
    from desktop.model_card import ModelError
    from desktop.pngio import ImageError

    handlers = {"grid": cmd_grid, "encode": cmd_encode, "info": cmd_info, "self-test": cmd_self_test}
    try:
        sys.exit(handlers[args.command](args))
    except (UsageError, ModelError, ImageError) as e:
        print(f"vae-digits: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
