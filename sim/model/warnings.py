"""Warnings for the user about a run's inputs and what its KPIs cannot show: SKUs that
fit no box, parcels packed by hand, returns still on their way back at the end."""

from __future__ import annotations

import pandas as pd

from sim.model import packaging
from sim.scenario.schema import Scenario


def unfit_warnings(scenario: Scenario, skus, shown: int = 3) -> list[str]:
    """SKUs whose single unit fits no box of a site's catalogue (their parcels become
    packing exceptions, ``no_box``): one line for the first few, then a count."""
    out = []
    for name in scenario.sites:
        cfg = scenario.warehouses[name].packing.packaging
        if cfg is None:
            continue
        unfit = packaging.unfit_skus(cfg, skus.volume_cm3, skus.weight_kg, skus.longest_cm, skus.fragile)
        out += [packaging.format_unfit_warning(cfg, f"SKU-{sku}", reason, name)
                for sku, reason in unfit[:shown]]
        if len(unfit) > shown:
            out.append(f"... and {len(unfit) - shown} more SKUs that fit no box at site {name!r}")
    return out


def no_box_warnings(scenario: Scenario, shipments: pd.DataFrame) -> list[str]:
    """Parcels too big as a whole for every box of their site (packed by hand)."""
    out = []
    no_box = shipments["no_box"].to_numpy()
    site = shipments["site"].to_numpy()
    for name in scenario.sites:
        mine = no_box & (site == name)
        if mine.any():
            cfg = scenario.warehouses[name].packing.packaging
            big = cfg.boxes[packaging.largest_box(cfg)]
            units = int(shipments["units"].to_numpy()[mine].max())
            out.append(f"{int(mine.sum())} parcel(s) at site {name!r} fit no box as a whole (largest "
                       f"box {big.name!r}: {big.length_cm:g} x {big.width_cm:g} x {big.height_cm:g} cm, "
                       f"max {big.max_weight_kg:g} kg; biggest such parcel {units} units); they are "
                       "packed by hand and flagged no_box")
    return out


def pickup_warnings(scenario: Scenario) -> list[str]:
    """Carriers of a site with pick-up times, none of them during the run (its
    ``pickup_days`` miss the horizon): the parcels given to them never ship, and waves
    aligned to their cut-offs are never released."""
    from sim.calendar import pickup_times
    from sim.units import HOURS_PER_DAY

    hz = scenario.horizon
    end_h = (hz.days + hz.drain_days) * HOURS_PER_DAY
    out = []
    for name, carrier in scenario.carriers.items():
        users = [site for site, wh in scenario.warehouses.items()
                 if name in (wh.shipping.carrier, *wh.shipping.services)]
        if not users or not carrier.pickup_times_h:
            continue
        if not len(pickup_times(carrier.pickup_times_h, carrier.pickup_days, hz.start_weekday, end_h)):
            out.append(f"carriers.{name}: no pick-up during the run (pickup_days "
                       f"{', '.join(carrier.pickup_days)}; the run's {hz.days + hz.drain_days:g} days start on "
                       f"a {hz.start_weekday}): the parcels it takes at site(s) {', '.join(users)} never "
                       "ship, and waves aligned to its cut-offs are never released")
    return out


def staffing_warnings(scenario: Scenario) -> list[str]:
    """Sites that receive demand but have nobody in a pool on any shift: their orders
    would wait for ever (the run flags the pool as saturated)."""
    import numpy as np

    from sim.model import routing
    from sim.shares import region_weights

    per_region = routing.site_per_region(scenario)
    out = []
    for s, name in enumerate(scenario.sites):
        share = sum(ch.orders_per_day * region_weights(ch)[per_region == s].sum()
                    for ch in scenario.demand.channels.values())
        if share <= 0:
            continue
        staff = scenario.warehouses[name].staff
        for pool in ("pickers", "packers"):
            if not any(np.asarray(list(staff.head_count(pool).values())) > 0):
                out.append(f"warehouses.{name}.staff.{pool}: nobody on any shift, but about "
                           f"{share:,.0f} orders a day are routed to site {name!r}: they would "
                           "never ship (the pool will be reported as saturated)")
    return out


def fallback_warnings(scenario: Scenario) -> list[str]:
    """A stock fallback that ships from another site, with no other site: it does
    nothing (an order its site cannot fill waits on backorder)."""
    inv = scenario.inventory
    if inv is None or inv.fallback == "backorder" or len(scenario.sites) > 1:
        return []
    return [f"inventory.fallback: {inv.fallback} ships from another site, but the scenario has one "
            f"({scenario.sites[0]!r}): an order it cannot fill waits on backorder, as with "
            "fallback: backorder"]


def scenario_warnings(scenario: Scenario) -> list[str]:
    """What the scenario alone tells about a run that will not stop it (``fsim validate``
    prints them; every run's summary holds them)."""
    return staffing_warnings(scenario) + pickup_warnings(scenario) + fallback_warnings(scenario)


SHARE_OF_RETURNS_TO_WARN = 0.01  # returns still on their way, against those back


def returns_in_transit_warnings(scenario: Scenario, table, placed_h, end_h: float) -> list[str]:
    """Parcels delivered by the end whose return was still on its way back when the run
    ended (orders placed in the window): the KPIs count them as not returned, so the
    return rate reads low and picking accuracy high. Said when they are at least
    ``SHARE_OF_RETURNS_TO_WARN`` of the returns back by then. ``table``: the parcels
    (:class:`~sim.model.shipments.Shipments`); ``placed_h``: per order."""

    from sim.model.returns import WRONG_ITEM
    from sim.units import HOURS_PER_DAY

    ids = table.created()
    placed = placed_h[table.order[ids]]
    hz = scenario.horizon
    window = (placed >= hz.warmup_days * HOURS_PER_DAY) & (placed < hz.days * HOURS_PER_DAY)
    on_the_way = window & (table.delivered_h[ids] <= end_h) & (table.returned_h[ids] > end_h)
    back = window & (table.returned_h[ids] <= end_h)
    n = int(on_the_way.sum())
    if not n or n < SHARE_OF_RETURNS_TO_WARN * int(back.sum()):
        return []  # (a few of many: the KPIs move by less than 1% of their value)
    wrong = int((on_the_way & (table.return_reason[ids] == WRONG_ITEM)).sum())
    return [f"{n} returned parcel(s) of orders placed after warm-up were still on their way back "
            f"when the run ended ({wrong} for a wrong item): return_rate_pct counts them as not "
            "returned and picking_accuracy_pct as picked right; a longer horizon.drain_days lets "
            "them arrive"]
