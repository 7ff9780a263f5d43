"""Writing files whole or not at all: a temporary file beside the target, renamed onto it. No Qt."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


class ImageError(Exception):
    """A picture cannot be read or written; str() is one line naming the file and the problem."""


def atomic_write(path: str | Path, write, suffix: str) -> Path:
    """Call `write(tmp)` on a new file beside `path` (mode 0666 less the umask, as for any new file;
    mkstemp would make it 0600), then rename it onto `path`. `write` returns False on failure.
    Nothing is left behind when anything fails; every failure is an ImageError naming `path`."""
    path = Path(path)
    tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}{suffix}")
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as e:
        raise ImageError(f"{path}: cannot write there ({e.strerror or e})") from None
    try:
        if write(tmp) is False:
            raise ImageError(f"{path}: writing the file failed")
        try:
            os.replace(tmp, path)
        except OSError as e:  # e.g. `path` is a folder
            raise ImageError(f"{path}: cannot write there ({e.strerror or e})") from None
    except OSError as e:
        raise ImageError(f"{path}: writing failed ({e.strerror or e})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
