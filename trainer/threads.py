"""How many CPU threads training uses: as many as the cores other processes leave free.

torch's OpenMP threads wait for each other at the end of every operation; when another process
holds a core, a thread that lost its core stalls the others, and two trainings side by side ran
85 s per epoch instead of 1 s. So the trainer measures, every half second, how much CPU the rest
of the machine uses (/proc/stat, minus this process's own time) and keeps torch's thread count
at the cores left over (at least one). Alone on two cores it runs two threads; beside another
training or any busy process it drops to one within half a second and climbs back when the
other finishes. Where /proc/stat does not exist (macOS, Windows) the count stays fixed.
"""
from __future__ import annotations

import logging
import os
import time

log = logging.getLogger(__name__)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _busy_and_total() -> tuple[float, float] | None:
    """Busy and total CPU time of the whole machine so far, in seconds (None without /proc)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / ticks, sum(fields[:8]) / ticks  # steal counts as busy


class ThreadPolicy:
    """Call `tick()` once per training step: cheap (a clock read) except every `interval` seconds,
    when it re-measures the machine and sets torch's thread count. `fixed` pins a count instead."""

    def __init__(self, fixed: int | None = None, interval: float = 0.5, set_threads=None):
        import torch

        self._set = set_threads or torch.set_num_threads
        self.cores = usable_cores()
        self.fixed = fixed
        self.interval = interval
        self.threads = fixed or self.cores
        self.changes = 0  # how often the count changed (the benchmark reports it)
        self._set(self.threads)
        self._last = self._sample()
        self._next = time.monotonic() + interval

    @staticmethod
    def _sample():
        machine = _busy_and_total()
        return None if machine is None else (time.monotonic(), time.process_time(), *machine)

    def others_busy(self, before, after) -> float:
        """Cores kept busy by other processes between two samples."""
        wall = after[0] - before[0]
        own = after[1] - before[1]
        busy = after[2] - before[2]
        return max(0.0, (busy - own) / wall) if wall > 0 else 0.0

    def tick(self) -> None:
        if self.fixed or time.monotonic() < self._next:
            return
        now = self._sample()
        self._next = time.monotonic() + self.interval
        if now is None or self._last is None:
            return
        free = self.cores - self.others_busy(self._last, now)
        self._last = now
        want = max(1, min(self.cores, int(free + 0.5)))
        if want != self.threads:
            log.debug("threads %d -> %d (%.2f cores free)", self.threads, want, free)
            self.threads = want
            self.changes += 1
            self._set(want)
