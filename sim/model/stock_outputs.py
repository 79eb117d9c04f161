"""What the stock of every site reports after the run: the inventory statement, units on
hand over time, and stock-out days per ABC class inside the measurement window."""

from __future__ import annotations

import numpy as np
import pandas as pd
import simpy

from sim.model.catalogue import abc_labels
from sim.model.clock import LATER, call_at
from sim.scenario.schema import Scenario
from sim.units import HOURS_PER_DAY


def mark_stockouts(env: simpy.Environment, stocks: list, window_h: list[float]) -> dict:
    """Snapshot every site's cumulative stock-out hours at the window's start and end
    (events at those times)."""
    marks: dict = {}
    for t in window_h:
        call_at(env, t, LATER, lambda _e, t=t: marks.__setitem__(t, [st.stockout_hours() for st in stocks]))
    return marks


def inventory_outputs(result, scenario: Scenario, stocks: list, skus, marks: dict) -> None:
    """Statement, stock levels and stock-out days per ABC class into ``result``."""
    rows, levels = [], []
    lo, hi = (h * HOURS_PER_DAY for h in (scenario.horizon.warmup_days, scenario.horizon.days))
    classes = abc_labels(scenario.catalogue)
    n_class = np.bincount(skus.abc, minlength=len(classes))
    # Stock-out hours inside the window (a mark the run did not reach is "now").
    at_end = marks.get(hi) or [st.stockout_hours() for st in stocks]
    at_start = marks.get(lo) or [np.zeros(len(skus.abc))] * len(stocks)
    for s, (name, stock) in enumerate(zip(scenario.sites, stocks, strict=True)):
        rows.append({"replication": result.replication, "site": name, **stock.statement(skus.unit_cost)})
        t, units = stock.level_series()
        levels.append(pd.DataFrame({"replication": result.replication, "site": name,
                                    "t_h": t, "units_on_hand": units}))
        out_h = at_end[s] - at_start[s]
        days = np.bincount(skus.abc, weights=out_h / HOURS_PER_DAY, minlength=len(classes))
        for c, label in enumerate(classes):
            key = f"stockout_days_per_sku_{label}"
            result.extra_kpis[key] = (result.extra_kpis.get(key, 0.0)
                                      + days[c] / max(n_class[c], 1) / len(stocks))
    result.inventory = pd.DataFrame(rows)
    result.stock_levels = pd.concat(levels, ignore_index=True)
    result.supplier_orders = supplier_orders_frame(scenario.sites, stocks, result.replication, result.end_h)


def supplier_orders_frame(sites: list[str], stocks: list, replication: int, end_h: float) -> pd.DataFrame:
    """One row per supplier order (replenishment) of every site, in order of placing:
    ``site``, ``sku``, ``units``, ``placed_h`` and ``received_h`` (the units arrived;
    NaN if due after the end of the run: nothing after the end)."""
    rows = [(s, *order) for s, stock in enumerate(stocks) for order in stock.supplier_orders]
    placed, sku, units, due = (np.array([r[i] for r in rows]) for i in range(1, 5))
    site = np.array([r[0] for r in rows], dtype=np.int64)
    return pd.DataFrame({
        "replication": np.full(len(rows), replication, dtype=np.int32),
        "site": pd.Categorical.from_codes(site, sites),
        "sku": sku.astype(np.int32),
        "units": units.astype(np.int64),
        "placed_h": placed.astype(float),
        "received_h": np.where(due.astype(float) <= end_h, due.astype(float), np.nan),
    })
