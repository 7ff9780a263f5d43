"""The benchmark scripts run (their numbers are printed, never asserted: timings flake)."""
from desktop import bench


def test_app_benchmark_runs_and_reports_every_number(capsys, seed_model, qapp):
    bench.bench_window(str(seed_model))
    out = capsys.readouterr().out
    for label in ("stroke event -> updated marker", "15x15 grid decode + paint", "60x60 grid decode + paint",
                  "hover decode", "225 calls"):
        assert label in out
