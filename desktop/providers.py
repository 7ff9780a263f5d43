"""Which ONNX Runtime execution provider to ask for, and why.

`onnxruntime-gpu` lists CUDA among its available providers even where no driver exists, and
asking for it there prints a red error. So CUDA is asked for only when the NVIDIA driver and the
CUDA provider library both load; otherwise the CPU runs, with the reason in one line.
"""
from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
from pathlib import Path

CUDA, CPU = "CUDAExecutionProvider", "CPUExecutionProvider"


def _load(path: str | Path, mode: int = 0) -> str | None:
    try:
        ctypes.CDLL(str(path), mode=mode)
        return None
    except OSError as e:
        return str(e).split(": ")[-1] if ":" in str(e) else str(e)


def cuda_problem() -> str | None:
    """Why the CUDA provider cannot attach on this machine, or None when it can."""
    import onnxruntime as ort

    if CUDA not in ort.get_available_providers():
        return f"this onnxruntime {ort.__version__} build has no CUDA provider"
    windows = sys.platform == "win32"
    driver = "nvcuda.dll" if windows else "libcuda.so.1"
    if _load(driver) is not None:
        return f"no NVIDIA driver found ({driver} does not load)"
    if hasattr(ort, "preload_dlls"):  # loads CUDA/cuDNN from nvidia-* wheels where installed
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            with contextlib.suppress(Exception):
                ort.preload_dlls()
    capi = Path(ort.__file__).parent / "capi"
    shared = capi / ("onnxruntime_providers_shared.dll" if windows else "libonnxruntime_providers_shared.so")
    lib = capi / ("onnxruntime_providers_cuda.dll" if windows else "libonnxruntime_providers_cuda.so")
    _load(shared, getattr(os, "RTLD_GLOBAL", 0))
    why = _load(lib)
    if why is not None:
        return f"the CUDA provider library does not load ({why}; see the README for CUDA/cuDNN)"
    return None


def choose_providers(device: str) -> tuple[list[str], str]:
    """Providers to request for `device` (auto|cuda|cpu) and a note on the choice.

    Raises RuntimeError for `cuda` when CUDA cannot attach."""
    if device == "cpu":
        return [CPU], "CPU as requested"
    problem = cuda_problem()
    if problem is None:
        return [CUDA, CPU], "CUDA"
    if device == "cuda":
        raise RuntimeError(f"--device cuda: {problem}")
    return [CPU], f"CPU because {problem}"
