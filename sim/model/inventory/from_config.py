"""A site's :class:`~sim.model.inventory.stock.Stock` from the scenario's inventory
configuration and the site's expected demand."""

from __future__ import annotations

import numpy as np
import simpy

from sim.inventory_formulas import automatic_reorder_points
from sim.model.inventory.stock import Stock
from sim.scenario.inventory import InventoryConfig


def stock_from_config(env: simpy.Environment, rng: np.random.Generator, cfg: InventoryConfig,
                      mean_daily, sd_daily, name: str = "") -> Stock:
    """Start stock from ``initial_units`` or ``initial_days_of_cover`` × ``mean_daily``
    (rounded up), and reorder points given or ``auto``
    (:func:`~sim.inventory_formulas.automatic_reorder_points`). ``mean_daily``/``sd_daily``:
    this site's daily demand per SKU (units), e.g. from
    :func:`~sim.inventory_formulas.expected_daily_units`."""
    mean_daily = np.asarray(mean_daily, dtype=float)
    n = len(mean_daily)
    if cfg.initial_units is not None:
        start = np.full(n, cfg.initial_units, dtype=np.int64)
    else:
        start = np.ceil(cfg.initial_days_of_cover * mean_daily - 1e-9).astype(np.int64)
    rep = cfg.replenishment
    if rep.reorder_point == "auto":
        # (An order_up_to below these is caught at load: order_up_to_problems.)
        s = automatic_reorder_points(mean_daily, sd_daily, rep)
    else:
        s = rep.reorder_point
    q = rep.order_quantity
    if rep.policy == "RQ" and rep.order_quantity_days is not None:
        q = np.maximum(1, np.ceil(rep.order_quantity_days * mean_daily - 1e-9)).astype(np.int64)
    big_s = rep.order_up_to
    if rep.policy == "sS" and rep.order_up_to_days is not None:
        big_s = np.asarray(s) + np.maximum(1, np.ceil(rep.order_up_to_days * mean_daily - 1e-9)).astype(np.int64)
    return Stock(env, rng, start, policy=rep.policy, reorder_point=s,
                 order_up_to=big_s, order_quantity=q,
                 lead_time_days=rep.supplier_lead_time_days, name=name)
