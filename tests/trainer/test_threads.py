"""The thread policy follows the cores other processes leave free (fed made-up machine readings)."""
import pytest

from trainer import threads


class Machine:
    """A fake /proc/stat and clock: `others` cores busy besides this process's `own`."""

    def __init__(self, monkeypatch):
        self.t, self.busy, self.own, self.others = 0.0, 0.0, 0.0, 0.0
        monkeypatch.setattr(threads.time, "monotonic", lambda: self.t)
        monkeypatch.setattr(threads.time, "process_time", lambda: self.own)
        monkeypatch.setattr(threads, "_busy_and_total", lambda: (self.busy, 0.0))
        monkeypatch.setattr(threads, "usable_cores", lambda: 2)

    def run(self, seconds, own_cores):
        self.t += seconds
        self.own += own_cores * seconds
        self.busy += (own_cores + self.others) * seconds


@pytest.fixture
def machine(monkeypatch):
    return Machine(monkeypatch)


def test_drops_to_one_thread_beside_a_busy_process_and_climbs_back(machine):
    set_to = []
    policy = threads.ThreadPolicy(set_threads=set_to.append)
    assert policy.threads == 2 and set_to == [2]
    machine.others = 1.0
    machine.run(0.6, own_cores=1.0)
    policy.tick()
    assert policy.threads == 1 and set_to[-1] == 1
    machine.others = 0.0
    machine.run(0.6, own_cores=1.0)
    policy.tick()
    assert policy.threads == 2 and policy.changes == 2


def test_a_light_background_load_keeps_both_threads(machine):
    policy = threads.ThreadPolicy(set_threads=lambda n: None)
    machine.others = 0.3
    machine.run(0.6, own_cores=1.7)
    policy.tick()
    assert policy.threads == 2


def test_ticks_between_intervals_cost_nothing_and_fixed_counts_stay(machine):
    policy = threads.ThreadPolicy(set_threads=lambda n: None)
    machine.others = 2.0
    machine.run(0.1, own_cores=0.0)
    policy.tick()
    assert policy.threads == 2  # not yet half a second
    fixed = threads.ThreadPolicy(fixed=2, set_threads=lambda n: None)
    machine.run(1.0, own_cores=0.0)
    fixed.tick()
    assert fixed.threads == 2


def test_reads_this_machine():
    assert threads.usable_cores() >= 1
    busy, total = threads._busy_and_total()
    assert 0 <= busy <= total
