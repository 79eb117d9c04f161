"""What stock keeping costs: one replication with stock against the same without.

    python benchmarks/stock.py              # 3 alternating repeats, medians
    python benchmarks/stock.py --repeats 5

Times one replication (the SimPy run and its per-order table; no KPIs or files) of
``scenarios/baseline.yaml`` (stock never runs out), ``scenarios/stock.yaml`` (the same
with finite stock, (R, Q) replenishment, other-coast fallback, backorders cancelled
after 10 days) and ``scenarios/stock_split.yaml`` (orders split across coasts and
shipped in parts), alternating so that each repeat sees the same machine load. The
figures that matter are the ratios of CPU time to the baseline measured in the same run; absolute
seconds depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.model.world import World, run_replication  # noqa: E402

SCENARIOS = ("baseline", "stock", "stock_split")


def draws_in_run(scenario) -> tuple[int, int]:
    """(draws of parcels, draws of their shipping facts) during one replication's run
    and collection, after the bulk draws: each costs about half a millisecond of
    fixed numpy overhead, so their count is the machine-independent figure behind
    much of a stock run's time (parcels made during the run are drawn together when
    first needed, their shipping facts at each pick-up: ``sim/model/factory.py``)."""
    world = World(scenario, 0, scenario.seed)
    maker, counts = world.draws.maker, [0, 0]
    draw, draw_shipping = maker.draw, maker.draw_shipping

    def counting_draw(table, ids, shipping=True):
        counts[0] += len(ids) > 0  # (a call with no parcel returns at once)
        draw(table, ids, shipping=False)
        if shipping:
            counting_shipping(table, ids)

    def counting_shipping(table, ids):
        counts[1] += len(ids) > 0
        draw_shipping(table, ids)

    maker.draw, maker.draw_shipping = counting_draw, counting_shipping
    world.run()
    world.collect()
    return counts[0], counts[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    scenarios = {name: sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS}
    seconds: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    rows: dict[str, tuple[int, int]] = {}
    for _ in range(args.repeats):
        for name, scenario in scenarios.items():
            t = time.process_time()  # CPU time: other load on the machine counts less
            result = run_replication(scenario, 0)
            seconds[name].append(time.process_time() - t)
            rows[name] = (len(result.orders), len(result.shipments))
    base = statistics.median(seconds["baseline"])
    print(f"{'scenario':<12} {'orders':>8} {'parcels':>8} {'CPU s':>8} {'ratio to baseline':>18} "
          f"{'draws in run':>13} {'fate draws':>11}")
    for name in SCENARIOS:
        med = statistics.median(seconds[name])
        orders, parcels = rows[name]
        draws, fates = draws_in_run(scenarios[name])
        print(f"{name:<12} {orders:>8,} {parcels:>8,} {med:>8.2f} {med / base:>18.2f} {draws:>13,} {fates:>11,}")


if __name__ == "__main__":
    main()
