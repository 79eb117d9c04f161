"""The run-size estimate (``sim.sizing``, README "Run size") against real runs.

    python benchmarks/sizing.py            # every case (about 3 minutes)
    python benchmarks/sizing.py b35 b500   # some of them

Each case is ``fsim run ... -q --no-size-check`` in a fresh process. Memory: the peak,
sampled every 50 ms, of the proportional set size summed over the process and its
descendants (forked figure and replication workers share pages with the parent; PSS
counts a shared page once in all). Time: wall clock. The estimate is what ``fsim run``
computes for the same command. Re-run after a model change and refit the constants of
``sim/sizing.py`` (the table of ``docs/sizing_measurements.md``). Linux only (/proc).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {
    "b14": "scenarios/baseline.yaml --set horizon.days=14",
    "b35": "scenarios/baseline.yaml",
    "b112": "scenarios/baseline.yaml --set horizon.days=112",
    "b500": "scenarios/baseline.yaml --set horizon.days=500",
    "b35_nofig": "scenarios/baseline.yaml --no-figures",
    "b112_nofig": "scenarios/baseline.yaml --set horizon.days=112 --no-figures",
    "b35_kpis": "scenarios/baseline.yaml --outputs kpis",
    "b112_kpis": "scenarios/baseline.yaml --set horizon.days=112 --outputs kpis",
    "b500_kpis": "scenarios/baseline.yaml --set horizon.days=500 --outputs kpis",
    "b35_r4_kpis": "scenarios/baseline.yaml --outputs kpis -r 4",
    "b35_r8": "scenarios/baseline.yaml -r 8",
    "b35_r8_nofig": "scenarios/baseline.yaml -r 8 --no-figures",
    "b112_r4": "scenarios/baseline.yaml --set horizon.days=112 -r 4",
    "b112_r4_w2": "scenarios/baseline.yaml --set horizon.days=112 -r 4 -w 2",
    "b112_r4_w2_kpis": "scenarios/baseline.yaml --set horizon.days=112 -r 4 -w 2 --outputs kpis",
    "b35_ocel": "scenarios/baseline.yaml --event-log ocel-json --no-figures",
    "b112_xes_r2": "scenarios/baseline.yaml --set horizon.days=112 --event-log xes -r 2 --no-figures",
    "stock35": "scenarios/stock.yaml",
    "stock500_kpis": "scenarios/stock.yaml --set horizon.days=500 --outputs kpis",
    "stock_sku300k": ("scenarios/stock.yaml --set catalogue.skus=300000 --set horizon.days=7 "
                      "--set horizon.warmup_days=1 --outputs kpis"),
    "sku1m": "scenarios/baseline.yaml --set catalogue.skus=1000000 --set horizon.days=14 --outputs kpis",
}


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def measure(spec: str) -> tuple[float, float]:
    """(peak bytes, wall seconds) of ``fsim run SPEC``."""
    out = Path(tempfile.mkdtemp(prefix="fsim-sizing-"))
    try:
        cmd = [sys.executable, "-m", "sim", "run", *shlex.split(spec), "-q", "--no-size-check",
               "--overwrite", "-o", str(out / "run")]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, sum(_pss(p) for p in _descendants(proc.pid)))
            time.sleep(0.05)
        wall = time.perf_counter() - start
        if proc.returncode:
            raise RuntimeError(f"fsim run {spec} failed: {proc.stderr.read().decode()[-2000:]}")
        return peak, wall
    finally:
        shutil.rmtree(out, ignore_errors=True)


def estimate(spec: str):
    """What ``fsim run SPEC`` estimates (the options it passes to ``estimate_run``)."""
    from sim.cli import build_parser
    from sim.cli.run import _keeps_tables
    from sim.scenario import load_scenario, parse_set_option
    from sim.sizing import estimate_run

    args = build_parser().parse_args(["run", *shlex.split(spec)])
    scenario = load_scenario(ROOT / args.scenario, dict(parse_set_option(t) for t in args.overrides) or None)
    return estimate_run(scenario, args.replications, args.workers, _keeps_tables(args),
                        on_disk=not args.event_log, figures=args.outputs == "all" and not args.no_figures,
                        event_logs=bool(args.event_log))


def main() -> int:
    names = sys.argv[1:] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown case(s) {unknown}; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    memory_ratios, time_ratios = [], []
    print("| run | command | measured memory | estimate | estimate / measured | measured time | estimate | "
          "estimate / measured |\n|---|---|---|---|---|---|---|---|")
    for name in names:
        peak, wall = measure(CASES[name])
        e = estimate(CASES[name])
        memory_ratios.append(e.peak_memory_bytes / peak)
        time_ratios.append(e.wall_time_s / wall)
        print(f"| `{name}` | `fsim run {CASES[name]}` | {peak / 1e6:,.0f} MB | {e.peak_memory_bytes / 1e6:,.0f} MB "
              f"| {memory_ratios[-1]:.2f} | {wall:.1f} s | {e.wall_time_s:.1f} s | {time_ratios[-1]:.2f} |",
              flush=True)
    print(f"\nestimate / measured: memory {min(memory_ratios):.2f}-{max(memory_ratios):.2f}, "
          f"time {min(time_ratios):.2f}-{max(time_ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
