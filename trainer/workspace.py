"""The output side of a run, claimed before any training: the model folder can be written, no
other trainer writes into it, and what an interrupted export left behind is cleared away."""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


class OutputError(Exception):
    """The model folder cannot be written; str() is one line naming it and the problem."""


def leftovers(out: Path) -> list[Path]:
    """Temporary folders an interrupted export of `out` may have left beside it."""
    if not out.parent.is_dir():
        return []
    return sorted(p for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*") for p in out.parent.glob(pattern))


def check_writable(folder: Path, what: str) -> None:
    """Create `folder` if needed and prove a file can be made in it (then remove it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".vae-train-probe-"):
            pass
    except OSError as e:
        raise OutputError(f"{folder}: cannot write the {what} there ({e.strerror or e})") from None


class OutputClaim:
    """Checks `out` and holds a lock on it for the run (a context manager).

    A second trainer with the same `out` is refused at once; an existing `out` is replaced only
    when it is a model folder (it holds metadata.json), never a folder of something else."""

    def __init__(self, out: Path, checkpoint: Path):
        self.out, self.checkpoint = Path(out), Path(checkpoint)
        self._lock = None

    def __enter__(self) -> "OutputClaim":
        from filelock import FileLock, Timeout

        out = self.out
        if out.exists() and not out.is_dir():
            raise OutputError(f"{out}: exists and is not a folder; choose another --out")
        if out.is_dir() and any(out.iterdir()) and not (out / "metadata.json").is_file():
            raise OutputError(f"{out}: a folder that holds no model (no metadata.json); refusing to replace it")
        check_writable(out.parent, "model folder")
        if self.checkpoint.parent != out.parent:
            check_writable(self.checkpoint.parent, "checkpoint")
        lock_path = out.parent / f".{out.name}.lock"
        self._lock = FileLock(lock_path)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise OutputError(f"{out}: another vae-train is writing this model folder (it holds {lock_path}); "
                              f"wait for it to finish or choose another --out") from None
        except OSError as e:
            raise OutputError(f"{lock_path}: cannot lock the model folder ({e.strerror or e})") from None
        for stale in leftovers(out):  # no other trainer holds the lock, so nobody is using these
            log.info("removing %s, left behind by an interrupted export", stale)
            shutil.rmtree(stale, ignore_errors=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._lock is not None:
            self._lock.release()
