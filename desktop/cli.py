"""`vae-digits`: the desktop app, plus headless commands that need no display.

    vae-digits [--model DIR] [--device auto|cuda|cpu]        the window
    vae-digits grid --n 15 [--range ppf|x0,x1,y0,y1] [--scale S] [--labels] --out grid.png
    vae-digits sample --n 8 --seed S [--scale S] --out samples.png   draws from the prior
    vae-digits walk --from A --to B --steps K [--scale S] --out walk.png|walk.gif
                    (an end: a class name, a picture file or coordinates x,y)
    vae-digits encode PICTURE                                 JSON on stdout
    vae-digits info                                           providers and the model card
    vae-digits self-test                                      a smoke test of the whole path

Bad input gets one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


COMMANDS = ("gui", "grid", "sample", "walk", "encode", "info", "self-test")


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
    sm = sub.add_parser("sample", help="write n x n draws from the prior, decoded, as PNG")
    _add_model_args(sm)
    sm.add_argument("--n", type=int, default=8, help="tiles per side, 2-60 (default 8)")
    sm.add_argument("--seed", type=int, default=0, help="the draws' seed: the same seed gives the same PNG")
    sm.add_argument("--scale", type=int, default=1, help="pixel scale 1-8")
    sm.add_argument("--out", required=True, help="PNG file to write")
    w = sub.add_parser("walk", help="decode a straight path in latent space: a PNG strip or an animated GIF")
    _add_model_args(w)
    w.add_argument("--from", dest="start", required=True,
                   help="a class name (its most typical test picture), a picture file, or coordinates x,y")
    w.add_argument("--to", dest="end", required=True, help="the other end, likewise")
    w.add_argument("--steps", type=int, default=10, help="points on the path, both ends included, 2-60")
    w.add_argument("--scale", type=int, help="pixel scale 1-8 (default 1 for PNG, 4 for GIF)")
    w.add_argument("--frame-ms", type=int, default=100, help="GIF: each frame's time, 20-2000 ms (default 100)")
    w.add_argument("--bounce", action="store_true", help="GIF: play forwards, then backwards")
    w.add_argument("--out", required=True, help="walk.png (a strip) or walk.gif (an animation)")
    e = sub.add_parser("encode", help="encode a picture (a digit, an item of clothing: what the model's card "
                                      "says), print JSON")
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
    """`--range -2,2,-2,2` -> `--range=-2,2,-2,2` (and --from/--to -1,2): argparse takes a value
    with a leading minus for an option unless it is one plain number."""
    out = list(argv)
    for i, arg in enumerate(out[:-1]):
        if arg == "--":
            break
        if arg in ("--range", "--from", "--to") and _looks_like_numbers(out[i + 1]):
            out[i:i + 2] = [f"{arg}={out[i + 1]}"]
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


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="vae-digits: %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "gui":
        from desktop.app import run_gui

        sys.exit(run_gui(args))
    from desktop.files import ImageError
    from desktop.model_card import ModelError

    from desktop import commands

    handlers = {"grid": commands.grid, "sample": commands.sample, "walk": commands.walk,
                "encode": commands.encode, "info": commands.info, "self-test": commands.self_test}
    try:
        sys.exit(handlers[args.command](args))
    except (UsageError, ModelError, ImageError) as e:
        print(f"vae-digits: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
