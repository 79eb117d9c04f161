"""Warnings for the user about a run's inputs and what its KPIs cannot show: SKUs that
fit no box, parcels packed by hand, returns still on their way back at the end."""

from __future__ import annotations

from dataclasses import dataclass

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


def idle_site_warnings(scenario: Scenario) -> list[str]:
    """Sites no order is routed to (nobody's nearest, and named by no
    ``routing.region_to_site``): their KPIs stay empty, and a planner who added one
    should know it serves nobody."""
    from sim.shares import region_weights, site_per_region

    per_region = site_per_region(scenario)
    if len(scenario.sites) < 2 or not any(c.orders_per_day > 0 for c in scenario.demand.channels.values()):
        return []
    inv = scenario.inventory
    others = inv is not None and inv.fallback != "backorder"
    out = []
    for s, name in enumerate(scenario.sites):
        if any(c.orders_per_day > 0 and region_weights(c)[per_region == s].sum() > 0
               for c in scenario.demand.channels.values()):
            continue
        why = ("it is no region's nearest site; a tie goes to the site listed first"
               if scenario.routing.policy == "nearest" or not scenario.routing.region_to_site
               else "routing.region_to_site sends it no region with demand, and it is no other "
                    "region's nearest site")
        out.append(f"warehouses.{name}: no order is routed to site {name!r} ({why}): it "
                   + ("ships only what other sites cannot fill from stock (inventory.fallback: "
                      f"{inv.fallback})" if others else "receives no orders and its KPIs stay empty"))
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
    return (staffing_warnings(scenario) + idle_site_warnings(scenario) + pickup_warnings(scenario)
            + fallback_warnings(scenario))


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


SAMPLE_DAYS = 7  # a week of demand, each weekday once
SAMPLE_ORDERS = 50_000  # at most about this many orders drawn (fewer days at high volume)


@dataclass(frozen=True)
class PoolWork:
    """A pool's work at its site's demand, against the hours its people are on duty
    (both per day, the on-duty hours over the measurement window)."""

    site: str
    pool: str
    work_h_per_day: float  # counted low: see pool_work
    on_duty_h_per_day: float
    orders_per_day: float
    what: str  # what the work counts
    sample_days: float = SAMPLE_DAYS  # the stretch of demand drawn to count it

    @property
    def minutes_per_order(self) -> float:
        return 60 * self.work_h_per_day / self.orders_per_day


def pool_work(scenario: Scenario, seed: int | None = None) -> list[PoolWork]:
    """Each pool's work at its site's demand, counted low, drawn as the run draws it
    for a sample of the demand (so with the sample's noise: within 3% of the run's busy
    hours on the baseline) (a week, or a day or more at high volume; ``seed``: the
    scenario's): for pickers each parcel's tour with single-order picking, and with
    batches or zones only the time at the shelves (picking, scanning and re-picking
    each line, no set-up or walking); for packers packing and, with single labels,
    labelling; reships and anything made in the run left out. Sites that may send
    orders to another site (stock with a fallback other than backorder) are left out:
    their work depends on the stock."""
    import numpy as np

    from sim.model.draws import draw_replication
    from sim.model.picking.work import PickWork
    from sim.model.world import zone_head_count
    from sim.rng import Streams
    from sim.staffing.cost import on_duty_hours_per_head, window_days

    inv = scenario.inventory
    if inv is not None and inv.fallback != "backorder" and len(scenario.sites) > 1:
        return []
    per_day = sum(c.orders_per_day for c in scenario.demand.channels.values())
    hz = scenario.horizon
    days = min(hz.days, max(1.0, min(SAMPLE_DAYS, SAMPLE_ORDERS / max(per_day, 1e-9))))
    sample = scenario.model_copy(update={"horizon": hz.model_copy(
        update={"days": days, "warmup_days": 0.0, "drain_days": 0.0})})
    streams = Streams(scenario.seed if seed is None else seed, 0)
    draws = draw_replication(sample, streams)
    table, book = draws.table, draws.book
    paid = np.flatnonzero(~np.isnan(book.paid_h))
    site = table.site[paid]
    window = window_days(scenario)
    out = []
    for s, name in enumerate(scenario.sites):
        mine = paid[site == s]
        if not len(mine):
            continue
        wh = scenario.warehouses[name]
        method = wh.picking.wave.within if wh.picking.method == "wave" else wh.picking.method
        alone = method == "single"
        if alone:  # each parcel on a tour of its own: its whole tour
            PickWork(wh.picking, table, streams).single_tours(mine)
        labels = wh.shipping.labels == "single"
        work = {
            "pickers": (table.tour_h if alone else table.pick_lines_h)[mine].astype(np.float64).sum(),
            "packers": (table.pack_h[mine].astype(np.float64).sum()
                        + (table.label_h[mine].astype(np.float64).sum() if labels else 0.0))}
        what = {"pickers": "picking" if alone else "picking the lines alone (no set-up or walking)",
                "packers": "packing and labelling" if labels else "packing"}
        for pool, hours in work.items():
            # (with zones, the pickers of every zone: as the run staffs them)
            counts = ([zone_head_count(wh, z) for z in range(wh.picking.zone.zones)]
                      if pool == "pickers" and method == "zone" else [wh.staff.head_count(pool)])
            on_duty = sum(count * on_duty_hours_per_head(scenario, name, None if shift == "always" else shift)
                          for per_shift in counts for shift, count in per_shift.items()) / window
            out.append(PoolWork(name, pool, float(hours) / days, on_duty, len(mine) / days, what[pool], days))
    return out


def capacity_warnings(scenario: Scenario, seed: int | None = None) -> list[str]:
    """Pools that cannot keep up with their site's demand: the work their site's
    parcels need, counted low (:func:`pool_work`), is more hours a day than their
    people are on duty. So a pool said to fall short does, whatever the picking method;
    one not said to may still (the run reports it saturated)."""
    out = []
    for w in pool_work(scenario, seed):
        if w.on_duty_h_per_day <= 0 or w.work_h_per_day < w.on_duty_h_per_day:
            continue  # (nobody at all: staffing_warnings says so)
        out.append(f"warehouses.{w.site}.staff.{w.pool}: {w.what} takes about {w.work_h_per_day:,.0f} "
                   f"hours a day at this demand ({w.orders_per_day:,.0f} paid orders a day at site {w.site!r} in a "
                   f"sampled {w.sample_days:.3g} days of its demand, "
                   f"{w.minutes_per_order:.3g} min each), but its {w.pool} are on duty "
                   f"{w.on_duty_h_per_day:,.0f} hours a day (at least "
                   f"{100 * w.work_h_per_day / w.on_duty_h_per_day:.0f}% busy): they cannot keep up, and the "
                   "pool will be reported as saturated")
    return out
