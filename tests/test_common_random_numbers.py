"""Common random numbers survive toggles: every random quantity has its own keyed
stream (sim.rng), so with the same seed a change at one place leaves every unrelated
draw identical. And a parcel's draws depend only on what it is: the same whether it is
made in bulk before the run or on its own during it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model import world as world_module
from sim.model.shipments import _DRAWN, ORIGINAL
from sim.model.world import World, run_replication
from sim.scenario import validate_data

from .conftest import tiny_data

LAYOUT = {"aisles": 10, "aisle_length_m": 20, "aisle_spacing_m": 3, "locations_per_side": 60,
          "routing": "s_shape", "storage": "random"}
ORDER_DRAWS = ["placed_h", "channel", "region", "lines", "units", "order_value", "payment_attempts",
               "paid_h", "due_h"]
PARCEL_DRAWS = ["site", "service", "lines", "units", "box", "weight_kg", "billable_kg", "fragile_units",
                "packaging_cost", "shipping_cost", "pick_errors_made", "transit_business_days"]


def base(**over) -> dict:
    d = tiny_data({"demand.channels.web.orders_per_day": 300, "carriers.ground.late_prob": 0.2,
                   "warehouses.west.picking.error_prob_per_line": 0.05, **over})
    for site in ("west", "east"):
        p = d["warehouses"][site]["picking"]
        p.pop("travel_time_s", None)
        p.update({"layout": dict(LAYOUT), "time_per_line_s": 10})
    return d


def run(d: dict, seed: int = 11):
    return run_replication(validate_data(d), 0, seed)


def originals(result) -> pd.DataFrame:
    sh = result.shipments
    return sh[sh["kind"] == "original"].set_index("order_id")


def assert_same_orders(a, b) -> None:
    pd.testing.assert_frame_equal(a.orders[ORDER_DRAWS], b.orders[ORDER_DRAWS], check_exact=True)


def _west_changes() -> dict[str, dict]:
    changes = {}
    d = base()
    d["warehouses"]["west"]["picking"]["verification"] = {"at_pick": True, "at_pack": True}
    changes["scan at west"] = d
    changes["west head count"] = base(**{"warehouses.west.staff.pickers": 5,
                                         "warehouses.west.staff.packers": 3})
    d = base()
    d["warehouses"]["west"]["picking"].update({"method": "batch", "batch": {"max_orders": 4}})
    changes["west picking method"] = d
    return changes


@pytest.fixture(scope="module")
def reference():
    return run(base())


@pytest.mark.parametrize("change", list(_west_changes()))
def test_a_change_at_one_site_leaves_every_draw_of_the_orders_alone(change, reference):
    other = run(_west_changes()[change])
    assert_same_orders(reference, other)
    a, b = originals(reference), originals(other)
    assert a.index.equals(b.index)
    # Every parcel keeps its draws: contents, box, pick errors made, transit.
    pd.testing.assert_frame_equal(a[PARCEL_DRAWS], b[PARCEL_DRAWS], check_exact=True)
    # The east shares nothing with the west: every one of its parcels is identical, to
    # the second, reships included.
    east_a = reference.shipments[reference.shipments["site"] == "east"].reset_index(drop=True)
    east_b = other.shipments[other.shipments["site"] == "east"].reset_index(drop=True)
    # (ids count over both sites: they interleave differently)
    cols = [c for c in east_a.columns if c not in ("shipment_id", "parent_shipment", "tour_id")]
    pd.testing.assert_frame_equal(east_a[cols], east_b[cols], check_exact=True)
    # ...while the west did change (the toggle had an effect).
    west = a["site"] == "west"
    assert not np.array_equal(a.loc[west, "picked_h"].to_numpy(), b.loc[west, "picked_h"].to_numpy(),
                              equal_nan=True)


def stocked(fallback: str) -> dict:
    d = base(**{"catalogue.skus": 40})
    d["inventory"] = {"initial_days_of_cover": 2, "fallback": fallback, "backorder": "wait",
                      "replenishment": {"policy": "RQ", "reorder_point": "auto", "order_quantity_days": 2,
                                        "service_z": 0, "supplier_lead_time_days": 2}}
    return d


def test_a_longer_horizon_keeps_the_orders_of_the_days_both_runs_have():
    """A run's first days are the same whatever its length (a sweep over the horizon, or
    a short try of a long run, sees the same first orders): 0.5.9 drew each order's
    place within its hour after every hour's count, from one stream, so a longer run
    moved almost every order (422 of 27,889 kept their time over 14 days)."""
    short, long = run(base(**{"horizon.days": 4, "horizon.drain_days": 0})), run(
        base(**{"horizon.days": 6, "horizon.drain_days": 0}))
    n = len(short.orders)
    assert len(long.orders) > 1.3 * n
    first = long.orders.iloc[:n]
    assert first["placed_h"].max() < 4 * 24 <= long.orders["placed_h"].iloc[n]
    columns = ["placed_h", "channel", "region", "lines", "units", "order_value", "payment_attempts"]
    pd.testing.assert_frame_equal(short.orders[columns], first[columns], check_exact=True)


def test_switching_the_stock_fallback_leaves_unaffected_orders_alone():
    a, b = run(stocked("backorder")), run(stocked("split"))
    assert_same_orders(a, b)
    # Orders filled at once from their nearest site in both runs: same parcel draws.
    first_a, first_b = originals(a), originals(b)
    whole = first_a.index.intersection(first_b.index)
    whole = whole[(first_a.loc[whole, "units"].to_numpy() == b.orders.set_index("order_id").loc[whole, "units"].to_numpy())
                  & (first_b.loc[whole, "units"].to_numpy() == first_a.loc[whole, "units"].to_numpy())]
    assert len(whole) > 100
    pd.testing.assert_frame_equal(first_a.loc[whole, PARCEL_DRAWS], first_b.loc[whole, PARCEL_DRAWS], check_exact=True)
    assert (b.shipments["kind"] == "split").any()


def test_a_parcel_made_during_the_run_gets_the_draws_it_gets_in_bulk():
    """Make, on its own, a parcel that was also drawn in bulk (an order's whole parcel
    from its nearest site): every drawn column is bit-identical."""
    scenario = validate_data(base(**{"catalogue.skus": 40}))
    w = World(scenario, 0, 11)
    t, book = w.draws.table, w.draws.book
    orders = np.flatnonzero(~np.isnan(book.paid_h))[:50]
    lines = book.orders
    for o in orders.tolist():
        units = lines.line_units[lines.line_start[o]:lines.line_start[o + 1]]
        s = w.factory.make(o, ORIGINAL, int(book.site[o]), units)
        w.factory.draw_made()  # (drawn when first needed, with the others made since,
        w.factory.draw_shipping_made()  # and what the carrier needs when it ships)
        for col in _DRAWN:
            if col in ("tour_h", "tour_m"):
                continue
            a, b = getattr(t, col)[o], getattr(t, col)[s]
            assert a == b or (np.isnan(a) and np.isnan(b)), (o, col, a, b)
        ra, rb = t.line_rows(np.array([o])), t.line_rows(np.array([s]))
        for col in ("line_sku", "line_units", "line_aisle", "line_y", "line_time_h"):
            assert (getattr(t, col)[ra[0]] == getattr(t, col)[rb[0]]).all(), col


def test_a_parcels_sums_do_not_depend_on_the_other_parcels_of_its_batch():
    """Per-parcel sums (its lines' pick times, its units' pack times, its value) come
    from its own values only: the same to the last bit alone, in bulk, or after other
    parcels (differences of one running total would carry their rounding)."""
    from sim.model.picking.work import sum_by_parcel

    rng = np.random.default_rng(4)
    counts = rng.integers(0, 12, 3000)
    values = rng.lognormal(3, 1.5, int(counts.sum()))
    bulk = sum_by_parcel(values, counts)
    starts = np.cumsum(counts) - counts
    alone = [sum_by_parcel(values[a:a + c], np.array([c]))[0] for a, c in zip(starts, counts, strict=True)]
    np.testing.assert_array_equal(bulk, alone)
    assert (bulk[counts == 0] == 0).all()
    half = len(counts) // 2  # the second half on its own, as in a batch of its own
    np.testing.assert_array_equal(sum_by_parcel(values[starts[half]:], counts[half:]), bulk[half:])


def test_a_table_that_has_to_grow_gives_the_same_run(monkeypatch):
    """Start the parcel table with no room to spare: it grows during the run, and no
    component may keep a stale column (the rule in sim.model.shipments)."""
    d = stocked("split")
    d["inventory"]["backorder"] = "ship_available"
    d["remedies"] = {"lost": "reship", "damaged": "reship", "wrong_item": "reship"}
    d["carriers"]["ground"]["lost_prob"] = 0.05
    roomy = run(d)
    monkeypatch.setattr("sim.model.draws.shipment_capacity", lambda scenario, n: 1)
    cramped = run(d)
    assert len(cramped.shipments) > len(cramped.orders) + 10  # it had to grow
    pd.testing.assert_frame_equal(roomy.orders, cramped.orders, check_exact=True)
    pd.testing.assert_frame_equal(roomy.shipments, cramped.shipments, check_exact=True)
    assert world_module is not None


def _reference_pair(d: dict, seed: int = 5):
    scenario = validate_data(d)
    fast, slow = World(scenario, 0, seed), World(scenario, 0, seed, lazy_release=False)
    assert fast.arrivals and not slow.arrivals  # the two paths really differ
    taken = {id(fast): 0, id(slow): 0}  # work handed straight to a free worker, per world
    for w in (fast, slow):
        for crew in w.crews:
            offer = getattr(crew.queue, "_direct", None)  # (a batch queue has none)
            if offer is not None:
                crew.queue._direct = lambda item, now, offer=offer, w=w: (  # noqa: SLF001
                    taken.__setitem__(id(w), taken[id(w)] + 1) or offer(item, now))
        w.run()
    assert taken[id(fast)] > 0 and taken[id(slow)] == 0  # (and the hand-over really differs)
    return fast.collect(), slow.collect()


@pytest.mark.parametrize("method", ["single", "batch", "batch_totes_proximity", "batch_no_wait",
                                    "zone", "zone_pass", "wave_single", "wave_batch", "wave_zone",
                                    "ties", "batch_ties", "zone_ties"])
def test_orders_taken_in_without_an_event_give_the_reference_run_bit_for_bit(method):
    """The optimised path (orders released while every picker is busy are taken in when
    a picker looks) against the straightforward one (an event per order), on small
    scenarios, including one with constant times where events coincide."""
    d = base(**{"horizon.days": 3, "warehouses.east.staff.pickers": 2,
                "carriers.ground.lost_prob": 0.1, "carriers.ground.damaged_prob": 0.05,
                "carriers.ground.delivery_hour": 3})
    # Reships are put in during the run (at 03:00, while the west's pickers are off and
    # orders released since they left wait to be taken in without an event).
    d["remedies"] = {"lost": "reship", "damaged": "reship", "wrong_item": "reship"}
    p = d["warehouses"]["west"]["picking"]
    if method.startswith("wave"):
        within = method.split("_")[1]
        p.update({"method": "wave", "wave": {"every_min": 60, "within": within}})
        if within == "batch":
            p["batch"] = {"max_orders": 4}
        if within == "zone":
            p["zone"] = {"zones": 2}
    if method.startswith("batch"):
        p.update({"method": "batch", "batch": {"max_orders": 4, "max_wait_min": 15}})
        if method == "batch_totes_proximity":
            p["batch"] = {"capacity": "totes", "max_totes": 6, "units_per_tote": 3, "rule": "proximity"}
        if method == "batch_no_wait":
            p["batch"]["max_wait_min"] = 0
    if method.startswith("zone"):
        p.update({"method": "zone", "zone": {"zones": 2, "mode": "pick_and_pass" if method == "zone_pass"
                                             else "parallel"}})
        # No drain: parcels released late are still waiting, untouched, at the end.
        d["horizon"]["drain_days"] = 0
    if method.endswith("ties"):  # constant times on a grid: many simultaneous events
        for site in ("west", "east"):
            d["warehouses"][site]["picking"].update({"setup_time_s": 0, "time_per_line_s": 360,
                                                     "layout": None, "travel_time_s": 0})
            if method == "zone_ties":  # (zones need a layout: walking at 1 m a minute)
                d["warehouses"][site]["picking"]["layout"] = dict(LAYOUT, walk_speed_m_s=1 / 60)
                del d["warehouses"][site]["picking"]["travel_time_s"]
            d["warehouses"][site]["packing"] = {"time_per_order_s": 0, "time_per_unit_s": 0}
            d["warehouses"][site]["shipping"]["label_time_s"] = 0
        d["payment"] = {"auth_time_s": 0}
        d["demand"]["channels"]["web"]["lines_per_order"] = 1
    fast, slow = _reference_pair(d)
    pd.testing.assert_frame_equal(fast.orders, slow.orders, check_exact=True)
    pd.testing.assert_frame_equal(fast.shipments, slow.shipments, check_exact=True)
    pd.testing.assert_frame_equal(fast.tours, slow.tours, check_exact=True)


def _stocked_with_methods(east: dict, west: dict) -> dict:
    d = stocked("split")
    d["inventory"]["backorder"] = "ship_available"
    d["remedies"] = {"lost": "reship", "damaged": "reship", "wrong_item": "reship"}
    d["carriers"]["ground"]["lost_prob"] = 0.05
    d["horizon"]["drain_days"] = 0  # (parcels made late are still waiting at the end)
    d["warehouses"]["east"]["picking"].update(east)
    d["warehouses"]["west"]["picking"].update(west)
    return d


STOCKED_METHODS = {
    "single": ({}, {}),
    "batch_proximity_and_zone": ({"method": "batch", "batch": {"max_orders": 4, "rule": "proximity"}},
                                 {"method": "zone", "zone": {"zones": 2}}),
    "batch_totes_and_zone_pass": (
        {"method": "batch", "batch": {"capacity": "totes", "max_totes": 5, "units_per_tote": 2}},
        {"method": "zone", "zone": {"zones": 2, "mode": "pick_and_pass"}}),
    "waves": ({"method": "wave", "wave": {"every_min": 90}},
              {"method": "wave", "wave": {"every_min": 60, "within": "batch"}, "batch": {"max_orders": 3}}),
}


@pytest.mark.parametrize("methods", list(STOCKED_METHODS))
def test_parcels_made_during_the_run_drawn_together_give_the_reference_run_bit_for_bit(
        methods, monkeypatch):
    """With stock, parcels made during the run (other site, split parts, rests) are
    drawn together when the first is needed (their fates at the next pick-up); the
    reference draws each whole the moment it is made. Same run, every output frame,
    under every picking method."""
    from sim.model.parcel_draws import ParcelMaker
    calls, shipping_calls = [], []
    draw, draw_shipping = ParcelMaker.draw, ParcelMaker.draw_shipping
    monkeypatch.setattr(ParcelMaker, "draw", lambda self, table, ids, **kw: (
        calls.append(len(ids)), draw(self, table, ids, **kw))[1])
    monkeypatch.setattr(ParcelMaker, "draw_shipping", lambda self, table, ids: (
        shipping_calls.append(len(ids)), draw_shipping(self, table, ids))[1])
    scenario = validate_data(_stocked_with_methods(*STOCKED_METHODS[methods]))
    results, draw_calls, shipping_draws = [], [], []
    for together in (True, False):
        calls.clear()
        shipping_calls.clear()
        w = World(scenario, 0, 3, lazy_release=together)
        assert w.factory.draw_together is together
        w.run()
        results.append(w.collect())
        draw_calls.append(len(calls))
        shipping_draws.append(len(shipping_calls))
    fast, slow = results
    assert fast.shipments["kind"].isin(["split", "rest", "other_site"]).sum() > 20
    assert draw_calls[0] < draw_calls[1], draw_calls  # really drawn together (some at least)
    assert shipping_draws[0] < 0.5 * shipping_draws[1], shipping_draws  # (at the pick-ups)
    for name in ("orders", "shipments", "tours", "shipment_lines", "inventory", "stock_levels",
                 "supplier_orders"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name, check_exact=True)


def test_reships_drawn_before_the_run_give_the_reference_run_bit_for_bit(monkeypatch):
    """The reships that originals will need (and theirs, to max_reships) are drawn before
    the run and copied into their slots when created; the reference draws each reship
    when prepared. Same run, with reships of reships, and reships of parts made during
    the run, which share their order's key with the whole original and so must not take
    its reship's draws."""
    from sim.model.factory import ReshipDraws
    copied = []
    copy_to = ReshipDraws.copy_to
    monkeypatch.setattr(ReshipDraws, "copy_to", lambda self, table, ids, rows: (
        copied.append(len(ids)), copy_to(self, table, ids, rows))[1])
    d = _stocked_with_methods({}, {})
    d["horizon"]["drain_days"] = 10
    d["remedies"]["max_reships"] = 3
    d["carriers"]["ground"].update({"lost_prob": 0.2, "damaged_prob": 0.15})
    scenario = validate_data(d)
    fast_world = World(scenario, 0, 3)
    fast_world.run()
    fast = fast_world.collect()
    slow_world = World(scenario, 0, 3, lazy_release=False)
    assert slow_world.factory.reships_ahead is None
    slow_world.run()
    slow = slow_world.collect()
    sh = fast.shipments.set_index("shipment_id")
    reships = sh[sh["kind"] == "reship"]
    parents = sh.loc[reships["parent_shipment"]]
    assert (parents["kind"] == "reship").sum() > 5  # reships of reships
    made = parents["kind"].isin(["split", "rest", "other_site"]) | (
        (parents["kind"] == "original") & (parents["units"].to_numpy()
                                           < fast.orders.set_index("order_id").loc[parents["order_id"], "units"].to_numpy()))
    assert made.sum() > 3  # reships of parcels made in the run, parts among them
    assert sum(copied) > 0.5 * len(reships)  # most were drawn before the run
    for name in ("orders", "shipments", "tours", "shipment_lines", "inventory", "stock_levels"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name, check_exact=True)


# Two random scenarios (a differential fuzz of 960 of them) where the optimised path and
# the reference differed before 0.5.6: a wave handed on the reships put in since the
# last wave before the orders released meanwhile (a batch's tour is keyed by its first
# parcel), and an order released at now + (paid_h - now), one unit in the last place off
# its payment time (now exactly at it: sim.model.clock.Call).
WAVE_WITH_RESHIPS = ({
    'horizon.days': 3,
    'horizon.warmup_days': 0,
    'horizon.drain_days': 0,
    'horizon.start_weekday': "wed",
    'demand.channels.web.orders_per_day': 32,
    'demand.channels.web.expedited_share': 1.0,
    'demand.channels.web.expedited_service': "express",
    'demand.channels.web.return_prob': 0.0,
    'demand.channels.marketplace.orders_per_day': 8,
    'demand.channels.marketplace.priority': 6,
    'demand.channels.wholesale.orders_per_day': 2,
    'catalogue.skus': 200,
    'warehouses.west.staff.pickers': {"day": 1, "evening": 4},
    'warehouses.west.staff.packers': 1,
    'warehouses.west.staff.shifts.evening.end_h': 30,
    'warehouses.west.picking.method': "wave",
    'warehouses.west.picking.batch.max_orders': 9,
    'warehouses.west.picking.batch.rule': "fcfs",
    'warehouses.west.picking.batch.max_wait_min': 5,
    'warehouses.west.picking.batch.sort': "while_pick",
    'warehouses.west.picking.batch.sort_time_per_unit_s': 4,
    'warehouses.west.picking.batch.sort_error_prob_per_unit': 0.05,
    'warehouses.west.picking.wave.within': "batch",
    'warehouses.west.picking.wave.every_min': 240,
    'warehouses.west.picking.wave.wait_for_previous': True,
    'warehouses.west.picking.wave.timeout_min': 90,
    'warehouses.east.staff.pickers': {"day": 1, "evening": 1},
    'warehouses.east.picking.method': "wave",
    'warehouses.east.picking.batch.max_orders': 8,
    'warehouses.east.picking.batch.rule': "fcfs",
    'warehouses.east.picking.batch.max_wait_min': 60,
    'warehouses.east.picking.batch.sort': "after_pick",
    'warehouses.east.picking.batch.sort_time_per_unit_s': 4,
    'warehouses.east.picking.batch.sort_error_prob_per_unit': 0.05,
    'warehouses.east.picking.wave.within': "batch",
    'warehouses.east.picking.wave.every_min': 240,
    'warehouses.east.picking.wave.wait_for_previous': True,
    'warehouses.east.picking.wave.timeout_min': 30,
    'carriers.express.pickup_times_h': [],
    'carriers.express.pickup_days': ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    'carriers.express.cutoff_min': 30,
    'satisfaction.survey_prob': 0.5,
}, 9)
RELEASED_AT_PAYMENT = ({
    'horizon.days': 5,
    'horizon.warmup_days': 0,
    'horizon.drain_days': 1,
    'horizon.start_weekday': "fri",
    'demand.channels.web.orders_per_day': 77,
    'demand.channels.web.priority': 6,
    'demand.channels.web.promised_business_days': 6,
    'demand.channels.marketplace.orders_per_day': 16,
    'demand.channels.marketplace.expedited_share': 0.7,
    'demand.channels.marketplace.expedited_service': "express",
    'demand.channels.wholesale.orders_per_day': 5,
    'warehouses.west.staff.pickers': {"day": 1, "evening": 0},
    'warehouses.west.staff.packers': {"day": 0, "evening": 0},
    'warehouses.west.picking.method': "single",
    'warehouses.east.staff.pickers': {"day": 4, "evening": 6},
    'warehouses.east.staff.packers': {"day": 4, "evening": 0},
    'warehouses.east.picking.method': "batch",
    'warehouses.east.picking.batch.max_orders': 10,
    'warehouses.east.picking.batch.rule': "fcfs",
    'warehouses.east.picking.batch.max_wait_min': 15,
    'warehouses.east.picking.batch.sort': "after_pick",
    'warehouses.east.picking.batch.sort_time_per_unit_s': 4,
    'warehouses.east.picking.batch.sort_error_prob_per_unit': 0.05,
    'warehouses.east.picking.batch.capacity': "totes",
    'warehouses.east.picking.batch.max_totes': 1,
    'warehouses.east.picking.batch.units_per_tote': 12,
    'warehouses.east.picking.verification': {"at_pick": True, "at_pack": True, "detection_prob": 0.9, "scan_time_per_line_s": 2, "repick_time_s": 120},
    'warehouses.east.shipping.labels': "single",
    'carriers.express.pickup_times_h': [10.0, 18.0, 23.5],
    'carriers.express.pickup_days': ["mon", "tue", "wed", "fri", "sat", "sun"],
    'carriers.express.cutoff_min': 30,
    'satisfaction.survey_prob': 0.0,
}, 64)


@pytest.mark.parametrize("case", [WAVE_WITH_RESHIPS, RELEASED_AT_PAYMENT], ids=["wave_with_reships",
                                                                                "released_at_payment"])
def test_fuzzed_scenarios_give_the_reference_run_bit_for_bit(case):
    import sim

    overrides, seed = case
    scenario = sim.load_scenario(Path(__file__).parents[1] / "scenarios" / "baseline.yaml", overrides)
    runs = []
    for lazy in (True, False):
        world = World(scenario, 0, seed, lazy_release=lazy)
        world.run()
        runs.append(world.collect())
    fast, slow = runs
    for name in ("orders", "shipments", "tours", "label_jobs", "shipment_lines"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name, check_exact=True)
