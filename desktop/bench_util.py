"""Small measuring helpers shared by the app's launch report and the benchmarks."""
from __future__ import annotations

import numpy as np


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def seconds_since_process_start() -> float:
    """Wall time since this process was created (Linux /proc, 10 ms resolution; NaN elsewhere).
    For a frozen app this includes the bootloader and the interpreter's start."""
    import os

    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def summarize(ms: list[float]) -> str:
    a = np.asarray(ms)
    return f"median {np.median(a):.2f} ms, p95 {np.percentile(a, 95):.2f} ms (n={len(a)})"
