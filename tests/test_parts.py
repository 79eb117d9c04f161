"""Orders shipped in parts: ``fallback: split`` (each coast ships what it has, an
``original`` and a ``split`` parcel) and ``backorder: ship_available`` (the units on
hand now, the ``rest`` when it comes in).

The reference is the same scenario and seed with stock kept but no parts (``fallback:
backorder``, ``backorder: wait``): common random numbers give the same customers'
orders, so an order's parcels must add up to it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.world import run_replication
from sim.scenario import ScenarioError, validate_data

from .conftest import tiny_data
from .invariants import check_replication

LAYOUT = {"aisles": 10, "aisle_length_m": 20, "aisle_spacing_m": 3, "locations_per_side": 60,
          "routing": "s_shape", "storage": "random"}
METHODS = {
    "single": {"method": "single"},
    "batch_totes": {"method": "batch", "batch": {"max_orders": 6, "capacity": "totes",
                                                 "max_totes": 6, "units_per_tote": 8}},
    "zone": {"method": "zone", "zone": {"zones": 2}},
    "wave_zone": {"method": "wave", "wave": {"every_min": 120, "within": "zone"}, "zone": {"zones": 2}},
}


def data(fallback: str = "split", backorder: str = "wait", method: str = "single", **over) -> dict:
    """Tiny, both coasts in demand, a few days of stock that the supplier tops up at
    roughly a 50% cycle service level: enough shortages to split orders often."""
    d = tiny_data({"catalogue.skus": 20, "horizon.days": 8, "horizon.drain_days": 25,
                   "demand.channels.web.regions": {"CA": 1.0, "NY": 1.0},
                   "demand.channels.wholesale.regions": {"CA": 1.0, "NY": 1.0}, **over})
    for site in ("west", "east"):
        p = d["warehouses"][site]["picking"]
        p.pop("travel_time_s", None)
        p.update({"layout": dict(LAYOUT), "time_per_line_s": 10, **METHODS[method]})
        d["warehouses"][site]["staff"]["pickers"] = 4
    d["inventory"] = {
        "initial_days_of_cover": 3, "fallback": fallback, "backorder": backorder,
        "replenishment": {"policy": "RQ", "reorder_point": "auto", "order_quantity_days": 3,
                          "service_z": 0,
                          "supplier_lead_time_days": {"dist": "uniform", "low": 1, "high": 5}}}
    return d


def run(fallback="split", backorder="wait", method="single", seed=4, **over):
    return run_replication(validate_data(data(fallback, backorder, method, **over)), 0, seed)


@pytest.fixture(scope="module")
def reference():
    return run("backorder", "wait")


def split_orders(result) -> pd.DataFrame:
    """The orders shipped in two parcels, with both parcels' columns side by side
    (``_1``: the original, ``_2``: the other)."""
    sh = result.shipments
    first = sh[sh["kind"] != "reship"]
    two = first[first.groupby("order_id")["order_id"].transform("size") == 2]
    a = two[two["kind"] == "original"].set_index("order_id")
    b = two[two["kind"] != "original"].set_index("order_id")
    return a.add_suffix("_1").join(b.add_suffix("_2"), how="inner")


def check_parts(result, reference, same_site: bool, second_kind: str) -> pd.DataFrame:
    """The invariants of any run with parts; returns the orders in two parcels."""
    check_replication(result)
    o, ref = result.orders.set_index("order_id"), reference.orders.set_index("order_id")
    pairs = split_orders(result)
    assert len(pairs) > 10
    assert (pairs["kind_2"] == second_kind).all()
    # Common random numbers: the same customers' orders as without parts.
    assert (o["placed_h"].to_numpy() == ref["placed_h"].to_numpy()).all()
    assert (o["units"].to_numpy() == ref["units"].to_numpy()).all()
    orders = o.loc[pairs.index]
    assert ((pairs["site_1"] == pairs["site_2"]) == same_site).all()
    # Units: the two parcels make the whole order, no more, no less.
    assert (pairs["units_1"] + pairs["units_2"] == orders["units"]).all()
    assert (pairs["units_1"] > 0).all() and (pairs["units_2"] > 0).all()
    assert (pairs["lines_1"] <= orders["lines"]).all() and (pairs["lines_2"] <= orders["lines"]).all()
    assert (orders["parcels"] == 2).all()
    assert (orders.loc[orders["served_from"] == "split", "parcels"] == 2).all()
    # The order is delivered when its last parcel is.
    both = pairs["delivered_h_1"].notna() & pairs["delivered_h_2"].notna()
    last = np.maximum(pairs["delivered_h_1"], pairs["delivered_h_2"])
    np.testing.assert_allclose(orders.loc[both, "delivered_h"], last[both])
    np.testing.assert_allclose(orders.loc[both, "lead_time_h"], (last - orders["placed_h"])[both])
    assert (orders.loc[~both, "status"] != "delivered").all()
    return pairs


def test_split_ships_what_each_coast_has(reference):
    result = run("split")
    pairs = check_parts(result, reference, same_site=False, second_kind="split")
    # Both parcels leave at once: nobody waits for stock.
    o = result.orders.set_index("order_id").loc[pairs.index]
    assert o["backordered_h"].isna().all()
    assert (pairs["created_h_1"] == pairs["created_h_2"]).all()
    assert (pairs["created_h_1"] == o["paid_h"]).all()
    assert (o["served_from"] == "split").all()
    k = sim.run(validate_data(data("split")), seed=4).summary["kpis"]
    shares = ["fill_rate_pct", "rerouted_pct", "shipped_in_parts_pct", "backorder_rate_pct"]
    assert k["shipped_in_parts_pct"]["mean"] > 0
    assert sum(k[s]["mean"] for s in shares) == pytest.approx(100)


def test_ship_available_ships_now_and_the_rest_when_it_comes_in(reference):
    result = run("backorder", "ship_available")
    pairs = check_parts(result, reference, same_site=True, second_kind="rest")
    o = result.orders.set_index("order_id").loc[pairs.index]
    # The first parcel goes at once; the rest waits for the supplier, then goes.
    assert (pairs["created_h_1"] == o["paid_h"]).all()
    assert (pairs["released_h_1"] == o["paid_h"]).all()
    assert (pairs["backordered_h_2"] == o["paid_h"]).all()
    assert (pairs["created_h_2"] == pairs["backorder_filled_h_2"]).all()
    assert (o["backorder_filled_h"] == pairs["backorder_filled_h_2"]).all()
    # Against waiting whole: the first parcels arrive sooner, on average, than the
    # whole orders did when they waited.
    whole = reference.orders.set_index("order_id").loc[pairs.index]
    ok = pairs["delivered_h_1"].notna() & whole["delivered_h"].notna()
    assert (whole.loc[ok, "delivered_h"] - pairs.loc[ok, "delivered_h_1"]).mean() > 24


@pytest.mark.parametrize("method", list(METHODS))
def test_parts_are_picked_line_by_line_under_every_method(method, reference):
    result = run("split", "ship_available", method)
    check_replication(result)
    sh, tours = result.shipments, result.tours
    released = sh[sh["released_h"].notna()]
    assert released["picked_h"].notna().all()
    # Lines on tours == lines of picked parcels: a part picks its own lines only.
    assert tours["lines"].sum() == released["lines"].sum()
    assert len(split_orders(result)) > 10


def test_a_part_and_its_reships_carry_the_same_units(reference):
    s = validate_data(data("split", "ship_available", **{"carriers.ground.lost_prob": 0.25,
                                                         "remedies": {"lost": "reship"}}))
    result = sim.run(s, seed=4)
    o, sh = result.orders.set_index("order_id"), result.shipments
    first = sh[sh["kind"] != "reship"]
    # An order with a lost parcel is lost, like an order shipped whole; never stuck.
    lost = first.loc[first["status"] == "lost", "order_id"].unique()
    assert len(lost) > 5
    assert (o.loc[lost, "status"] == "lost").all() and o.loc[lost, "delivered_h"].isna().all()
    assert not (o["status"] == "in_progress").any()  # the long drain lets all finish
    # Lead time to a correct delivery waits for every parcel (through its reships):
    # recomputed here parcel by parcel.
    ok = sh["delivered_h"].notna() & (sh["exception"] != "damaged") & ~sh["pick_error"]
    child = dict(zip(sh.loc[sh["parent_shipment"] >= 0, "parent_shipment"],
                     sh.index[sh["parent_shipment"] >= 0], strict=True))

    def right_at(row: int) -> float:
        while not ok[row]:
            row = child.get(row, -1)
            if row < 0:
                return np.nan
        return sh.at[row, "delivered_h"]

    lo, hi = 24 * s.horizon.warmup_days, 24 * s.horizon.days
    waits = []
    for order, rows in first.groupby("order_id").groups.items():
        if not lo <= o.at[order, "placed_h"] < hi:
            continue
        t = np.max([right_at(r) for r in rows])  # NaN wins
        if not np.isnan(t):
            waits.append(t - o.at[order, "placed_h"])
    k = result.summary["kpis"]["lead_time_to_correct_delivery_hours_mean"]["mean"]
    assert k == pytest.approx(np.mean(waits))
    # A reship carries what the parcel it replaces carried.
    reships = sh[sh["kind"] == "reship"]
    parents = sh.loc[reships["parent_shipment"]]
    assert (parents["kind"].isin(["split", "rest"])).any()
    for col in ("units", "lines", "site", "order_id"):
        assert (reships[col].to_numpy() == parents[col].to_numpy()).all(), col


def test_parts_are_reproducible():
    a, b = run("split", "ship_available"), run("split", "ship_available")
    pd.testing.assert_frame_equal(a.orders, b.orders)
    pd.testing.assert_frame_equal(a.shipments, b.shipments)


@pytest.mark.parametrize(("key", "value", "words"), [
    ("fallback", "halve", ["inventory.fallback", "'split'", "halve"]),
    ("backorder", "ship_some", ["inventory.backorder", "'ship_available'", "ship_some"]),
])
def test_bad_policy_names_what_is_allowed(key, value, words):
    d = data()
    d["inventory"][key] = value
    with pytest.raises(ScenarioError) as err:
        validate_data(d)
    for w in words:
        assert w in str(err.value)


def test_with_three_sites_the_rest_comes_from_the_nearest_site_that_has_it():
    # A central site, nearer than the other coast to every customer, never has stock:
    # each second parcel comes from the other coast.
    d = data("split")
    d["warehouses"]["central"] = {**d["warehouses"]["east"], "location": {"lat": 32.78, "lon": -96.80}}
    d["inventory"]["sites"] = {"central": {
        "initial_units": 0, "replenishment": {"policy": "RQ", "reorder_point": 0, "order_quantity": 1,
                                              "supplier_lead_time_days": 1000}}}
    result = run_replication(validate_data(d), 0, 4)
    check_replication(result)
    pairs = split_orders(result)
    assert len(pairs) > 10
    assert set(pairs["site_1"]) == {"west", "east"} and set(pairs["site_2"]) == {"west", "east"}
    assert (pairs["site_1"] != pairs["site_2"]).all()
    assert not (result.shipments["site"] == "central").any()


def test_an_order_in_parts_is_late_once_by_its_last_part():
    result = run("split", "ship_available", **{"remedies": {"late_discount": 5.0},
                                               "demand.channels.web.promised_business_days": 2})
    o, sh = result.orders.set_index("order_id"), result.shipments
    assert not (sh["remedy"] == "discount").any()  # a parcel is not late on its own account
    orders = o.loc[split_orders(result).index]
    fine = (orders["exception"] == "") & ~orders["pick_error"]
    late = (orders["delivered_h"] > orders["due_h"]) & fine
    on_time = (orders["delivered_h"] <= orders["due_h"]) & fine
    assert late.sum() > 5 and on_time.sum() > 5
    assert (orders.loc[late, "remedy"] == "discount").all()
    assert (orders.loc[late, "remedy_cost"] == 5.0).all()
    assert (orders.loc[on_time, "remedy"] == "").all()


def test_throughput_counts_customers_orders_not_parcels():
    s = validate_data(data("split", "ship_available", **{"carriers.ground.lost_prob": 0.2,
                                                         "remedies": {"lost": "reship"}}))
    result = sim.run(s, seed=4)
    o, sh, k = result.orders, result.shipments, result.summary["kpis"]
    lo, hi = 24 * s.horizon.warmup_days, 24 * s.horizon.days
    days = s.horizon.days - s.horizon.warmup_days
    parcels_inside = sh["shipped_h"].between(lo, hi, inclusive="left")
    orders_inside = o["shipped_h"].between(lo, hi, inclusive="left")
    assert parcels_inside.sum() > orders_inside.sum() + 20  # second parcels and reships
    assert k["throughput_orders_per_day"]["mean"] == pytest.approx(orders_inside.sum() / days)
