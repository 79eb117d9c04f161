"""How many simulation runs the staffing search needs against the exhaustive grid over
the same bounds (target: under 25%), on the baseline with two pools at one site, one
head count per pool and then one per shift (--per-shift).

    python benchmarks/staff_search.py                    # 14-day runs, bounds 1..20
    python benchmarks/staff_search.py --days 35          # the baseline's own horizon
    python benchmarks/staff_search.py --out /tmp/bench   # keep the folders (a rerun resumes)

The counts depend only on the scenario, the targets, the bounds and the seed, not on
the machine: a run is a plan's replication, and which plans the search decides with how
many replications is decided by the runs' results alone. The grid's count is the least
an exhaustive grid would run: every plan within the bounds at the replications each
plan starts with (with the same sequential sampling it would run more).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.staffing import plan_staffing  # noqa: E402

POOLS = ["east.pickers", "east.packers"]
TARGETS = ["same_day_ship_pct_east >= 90", "on_time_delivery_pct_east >= 97"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=float, default=14, help="horizon.days (default 14)")
    parser.add_argument("--high", type=int, default=20, help="upper bound of every pool (default 20)")
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--max-replications", type=int, default=40)
    parser.add_argument("--executor", default="processes")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=None, help="folder for the two searches (default: temporary)")
    args = parser.parse_args()
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="staff-bench-"))
    overrides = {"horizon.days": args.days, "horizon.warmup_days": min(7.0, round(args.days / 3.5)),
                 "horizon.drain_days": 10}
    print(f"baseline, {args.days:g}-day runs; pools {', '.join(POOLS)} at 1..{args.high}; targets "
          f"{'; '.join(TARGETS)}; {args.replications} replications per plan at first, up to "
          f"{args.max_replications}\n")
    header = (f"{'search':<12} {'variables':>9} {'grid plans':>11} {'grid runs':>10} "
              f"{'plans':>6} {'runs':>6} {'runs/grid':>9}  recommended")
    print(header)
    print("-" * len(header))
    for per_shift in (False, True):
        started = time.perf_counter()
        result = plan_staffing(ROOT / "scenarios" / "baseline.yaml", POOLS, TARGETS,
                               overrides=overrides, per_shift=per_shift,
                               bounds={p: (1, args.high) for p in POOLS},
                               replications=args.replications,
                               max_replications=args.max_replications,
                               out=out / ("per_shift" if per_shift else "per_pool"),
                               executor=args.executor, workers=args.workers, figures=False)
        grid_runs = result.grid_plans * result.start_replications
        best = result.recommended.label if result.recommended else "none: " + result.diagnosis[0]
        print(f"{'--per-shift' if per_shift else 'per pool':<12} {len(result.variables):>9} "
              f"{result.grid_plans:>11,} {grid_runs:>10,} {len(result.plans):>6} {result.runs:>6} "
              f"{100 * result.share_of_grid:>8.2f}%  {best}  "
              f"[{time.perf_counter() - started:.0f} s here, {result.runs_now} runs now]")
    print(f"\nfolders: {out}")


if __name__ == "__main__":
    main()
