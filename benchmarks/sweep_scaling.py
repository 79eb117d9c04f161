"""How well a sweep scales: the same 16-run sweep serially, on 2 local processes, and
on a 2-worker Dask LocalCluster.

    python benchmarks/sweep_scaling.py                   # the baseline, 4 points x 4 runs
    python benchmarks/sweep_scaling.py --days 14         # shorter runs
    python benchmarks/sweep_scaling.py --workers 4 --repeats 1

Reports, measured in this one run:
- wall time of each executor, and the parallel efficiency of processes and Dask
  (speed-up over serial / workers; the target is >= 0.85);
- Dask's overhead over processes, with and without starting the LocalCluster (target
  < 15% for runs of a few seconds);
- the fixed cost per run: what the serial sweep spends around the runs themselves
  (task files, manifest, tables) per run, and the import a fresh worker process pays
  before its first run;
- that the three runs.parquet are byte-identical.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.sweep import SweepOptions, read_sweep, resolve_sweep, run_sweep  # noqa: E402
from sim.sweep.executors import DaskExecutor  # noqa: E402


def write_sweep(folder: Path, days: float | None, points: int, replications: int) -> Path:
    fixed = f"set:\n  horizon.days: {days}\n  horizon.warmup_days: {min(7, days / 5):g}\n" if days else ""
    values = ", ".join(str(v) for v in range(6, 6 + points))
    path = folder / "sweep.yaml"
    path.write_text(f"base: {ROOT / 'scenarios' / 'baseline.yaml'}\nreplications: {replications}\n"
                    f"seed: 1\n{fixed}parameters:\n  warehouses.east.staff.pickers.day: [{values}]\n")
    return path


def _spin(n: int = 10_000_000) -> int:
    """Pure-Python CPU work, nothing shared: what W processes can do together on this
    machine right now."""
    total = 0
    for i in range(n):
        total += i
    return total


def machine_capacity(workers: int) -> float:
    """How many times faster ``workers`` spins run on ``workers`` processes than one
    after the other: ``workers`` on an idle machine with that many free cores, less when
    other work shares the CPUs. Measured next to the sweeps so that both see the same
    load."""
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    for _ in range(workers):
        _spin()
    serial = time.perf_counter() - started
    with ProcessPoolExecutor(workers) as pool:
        pool.submit(int).result()  # the pool is up before the clock starts
        started = time.perf_counter()
        list(pool.map(_spin, [10_000_000] * workers))
        parallel = time.perf_counter() - started
    return serial / parallel


def timed_sweep(sweep, out: Path, executor: str, workers: int) -> tuple[float, object]:
    started = time.perf_counter()
    outcome = run_sweep(sweep, out, SweepOptions(executor=executor, workers=workers,
                                                  figures=False, quiet=True))
    return time.perf_counter() - started, outcome


def import_cost_s(repeats: int = 3) -> float:
    """Seconds a fresh Python process spends importing what a sweep task needs, over a
    bare interpreter's start."""
    def best(code: str) -> float:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            times.append(time.perf_counter() - t)
        return min(times)

    return best("import sim.sweep.task") - best("pass")


def task_seconds(out: Path, key: str = "wall_s") -> float:
    """Seconds spent inside the tasks (wall or CPU), summed over the sweep's runs."""
    import json

    return sum(json.loads(p.read_text())[key] for p in (out / "tasks").glob("*.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=None,
                        help="shorten the baseline to this many days (default: as it is, 35)")
    parser.add_argument("--points", type=int, default=4)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3,
                        help="run each executor this many times, alternating; keep the fastest")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sweep = resolve_sweep(read_sweep(write_sweep(tmp, args.days, args.points, args.replications)))
        runs = len(sweep.points) * args.replications
        print(f"{runs} runs of the baseline ({sweep.points[0].scenario.horizon.days:g} days), "
              f"{args.workers} workers, best of {args.repeats}")
        # Starting a LocalCluster the first time in a process also starts the fork server
        # its workers come from (fsim sweep pays this once); later starts reuse it.
        started = time.perf_counter()
        with DaskExecutor(args.workers):
            pass
        dask_cold_start_s = time.perf_counter() - started
        started = time.perf_counter()
        with DaskExecutor(args.workers):
            pass
        dask_warm_start_s = time.perf_counter() - started
        best: dict[str, float] = {}
        cpu: dict[str, float] = {}
        capacity = []
        for i in range(args.repeats):
            capacity.append(machine_capacity(args.workers))
            for name, workers in (("serial", 1), ("processes", args.workers), ("dask", args.workers)):
                out = tmp / f"{name}-{i}"
                wall, _ = timed_sweep(sweep, out, name, workers)
                if wall < best.get(name, float("inf")):
                    best[name], cpu[name] = wall, task_seconds(out, "cpu_s")
                    if name == "serial":
                        compute_s = task_seconds(out)
        t_serial, t_proc = best["serial"], best["processes"]
        t_dask = best["dask"] + dask_cold_start_s - dask_warm_start_s  # as a fresh fsim pays it
        same = all((tmp / f"{e}-0" / "runs.parquet").read_bytes()
                   == (tmp / "serial-0" / "runs.parquet").read_bytes() for e in ("processes", "dask"))
        imports = import_cost_s()

    per_run = compute_s / runs
    cap = max(capacity)
    print(f"\n  mean run (model + KPIs):              {per_run:6.2f} s")
    print(f"  serial sweep:                         {t_serial:6.1f} s")
    print(f"  processes, {args.workers} workers:                 {t_proc:6.1f} s   speed-up "
          f"{t_serial / t_proc:4.2f}, efficiency {t_serial / t_proc / args.workers:4.2f} (target >= 0.85)")
    print(f"  Dask LocalCluster, {args.workers} workers:         {t_dask:6.1f} s   speed-up "
          f"{t_serial / t_dask:4.2f}, efficiency {t_serial / t_dask / args.workers:4.2f}")
    print(f"  Dask over processes:                  {100 * (t_dask / t_proc - 1):+5.1f}% "
          f"(target < 15%); the cluster's start: {dask_cold_start_s:.1f} s in a fresh process, "
          f"{dask_warm_start_s:.1f} s after")
    print(f"  fixed cost per run, serial sweep:     {(t_serial - compute_s) / runs * 1000:6.1f} ms "
          f"({100 * (t_serial - compute_s) / t_serial:.1f}% of the sweep)")
    print(f"  import in a fresh worker process:     {imports:6.2f} s once per worker "
          f"({100 * imports / per_run:.0f}% of one run; forked workers skip it)")
    print(f"  CPU seconds per run inside the tasks: serial {cpu['serial'] / runs:.2f}, processes "
          f"{cpu['processes'] / runs:.2f}, Dask {cpu['dask'] / runs:.2f}")
    print(f"  machine capacity: {args.workers} pure-Python loops ran {cap:.2f}x as fast on "
          f"{args.workers} processes as one after the other (ideal {args.workers}; less when other "
          "work shares the CPUs)")
    print(f"  efficiency against that capacity:     processes {t_serial / t_proc / cap:4.2f}, "
          f"Dask {t_serial / t_dask / cap:4.2f}")
    print(f"  runs.parquet identical on all three:  {'yes' if same else 'NO'}")
    print(f"  load average (1 min) before / after:  {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores (other work on the machine slows the parallel runs most)")


if __name__ == "__main__":
    main()
