"""Throughput of picker-route distance computations.

Usage: ``python benchmarks/routes.py [--orders N] [--lines K]``

Computes route distances for N random K-line orders (default 10-line orders)
on a 20-aisle layout with random storage, per routing policy, and the same
count of a trivial baseline (``np.sum`` of the orders' y values, one call per
order) measured in the same run. Prints routes per second, microseconds per
route and the time ratio to the baseline.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from sim.model.picking.layout import Layout, assign_storage  # noqa: E402
from sim.model.picking.routes import POLICIES, route_distance  # noqa: E402


def _time(fn, orders, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for a, y in orders:
            fn(a, y)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    layout = Layout(
        n_aisles=20,
        aisle_length_m=25.0,
        aisle_spacing_m=3.0,
        locations_per_side=25,
        walk_speed_m_s=1.0,
        cross_aisle_width_m=2.0,
        depot="front_left",
    )
    rng = np.random.default_rng(args.seed)
    sku_aisle, sku_y = assign_storage(layout, layout.capacity, None, "random", rng)
    picks = rng.integers(0, layout.capacity, size=(args.orders, args.lines))
    orders = [(sku_aisle[p], sku_y[p]) for p in picks]

    base = _time(lambda a, y: np.sum(y), orders)
    print(
        f"{args.orders} orders x {args.lines} lines, {layout.n_aisles} aisles; "
        f"baseline np.sum(y): {args.orders / base:,.0f}/s ({base / args.orders * 1e6:.2f} us)"
    )
    print(f"{'policy':<12} {'routes/s':>12} {'us/route':>9} {'x baseline':>11}")
    for policy in POLICIES:
        t = _time(lambda a, y, p=policy: route_distance(layout, a, y, p), orders)
        print(
            f"{policy:<12} {args.orders / t:>12,.0f} {t / args.orders * 1e6:>9.2f} "
            f"{t / base:>11.1f}"
        )


if __name__ == "__main__":
    main()
