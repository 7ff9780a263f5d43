"""The headless commands of `vae-digits` (see cli.py): each checks everything the user typed before
the model loads, writes whole files or nothing, and returns an exit code."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from desktop.cli import UsageError, open_runtime


def _checked(*checks):
    """Run the value checks (functions raising ValueError) and turn a failure into a UsageError."""
    try:
        return [check() for check in checks]
    except ValueError as e:
        raise UsageError(str(e)) from None


def check_out(text: str, suffixes: tuple[str, ...] = (".png",)) -> Path:
    """The file `--out` names: refused when empty, a folder, in a missing folder, or of another kind."""
    what = " or ".join(s.lstrip(".").upper() for s in suffixes)
    if not text.strip():
        raise UsageError(f"--out is empty: give the {what} file to write")
    out = Path(text)
    if out.is_dir() or text.endswith(("/", os.sep)):
        raise UsageError(f"{text}: names a folder; --out needs a {what} file name")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: folder {out.parent} does not exist")
    if len(suffixes) > 1 and out.suffix.lower() not in suffixes:
        raise UsageError(f"{out}: --out must end in {' or '.join(suffixes)}")
    return out


def _text(rt, **extra) -> dict[str, str]:
    return {"Model": rt.name, **{k: str(v) for k, v in extra.items()}, "Software": "vae-digits"}


def grid(args) -> int:
    from desktop.grids import check_n, check_scale, decode_grid, parse_range
    from desktop.pngio import save_image_atomic, save_png

    n, rng, scale = _checked(lambda: check_n(args.n), lambda: parse_range(args.range), lambda: check_scale(args.scale))
    out = check_out(args.out)
    rt = open_runtime(args)
    picture = decode_grid(rt.decode, n, rng, rt.latent_dim, *rt.card.image_size)[0]  # one batched decode
    text = _text(rt, n=n, Range=rng.label())
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


def sample(args) -> int:
    from desktop.grids import check_n, check_scale, decode_samples
    from desktop.pngio import save_png

    def seed():
        if args.seed < 0:  # numpy's generators take none
            raise ValueError(f"--seed {args.seed}: a seed is a whole number >= 0")
        return args.seed

    n, scale, _ = _checked(lambda: check_n(args.n), lambda: check_scale(args.scale), seed)
    out = check_out(args.out)
    rt = open_runtime(args)
    picture, _ = decode_samples(rt.decode, n, rt.latent_dim, args.seed, *rt.card.image_size)
    save_png(picture, out, scale, _text(rt, n=n, Range="samples", Seed=args.seed))
    print(f"wrote {out} ({picture.shape[1] * scale}x{picture.shape[0] * scale} px, {n}x{n} draws from N(0, I), "
          f"seed {args.seed})")
    return 0


def _end(option: str, text: str, rt, read_gray):
    """A walk's end as walks.parse_end reads it; a bad one is a UsageError naming the option."""
    from desktop import walks

    try:
        return walks.parse_end(text, rt, read_gray)
    except ValueError as e:
        raise UsageError(f"{option} {e}") from None


def walk(args) -> int:
    from desktop import walks
    from desktop.grids import check_scale
    from desktop.pngio import read_gray, save_png

    out = check_out(args.out, (".png", ".gif"))
    gif = out.suffix.lower() == ".gif"
    scale = args.scale if args.scale is not None else (4 if gif else 1)

    def frame_ms():
        if not 20 <= args.frame_ms <= 2000:
            raise ValueError(f"--frame-ms {args.frame_ms}: a frame lasts 20-2000 ms")
        return args.frame_ms

    steps, scale, ms = _checked(lambda: walks.check_steps(args.steps), lambda: check_scale(scale), frame_ms)
    rt = open_runtime(args)
    ends = [_end(option, text, rt, read_gray) for option, text in (("--from", args.start), ("--to", args.end))]
    frames, _ = walks.decode_walk(rt.decode, ends[0].z, ends[1].z, steps, *rt.card.image_size)  # one batched decode
    if gif:
        walks.write_gif(frames, out, ms, scale, args.bounce)
        what = f"{len(frames) + (len(frames) - 2 if args.bounce else 0)} frames of {ms} ms"
    else:
        save_png(walks.strip(frames), out, scale, _text(rt, From=ends[0].label, To=ends[1].label, Steps=steps))
        what = f"a strip of {steps} tiles"
    print(f"wrote {out} ({what}, {scale}x, from {ends[0].label} to {ends[1].label})")
    return 0


def encode(args) -> int:
    from desktop.analysis import analyse_picture, as_json
    from desktop.files import ImageError
    from desktop.pngio import read_gray

    rt = open_runtime(args)
    enc = analyse_picture(rt, read_gray(args.image))
    if enc is None:
        raise ImageError(f"{args.image}: the picture is blank (nothing stands out from its background)")
    print(json.dumps(as_json(enc, str(rt.card.folder))))
    return 0


def info(args) -> int:
    import onnxruntime as ort

    print(f"onnxruntime {ort.__version__}: providers available {', '.join(ort.get_available_providers())}")
    rt = open_runtime(args)
    print(f"provider in use: {rt.provider} ({rt.provider_note})")
    card = {k: v for k, v in rt.card.data.items() if k != "history"}
    print(f"model card of {rt.card.folder} (per-epoch history omitted):")
    print(json.dumps(card, indent=2))
    return 0


def self_test(args) -> int:
    from desktop.analysis import analyse, with_article
    from desktop.grids import PPF, assemble, grid_latents, to_uint8
    from desktop.pngio import read_gray, save_png

    rt = open_runtime(args)
    h, w = rt.card.image_size
    problems = []
    raw = rt.decode(grid_latents(15, PPF, rt.latent_dim))  # the one decode of the grid
    if not (np.isfinite(raw).all() and 0 <= raw.min() and raw.max() <= 1):
        problems.append("the decoder's grid output is not finite in [0, 1]")
    picture = assemble(to_uint8(raw), 15, h, w)
    # encode a picture: decode a class centre from the test latents, analyse it as a drawing
    centre = rt.latents.z_mean[rt.latents.labels == rt.latents.labels[0]].mean(axis=0)
    enc = analyse(rt, rt.decode(centre[None])[0].reshape(h, w))
    if enc is None or not (np.isfinite(enc.z_mean).all() and np.isfinite(enc.neg_elbo)):
        problems.append("the encoder's output is not finite")
    with tempfile.TemporaryDirectory() as tmp:
        if read_gray(save_png(picture, Path(tmp) / "grid.png")).shape != (15 * h, 15 * w):
            problems.append("the grid PNG did not read back at its size")
    if problems:
        print(f"vae-digits: self-test failed: {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(f"self-test passed: model {rt.name}, provider {rt.provider} ({rt.provider_note}), grid 15x15, "
          f"encoded {with_article(rt.card.subject[0])} to {np.round(enc.z_mean, 3).tolist()}")
    return 0
