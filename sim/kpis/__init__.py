"""KPIs of one replication, from its orders and shipments tables and its staff pools.

Every KPI is defined in :mod:`sim.kpis.registry` (unit, direction, meaning; the naming
rule for per-site and per-channel KPIs). Counts and per-order KPIs use the orders
*placed* inside the measurement window ``[warmup_days, days)``; throughput, utilisation
and queues use the *activity* inside that window. Nothing after the end of the run
counts as having happened: an order still travelling is undelivered, and percentiles
that fall among unfinished orders are censored (:mod:`sim.kpis.orders`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.kpis.orders import order_kpis
from sim.kpis.parcels import (
    aftersales_kpis,
    cost_kpis,
    parcel_kpis,
    picking_kpis,
    quality_kpis,
    stock_kpis,
)
from sim.kpis.pools import labour_cost, pool_kpis
from sim.kpis.registry import KPIS, PERCENTILES, base_of, direction
from sim.kpis.views import col, order_services, order_view, parcel_view, window_h
from sim.scenario.schema import Scenario

__all__ = ["KPIS", "Kpis", "base_of", "direction", "replication_kpis", "window_h"]


@dataclass
class Kpis:
    """One replication's KPIs: ``values`` (NaN where undefined or censored),
    ``lower_bounds`` (for each censored KPI, a lower bound of its value) and the
    ``saturated`` pools (``site.role``)."""

    values: dict[str, float]
    lower_bounds: dict[str, float] = field(default_factory=dict)
    saturated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the model's, e.g. parcels fitting no box


def replication_kpis(result, scenario: Scenario) -> Kpis:
    """The KPIs of one replication (names and definitions: :mod:`sim.kpis.registry`)."""
    lo, hi = window_h(scenario)
    end_h = result.end_h
    orders, sh = result.orders, result.shipments
    v = order_view(orders, scenario, end_h, order_services(orders, sh, scenario))
    p = parcel_view(sh, v, scenario)
    sites, channels = scenario.sites, list(scenario.demand.channels)
    n_orders = len(orders)
    wrong_item_order = np.bincount(
        p.order[p.first & (sh["return_reason"] == "wrong_item").to_numpy()], minlength=n_orders) > 0
    labour = labour_cost(scenario, result.pools, lo, hi)
    shipped_in_window = (v.shipped_h >= lo) & (v.shipped_h < hi)
    all_shipped = int(shipped_in_window.sum())
    parcel_cost = (np.nan_to_num(col(sh, "packaging_cost").astype(float))
                   + np.nan_to_num(col(sh, "shipping_cost").astype(float)))
    remedy_cost = col(orders, "remedy_cost").astype(float)
    order_shipped = ~np.isnan(v.shipped_h)  # (every parcel handed to a carrier)

    values: dict[str, float] = {}
    lower: dict[str, float] = {}
    everyone = np.ones(n_orders, dtype=bool)
    groups = [("", everyone, np.ones(len(sh), dtype=bool), sum(labour.values()))]
    groups += [(f"_{name}", v.site == s, p.site == s, labour.get(name, 0.0)) for s, name in enumerate(sites)]
    total_labour = sum(labour.values())
    for c, name in enumerate(channels):
        share = int((shipped_in_window & (v.channel == c)).sum()) / all_shipped if all_shipped else 0.0
        groups.append((f"_{name}", v.channel == c, p.channel == c, total_labour * share))
    for suffix, om, pm, group_labour in groups:
        group_lower: dict[str, float] = {}
        k = order_kpis(v, om, lo, hi, end_h, group_lower)
        measured = p.measured & pm
        placed = om & v.placed
        k.update(picking_kpis(sh, measured))
        quality, by_reason = quality_kpis(orders, sh, placed, measured, wrong_item_order)
        k.update(quality)
        # (the parcels of the group's orders, wherever they shipped from: an order KPI;
        # of the orders shipped, numerator and denominator alike: an order still in the
        # warehouse at the end costs what it will, its parcels' boxes and carrier charges
        # not all paid yet)
        shipped_orders = placed & order_shipped
        of_orders = p.measured & shipped_orders[p.order]
        k.update(cost_kpis(group_labour, int((om & shipped_in_window).sum()), int(shipped_orders.sum()),
                           float(parcel_cost[of_orders].sum()), float(remedy_cost[shipped_orders].sum())))
        if not suffix:
            k.update(by_reason)
        values.update({name + suffix: float(x) for name, x in k.items()})
        lower.update({name + suffix: x for name, x in group_lower.items()})

    placed = v.placed
    shipped_orders = placed & order_shipped
    values.update(parcel_kpis(result, p.measured, shipped_orders, p.order, lo, hi))
    created = col(sh, "created_h")
    reships = int(((sh["kind"] == "reship").to_numpy() & (created >= lo) & (created < hi)).sum())
    values.update(aftersales_kpis(orders, sh, placed, reships, shipped_orders))
    if len(result.inventory):
        values.update(stock_kpis(orders, sh, placed))
        values.update(result.extra_kpis)
    # Paid (a reship: made) to released, for the parcels of orders placed in the window.
    ready_h = np.where(p.first, v.paid_h[p.order], created)
    ready_h = np.where(v.placed[p.order], ready_h, np.nan)
    pools, saturated = pool_kpis(result, p.site, ready_h, sites, lo, hi, end_h)
    values.update(pools)
    values["censored_percentiles"] = sum(
        1 for name in ("lead_time_hours", "warehouse_hours") for q in PERCENTILES
        if f"{name}_p{q}" in lower)
    values = {name: float(x) for name, x in values.items()}
    return Kpis(values, lower, saturated)
