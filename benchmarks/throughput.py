"""Throughput and memory of the full model against a bare SimPy tandem line.

    python benchmarks/throughput.py                 # baseline and batch picking, 3 repeats
    python benchmarks/throughput.py --scenario scenarios/peak.yaml --memory-orders 0

Reports orders simulated per second for (a) the full model on the baseline scenario
(one replication: demand, payment, routing, picking, packing, labels, pick-ups, delivery,
returns, and the per-order table) and (b), in the same run, a bare SimPy tandem line with
the same number of orders and stages: Poisson arrivals -> pick Resource -> pack Resource
-> transit delay, one process per order, nothing recorded. The figure that matters is
the ratio (a)/(b); absolute numbers depend on the machine. Then the peak memory (max
RSS of a fresh process) of one replication with about ``--memory-orders`` orders, its
KPIs, and writing every output file and figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.model.world import run_replication  # noqa: E402


def bare_tandem_line(n_orders: int, rate_per_h: float, pick_h: float, pack_h: float,
                     pickers: int, packers: int, seed: int = 1) -> float:
    """Seconds to simulate ``n_orders`` through arrivals -> pick -> pack -> delay."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / rate_per_h, n_orders).tolist()
    picks = rng.exponential(pick_h, n_orders).tolist()
    packs = rng.exponential(pack_h, n_orders).tolist()
    transit = rng.uniform(24, 120, n_orders).tolist()
    env = simpy.Environment()
    pick_res = simpy.Resource(env, pickers)
    pack_res = simpy.Resource(env, packers)

    def order(i):
        with pick_res.request() as req:
            yield req
            yield env.timeout(picks[i])
        with pack_res.request() as req:
            yield req
            yield env.timeout(packs[i])
        yield env.timeout(transit[i])

    def source():
        for i in range(n_orders):
            yield env.timeout(gaps[i])
            env.process(order(i))

    env.process(source())
    start = time.perf_counter()
    env.run()
    return time.perf_counter() - start


def full_model(scenario) -> tuple[int, float]:
    start = time.perf_counter()
    result = run_replication(scenario, 0)
    return len(result.orders), time.perf_counter() - start


MEMORY_SNIPPET = """
import resource, sys, tempfile, sim
from sim.experiment import run
from sim.outputs import write_results
days = float(sys.argv[1])
s = sim.load_scenario(sys.argv[2], overrides={"horizon.days": days, "horizon.drain_days": 14})
r = run(s, replications=1)
with tempfile.TemporaryDirectory() as out:
    write_results(r, out)   # everything fsim run writes, figures included
print(len(r.orders), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory(target_orders: int, scenario_path: Path, orders_per_day: float) -> tuple[int, float]:
    """(orders, peak RSS in MiB) of a fresh process running one replication."""
    days = max(8.0, target_orders / orders_per_day)
    out = subprocess.run([sys.executable, "-c", MEMORY_SNIPPET, str(days), str(scenario_path)],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", default=None,
                        help="scenario to measure (repeatable; default: baseline and picking/batch)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-orders", type=int, default=1_000_000,
                        help="orders for the memory check (0 to skip)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()

    paths = args.scenario or [str(ROOT / "scenarios" / "baseline.yaml"),
                              str(ROOT / "scenarios" / "picking" / "batch.yaml")]
    reports = [measure(Path(p), args.repeats) for p in paths]
    if args.memory_orders:
        per_day = reports[0]["orders_per_day"]
        mem_orders, mib = peak_memory(args.memory_orders, Path(paths[0]), per_day)
        reports[0].update({"memory_orders": mem_orders, "peak_rss_mib": round(mib, 1)})
    if args.json:
        print(json.dumps(reports))
        return
    for r in reports:
        print(f"{r['scenario']}: {r['orders']:,} orders per replication")
        print(f"  full model                  {r['full_model_orders_per_s']:>10,.0f} orders/s")
        print(f"  bare SimPy tandem line      {r['bare_tandem_orders_per_s']:>10,.0f} orders/s")
        print(f"  ratio full / bare           {r['ratio_full_over_bare']:>10.2f}   (target >= 0.33)")
        if "peak_rss_mib" in r:
            print(f"  peak RSS, {r['memory_orders']:,} orders {r['peak_rss_mib']:>8,.0f} MiB  (target < 1024)")
    if len(reports) > 1:
        base = reports[0]["ratio_full_over_bare"]
        for r in reports[1:]:
            change = r["ratio_full_over_bare"] / base - 1
            print(f"{r['scenario']} vs {reports[0]['scenario']}: ratio {change:+.0%} (limit -20%)")


def measure(path: Path, repeats: int) -> dict:
    """Orders per second of the full model and of a bare tandem line of the same size,
    measured alternately ``repeats`` times (medians reported)."""
    scenario = sim.load_scenario(path)
    sites = list(scenario.warehouses.values())
    # The bare line gets the scenario's mean service times and its staff on one line.
    mean_lines = 1.45
    pick_h = np.mean([(w.picking.setup_time_s.mean + w.picking.travel_time_s.mean
                       + mean_lines * w.picking.time_per_line_s.mean) / 3600 for w in sites])
    pack_h = np.mean([(w.packing.time_per_order_s.mean + 3 * w.packing.time_per_unit_s.mean
                       + w.shipping.label_time_s.mean) / 3600 for w in sites])
    pickers = sum(max(w.staff.head_count("pickers").values()) for w in sites)
    packers = sum(max(w.staff.head_count("packers").values()) for w in sites)
    per_day = sum(c.orders_per_day for c in scenario.demand.channels.values())
    model_rates, bare_rates, ratios = [], [], []
    n_orders = 0
    for _ in range(repeats):
        n_orders, model_s = full_model(scenario)
        bare_s = bare_tandem_line(n_orders, per_day / 24, pick_h, pack_h, pickers, packers)
        model_rates.append(n_orders / model_s)
        bare_rates.append(n_orders / bare_s)
        ratios.append(bare_s / model_s)
    return {
        "scenario": scenario.name,
        "orders": n_orders,
        "orders_per_day": per_day,
        "full_model_orders_per_s": float(np.median(model_rates)),
        "bare_tandem_orders_per_s": float(np.median(bare_rates)),
        "ratio_full_over_bare": float(np.median(ratios)),
    }


if __name__ == "__main__":
    main()
