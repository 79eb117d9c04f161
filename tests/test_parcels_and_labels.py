"""Boxes, billable weight and shipping cost, damage by fragility, carrier services and
expedited orders, channel priority, bulk labels, tracking notifications and address
problems, as they run inside the model."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.world import run_replication
from sim.scenario import ScenarioError, validate_data

from .conftest import tiny_data

BOXES = {
    "fill_factor": 0.8,
    "boxes": [
        {"name": "S", "length_cm": 25, "width_cm": 20, "height_cm": 10, "max_weight_kg": 5, "cost": 0.5},
        {"name": "M", "length_cm": 40, "width_cm": 30, "height_cm": 20, "max_weight_kg": 15, "cost": 1.0},
        {"name": "L", "length_cm": 60, "width_cm": 40, "height_cm": 40, "max_weight_kg": 30, "cost": 2.0},
    ],
    "dunnage": {"kind": "air_pillows", "time_per_fragile_unit_s": 20, "cost_per_fragile_unit": 0.1,
                "volume_per_fragile_unit_cm3": 200, "protection": 0.0},
}
RATES = {"weight_breaks_kg": [1, 2, 5, 10, 20, 30, 70],
         "prices": [[5, 6, 8, 11, 15, 20, 30], [7, 8, 11, 15, 20, 27, 40]],
         "dim_divisor_cm3_per_kg": 5000, "over_max": "last_price"}


def data(**extra):
    d = tiny_data(extra or None)
    for site in ("west", "east"):
        d["warehouses"][site]["packing"]["packaging"] = dict(BOXES)
    d["carriers"]["ground"]["rates"] = RATES
    return d


def run(d, seed=1):
    return run_replication(validate_data(d), 0, seed)


def test_boxes_costs_and_billable_weight():
    r = run(data())
    o = r.shipments
    shipped = o[o["shipped_h"].notna()]
    boxed = shipped[shipped["box"] != ""]
    assert len(boxed) > 0.9 * len(shipped)
    assert (boxed["box_fill"] <= 0.8 + 1e-9).all()
    assert (boxed["billable_kg"] >= boxed["weight_kg"] - 1e-12).all()
    assert (boxed["packaging_cost"] >= boxed["box"].map({"S": 0.5, "M": 1.0, "L": 2.0}).astype(float) - 1e-12).all()
    # Shipping cost = the rate of the first weight break at or above the billable weight.
    breaks = np.array(RATES["weight_breaks_kg"])
    zone = (shipped["distance_km"] > 1000).astype(int).to_numpy()
    col = np.minimum(np.searchsorted(breaks, shipped["billable_kg"].to_numpy() - 1e-9), len(breaks) - 1)
    expected = np.array(RATES["prices"])[zone, col]
    assert np.allclose(shipped["shipping_cost"].to_numpy(), expected)


def test_an_order_that_fits_no_box_is_an_exception_not_a_crash():
    d = data()
    d["catalogue"] = {"skus": 50, "unit_length_cm": 80, "unit_width_cm": 10, "unit_height_cm": 10}
    s = validate_data(d)
    result = sim.run(s, replications=1, seed=2)
    o = result.shipments
    shipped = o[o["shipped_h"].notna()]
    assert shipped["no_box"].all() and (shipped["box"] == "").all()
    assert (result.orders["status"] == "delivered").sum() > 0  # they still ship, by hand
    assert any("fits no box" in w and "SKU-" in w for w in result.summary["warnings"])
    assert result.summary["kpis"]["no_box_per_1000_orders"]["mean"] == pytest.approx(1000)


def test_damage_follows_fragility_and_protection():
    def damaged_share(protection: float):
        d = data()
        d["catalogue"] = {"skus": 200, "fragile_share": 0.5}
        d["horizon"]["days"] = 12
        d["carriers"]["ground"].update({"damage": {"base_prob": 0.0, "fragile_unit_prob": 0.3},
                                        "lost_prob": 0.0})
        for site in ("west", "east"):
            d["warehouses"][site]["packing"]["packaging"] = {**BOXES, "dunnage": {**BOXES["dunnage"], "protection": protection}}
        o = run(d).shipments
        o = o[o["delivered_h"].notna()]  # (damage comes to light at delivery)
        return o, o["exception"] == "damaged"

    o, damaged = damaged_share(0.0)
    assert not damaged[o["fragile_units"] == 0].any()
    one = o["fragile_units"] == 1
    assert damaged[one].mean() == pytest.approx(0.3, abs=4 * np.sqrt(0.21 / one.sum()))
    o, damaged = damaged_share(1.0)
    assert not damaged.any()


def test_expedited_orders_take_the_express_service():
    d = data()
    d["carriers"]["express"] = {"pickup_times_h": [19.0], "zones": [{"max_km": 20000, "transit_business_days": 1}]}
    for site in ("west", "east"):
        d["warehouses"][site]["shipping"]["services"] = ["express"]
    d["demand"]["channels"]["web"].update({"expedited_share": 0.3, "expedited_service": "express"})
    r = run(d)
    o = r.shipments.merge(r.orders[["order_id", "channel", "lead_time_h"]], on="order_id")
    web = o[(o["channel"] == "web") & o["shipped_h"].notna()]
    share = (web["service"] == "express").mean()
    assert share == pytest.approx(0.3, abs=4 * np.sqrt(0.21 / len(web)))
    assert (o.loc[o["channel"] == "wholesale", "service"] == "ground").all()
    express = web[web["service"] == "express"]
    ground = web[web["service"] == "ground"]
    assert express["lead_time_h"].mean() < ground["lead_time_h"].mean()
    # express has no rate table: its cost is not modelled (NaN), ground's is
    assert express["shipping_cost"].isna().all() and ground["shipping_cost"].notna().all()


def test_priority_channel_waits_less_in_a_congested_site():
    def waits(priority: int):
        d = tiny_data({"demand.channels.web.orders_per_day": 1500,
                       "demand.channels.wholesale.priority": priority})
        for site in ("west", "east"):
            d["warehouses"][site]["staff"] = {"pickers": 2, "packers": 2}
        r = run(d)
        o = r.shipments.merge(r.orders[["order_id", "channel"]], on="order_id")
        return (o["pick_start_h"] - o["released_h"]).groupby(o["channel"], observed=True).mean()

    fifo, prio = waits(0), waits(9)
    assert prio["wholesale"] < 0.3 * fifo["wholesale"]
    assert prio["web"] >= fifo["web"] - 1e-9  # someone pays for it


def test_bulk_labels_timing_and_labour():
    single = sim.run(validate_data(tiny_data()), seed=3)
    d = tiny_data()
    for site in ("west", "east"):
        d["warehouses"][site]["shipping"].update(
            {"labels": "bulk", "bulk": {"every_orders": 20, "every_min": 600, "print_time_s": 60,
                                        "time_per_label_s": 2}})
    bulk = sim.run(validate_data(d), seed=3)
    o, jobs = bulk.shipments, bulk.label_jobs
    labelled = o[o["labelled_h"].notna()]
    # Never labelled before packed, never shipped before the bulk print.
    assert (labelled["labelled_h"] >= labelled["packed_h"]).all()
    assert (labelled["shipped_h"].dropna() >= labelled.loc[labelled["shipped_h"].notna(), "labelled_h"]).all()
    assert set(np.round(labelled["labelled_h"], 9)) <= set(np.round(jobs["end_h"], 9))
    assert jobs["labels"].max() <= 20 and jobs["labels"].sum() == len(labelled)
    # Orders wait for the print, and the labour differs from labelling one by one.
    k_bulk, k_single = bulk.summary["kpis"], single.summary["kpis"]
    assert k_bulk["label_wait_hours_mean"]["mean"] > 0.05
    assert k_single["label_wait_hours_mean"]["mean"] == pytest.approx(10 / 3600, rel=1e-6)
    # Full jobs of 20: (60 s + 20 x 2 s) / 20 = 5 s a label, against 10 s one by one.
    assert k_bulk["label_labour_hours_per_1000_orders"]["mean"] == pytest.approx(1000 * 5 / 3600, rel=0.1)
    assert k_single["label_labour_hours_per_1000_orders"]["mean"] == pytest.approx(1000 * 10 / 3600, rel=1e-6)
    # Same orders either way (common random numbers): only the label step differs.
    assert (bulk.orders["placed_h"].to_numpy() == single.orders["placed_h"].to_numpy()).all()
    assert (bulk.shipments["pick_errors_made"].to_numpy() == single.shipments["pick_errors_made"].to_numpy()).all()


def test_tracking_notifications_follow_their_events():
    d = tiny_data({"carriers.ground.tracking_delay_min": {"dist": "exponential", "mean": 15}})
    o = run(d).shipments
    done = o[o["delivered_h"].notna()]
    assert (done["notify_label_h"] >= done["labelled_h"]).all()
    assert (done["notify_pickup_h"] >= done["shipped_h"]).all()
    assert (done["notify_delivered_h"] >= done["delivered_h"]).all()
    lag_min = 60 * (done["notify_delivered_h"] - done["delivered_h"]).mean()
    assert lag_min == pytest.approx(15, rel=0.15)


def test_address_problems_delay_delivery():
    base = run(tiny_data({"carriers.ground.lost_prob": 0, "carriers.ground.damaged_prob": 0}),
               seed=4).shipments.set_index(["order_id", "kind"])
    bad = run(tiny_data({"carriers.ground.lost_prob": 0, "carriers.ground.damaged_prob": 0,
                         "carriers.ground.address_problem_prob": 1.0,
                         "carriers.ground.address_delay_business_days": 3}),
              seed=4).shipments.set_index(["order_id", "kind"])
    both = base.index[base["delivered_h"].notna()].intersection(bad.index[bad["delivered_h"].notna()])
    assert len(both) > 100
    assert (bad.loc[both, "exception"] == "address_problem").all()
    assert (bad.loc[both, "delivered_h"] >= base.loc[both, "delivered_h"] + 3 * 24 - 1e-9).all()


@pytest.mark.parametrize(("change", "words"), [
    ({"demand.channels.web.service": "drone"}, ["demand.channels.web.service", "unknown carrier 'drone'"]),
    ({"demand.channels.web.expedited_share": 0.2}, ["expedited_service", "needed when expedited_share > 0"]),
    ({"warehouses.east.shipping.services": ["pigeon"]}, ["warehouses.east.shipping.services.0", "unknown carrier 'pigeon'"]),
    ({"carriers.ground.rates": {**RATES, "prices": [[5, 6, 8, 11, 15, 20, 30]]}}, ["carriers.ground.rates", "one price row per transit zone (2)"]),
    ({"carriers.ground.address_problem_prob": 1.5}, ["carriers.ground.address_problem_prob", "must be <= 1"]),
])
def test_bad_parcel_input(change, words):
    with pytest.raises(ScenarioError) as err:
        validate_data(tiny_data(change))
    message = str(err.value)
    for word in words:
        assert word in message, message


def test_bulk_print_jobs_queue_up_behind_busy_packers():
    """Many small print jobs waiting at once: each is printed exactly once."""
    d = tiny_data({"demand.channels.web.orders_per_day": 800})
    for site in ("west", "east"):
        d["warehouses"][site]["staff"] = {"pickers": 4, "packers": 1}
        d["warehouses"][site]["shipping"].update(
            {"labels": "bulk", "bulk": {"every_orders": 2, "every_min": 5}})
    r = run_replication(validate_data(d), 0, 7)
    labelled = r.shipments["labelled_h"].notna()
    assert r.label_jobs["labels"].sum() == labelled.sum() == r.shipments["packed_h"].notna().sum()


def test_a_carrier_with_no_pick_up_during_the_run_collects_nothing_and_the_run_says_so():
    """Pick-ups on Wednesdays only, a run from Saturday to Tuesday: nothing ships (it
    used to ship at once, as if the carrier collected continuously, cut-off ignored)."""
    d = tiny_data({"horizon.start_weekday": "sat", "horizon.days": 4, "horizon.drain_days": 0,
                   "carriers.ground.pickup_days": ["wed"]})
    result = sim.run(validate_data(d), seed=1)
    sh = result.shipments
    assert len(sh) and sh["labelled_h"].notna().any()
    assert sh["shipped_h"].isna().all()
    said = [w for w in result.summary["warnings"] if w.startswith("carriers.ground: no pick-up during the run")]
    assert len(said) == 1 and "west, east" in said[0]


def test_a_carrier_collecting_continuously_ships_at_labelling_every_day():
    d = tiny_data({"carriers.ground.pickup_times_h": [], "carriers.ground.pickup_days": ["wed"]})
    sh = run_replication(validate_data(d), 0, 1).shipments
    shipped = sh[sh["shipped_h"].notna()]
    assert len(shipped) and (shipped["shipped_h"] == shipped["labelled_h"]).all()
    assert ((shipped["shipped_h"] // 24) % 7 != 2).any()  # (not only on Wednesdays: days do not apply)
