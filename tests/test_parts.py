"""Orders shipped in parts: ``fallback: split`` (each coast ships what it has) and
``backorder: ship_available`` (the units on hand now, the rest when it comes in).

The reference for every conservation check is the same scenario and seed with stock
kept but no parts (``fallback: backorder``, ``backorder: wait``): common random numbers
give the same customers' orders, so an order's parts must add up to it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.world import run_replication
from sim.scenario import ScenarioError, validate_data

from .conftest import tiny_data

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
    return run("backorder", "wait").orders


def check_parts(o: pd.DataFrame, ref: pd.DataFrame, same_site: bool) -> pd.DataFrame:
    """The invariants of any run with parts; returns the (order, part) pairs."""
    parts = o[o["part_of"] >= 0]
    assert len(parts) > 10
    first = o.loc[parts["part_of"].to_numpy()]
    # Parts are not customers' orders: each order is counted once, by its own row.
    assert first["customer_order"].all() and not parts["customer_order"].any()
    assert (first["placed_h"].to_numpy() == parts["placed_h"].to_numpy()).all()
    assert ((first["site"].to_numpy() == parts["site"].to_numpy()) == same_site).all()
    # Units and value: the two parts make the whole order, no more, no less.
    whole = ref.loc[first.index]
    assert (first["units"].to_numpy() + parts["units"].to_numpy() == whole["units"].to_numpy()).all()
    assert (first["lines"].to_numpy() <= whole["lines"].to_numpy()).all()
    assert (parts["lines"].to_numpy() <= whole["lines"].to_numpy()).all()
    np.testing.assert_allclose(first["order_value"].to_numpy() + parts["order_value"].to_numpy(),
                               whole["order_value"].to_numpy(), rtol=1e-5)
    assert (first["units"] > 0).all() and (parts["units"] > 0).all()
    # The order is delivered when its last part is.
    both = first["delivered_h"].notna().to_numpy() & parts["delivered_h"].notna().to_numpy()
    last = np.maximum(first["delivered_h"].to_numpy(), parts["delivered_h"].to_numpy())
    np.testing.assert_allclose(first["lead_time_h"].to_numpy()[both],
                               (last - first["placed_h"].to_numpy())[both])
    assert (first["status"].to_numpy()[~both] != "delivered").all()
    # Each part is a parcel of its own: packed, labelled and shipped.
    assert (parts.loc[parts["shipped_h"].notna(), "packed_h"].notna()).all()
    return pd.DataFrame({"order": first.index, "part": parts.index})


def test_split_ships_what_each_coast_has(reference):
    result = run("split")
    o = result.orders
    check_parts(o, reference, same_site=False)
    parts = o[o["part_of"] >= 0]
    # Both parts leave at once: nobody waits for stock.
    first = o.loc[parts["part_of"].to_numpy()]
    assert first["backordered_h"].isna().all() and parts["backordered_h"].isna().all()
    assert (first["released_h"].to_numpy() == parts["released_h"].to_numpy()).all()
    # Units taken from stock are the units of the rows released to picking.
    released = o[o["released_h"].notna()]
    assert result.inventory["shipped_units"].sum() == int(released["units"].sum())
    # Customers' orders are the same orders; each is filled, rerouted, split or backordered.
    assert o["customer_order"].sum() == reference["customer_order"].sum()
    k = sim.run(validate_data(data("split")), seed=4).summary["kpis"]
    shares = ["fill_rate_pct", "rerouted_pct", "shipped_in_parts_pct", "backorder_rate_pct"]
    assert k["shipped_in_parts_pct"]["mean"] > 0
    assert sum(k[s]["mean"] for s in shares) == pytest.approx(100)


def test_ship_available_ships_now_and_the_rest_when_it_comes_in(reference):
    result = run("backorder", "ship_available")
    o = result.orders
    pairs = check_parts(o, reference, same_site=True)
    first, rest = o.loc[pairs["order"]], o.loc[pairs["part"]]
    # The first part goes at once; the rest waits for the supplier, then goes.
    assert (first["released_h"].to_numpy() == first["paid_h"].to_numpy()).all()
    assert (rest["backordered_h"].to_numpy() == first["paid_h"].to_numpy()).all()
    filled = rest["backorder_filled_h"].notna().to_numpy()
    assert filled.any()
    assert (rest["released_h"].to_numpy()[filled] >= rest["backorder_filled_h"].to_numpy()[filled]).all()
    assert (first["backorder_filled_h"].to_numpy() == rest["backorder_filled_h"].to_numpy())[filled].all()
    released = o[o["released_h"].notna()]
    assert result.inventory["shipped_units"].sum() == int(released["units"].sum())
    # Against waiting whole: the first parts arrive sooner, on average, than the whole
    # orders did when they waited.
    whole = reference.loc[pairs["order"]]
    ok = first["delivered_h"].notna().to_numpy() & whole["delivered_h"].notna().to_numpy()
    early = whole["delivered_h"].to_numpy()[ok] - first["delivered_h"].to_numpy()[ok]
    assert early.mean() > 24


@pytest.mark.parametrize("method", list(METHODS))
def test_parts_are_picked_line_by_line_under_every_method(method, reference):
    result = run("split", "ship_available", method)
    o, tours = result.orders, result.tours
    released = o[o["released_h"].notna()]
    assert released["picked_h"].notna().all()
    # Lines on tours == lines of picked rows: a part picks its own lines only.
    assert tours["lines"].sum() == released["lines"].sum()
    parts = o[o["part_of"] >= 0]
    assert len(parts) > 10
    whole = reference.loc[parts["part_of"].to_numpy()]
    first = o.loc[parts["part_of"].to_numpy()]
    assert (first["units"].to_numpy() + parts["units"].to_numpy() == whole["units"].to_numpy()).all()


def test_a_part_and_its_reships_carry_the_same_units(reference):
    s = validate_data(data("split", "ship_available", **{"carriers.ground.lost_prob": 0.25,
                                                         "remedies": {"lost": "reship"}}))
    result = sim.run(s, seed=4)
    o = result.orders
    # An order whose part is lost is lost, like an order shipped whole; never stuck.
    parts = o[o["part_of"] >= 0]
    lost_part = parts.loc[parts["status"] == "lost", "part_of"].to_numpy()
    assert len(lost_part) > 5
    assert (o.loc[lost_part, "status"] == "lost").all()
    assert o.loc[lost_part, "lead_time_h"].isna().all()
    customers = o[o["customer_order"] & o["paid_h"].notna()]
    assert not (customers["status"] == "in_progress").any()  # the long drain lets all finish
    # Lead time to a correct delivery waits for every part (through its reships):
    # recomputed here row by row.
    ok = o["delivered_h"].notna() & (o["exception"] != "damaged") & ~o["pick_error"]

    def right_at(row: int) -> float:
        while not ok[row]:
            row = o.at[row, "reship_id"]
            if row < 0:
                return np.nan
        return o.at[row, "delivered_h"]

    part_rows = parts.groupby("part_of").groups
    lo, hi = 24 * s.horizon.warmup_days, 24 * s.horizon.days
    waits = []
    for i in o.index[o["customer_order"] & o["placed_h"].between(lo, hi, inclusive="left")]:
        t = np.max([right_at(i)] + [right_at(p) for p in part_rows.get(i, [])])  # NaN wins
        if not np.isnan(t):
            waits.append(t - o.at[i, "placed_h"])
    k = result.summary["kpis"]["lead_time_to_correct_delivery_hours_mean"]["mean"]
    assert k == pytest.approx(np.mean(waits))
    parts = o[(o["part_of"] >= 0) & (o["reship_id"] >= 0)]
    firsts = o.loc[o.loc[o["part_of"] >= 0, "part_of"]]
    firsts = firsts[firsts["reship_id"] >= 0]
    assert len(parts) and len(firsts)
    for rows in (parts, firsts):
        reships = o.loc[rows["reship_id"].to_numpy()]
        assert (reships["units"].to_numpy() == rows["units"].to_numpy()).all()
        assert (reships["lines"].to_numpy() == rows["lines"].to_numpy()).all()


def test_parts_are_reproducible():
    a = run("split", "ship_available").orders
    b = run("split", "ship_available").orders
    pd.testing.assert_frame_equal(a, b)


def test_set_contents_rejects_an_empty_part():
    from sim.model.parts import Parts

    class Rows:
        pass

    parts = Parts.__new__(Parts)
    parts.d = Rows()
    parts.d.orders = Rows()
    parts.d.orders.line_start = np.array([0, 2])
    with pytest.raises(ValueError, match=">= 1 unit"):
        parts.set_contents([(0, [0, 0])])


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
    # each second part comes from the other coast.
    d = data("split")
    d["warehouses"]["central"] = {**d["warehouses"]["east"], "location": {"lat": 32.78, "lon": -96.80}}
    d["inventory"]["sites"] = {"central": {
        "initial_units": 0, "replenishment": {"policy": "RQ", "reorder_point": 0, "order_quantity": 1,
                                              "supplier_lead_time_days": 1000}}}
    o = run_replication(validate_data(d), 0, 4).orders
    parts = o[o["part_of"] >= 0]
    assert len(parts) > 10
    first = o.loc[parts["part_of"].to_numpy()]
    assert set(first["site"]) == {"west", "east"} and set(parts["site"]) == {"west", "east"}
    assert (first["site"].to_numpy() != parts["site"].to_numpy()).all()
    assert not (o["site"] == "central").to_numpy()[o["released_h"].notna().to_numpy()].any()


def test_an_order_in_parts_is_late_once_by_its_last_part():
    o = run("split", "ship_available", **{"remedies": {"late_discount": 5.0}}).orders
    parts = o[o["part_of"] >= 0]
    first = o.loc[parts["part_of"].to_numpy()]
    assert not (parts["remedy"] == "discount").any()  # a part is not late on its own account
    fine = (first["exception"] == "").to_numpy() & ~first["pick_error"].to_numpy()
    late = (first["order_delivered_h"] > first["due_h"]).to_numpy() & fine
    on_time = (first["order_delivered_h"] <= first["due_h"]).to_numpy() & fine
    assert late.sum() > 5 and on_time.sum() > 5
    assert (first["remedy"].to_numpy()[late] == "discount").all()
    assert (first["remedy"].to_numpy()[on_time] == "").all()


def test_throughput_counts_customers_orders_not_parcels():
    s = validate_data(data("split", "ship_available", **{"carriers.ground.lost_prob": 0.2,
                                                         "remedies": {"lost": "reship"}}))
    result = sim.run(s, seed=4)
    o, k = result.orders, result.summary["kpis"]
    lo, hi = 24 * s.horizon.warmup_days, 24 * s.horizon.days
    inside = o["shipped_h"].between(lo, hi, inclusive="left")
    days = s.horizon.days - s.horizon.warmup_days
    extra = inside & ~o["customer_order"]  # second parcels and reships
    assert extra.sum() > 20
    assert k["throughput_orders_per_day"]["mean"] == pytest.approx((inside & o["customer_order"]).sum() / days)
