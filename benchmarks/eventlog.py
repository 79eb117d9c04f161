"""What an event log costs: writing one replication's log in each format against
writing its orders.parquet, in the same run.

    python benchmarks/eventlog.py                 # baseline, 3 alternating repeats, medians
    python benchmarks/eventlog.py --repeats 5 --scenario scenarios/stock.yaml

Runs one replication of the scenario (not timed), then, alternating so that every
repeat sees the same machine load, writes ``orders.parquet`` and the OCEL 2.0 JSON,
OCEL 2.0 SQLite and XES logs (chunks of 8,192 orders). Prints per format the
median seconds, the ratio to orders.parquet, the file size and the bytes per order; and
the process's peak memory after the run and after the writing (the logs are streamed
in chunks, so writing them should add little). Absolute seconds depend on the machine;
the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.eventlog import FORMATS, write_event_log  # noqa: E402
from sim.model.world import run_replication  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    scenario = sim.load_scenario(args.scenario)
    t = time.perf_counter()
    result = run_replication(scenario, 0)
    run_s = time.perf_counter() - t
    after_run = peak_mib()
    n = len(result.orders)
    start = dt.date(2026, 1, 5) + dt.timedelta(days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                                               .index(scenario.horizon.start_weekday))
    seconds: dict[str, list[float]] = {name: [] for name in ("orders.parquet", *FORMATS)}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for _ in range(args.repeats):
            path = folder / "orders.parquet"
            t = time.perf_counter()
            result.orders.to_parquet(path, index=False)
            seconds["orders.parquet"].append(time.perf_counter() - t)
            sizes["orders.parquet"] = path.stat().st_size
            for fmt, ext in FORMATS.items():
                path = folder / f"rep-0{ext}"
                t = time.perf_counter()
                write_event_log(result, path, fmt, scenario=scenario, start=start)
                seconds[fmt].append(time.perf_counter() - t)
                sizes[fmt] = path.stat().st_size
                path.unlink()
    after_write = peak_mib()
    base = statistics.median(seconds["orders.parquet"])
    print(f"{scenario.name}: {n:,} orders, {len(result.shipments):,} parcels; "
          f"the replication ran in {run_s:.1f} s")
    print(f"{'file':<16} {'seconds':>8} {'x parquet':>10} {'MB':>8} {'bytes/order':>12}")
    for name, times in seconds.items():
        med = statistics.median(times)
        print(f"{name:<16} {med:>8.2f} {med / base:>10.1f} {sizes[name] / 1e6:>8.1f} {sizes[name] / n:>12,.0f}")
    print(f"peak memory: {after_run:,.0f} MiB after the run, {after_write:,.0f} MiB after writing the logs")


if __name__ == "__main__":
    main()
