"""Invariants under random valid scenarios (hypothesis), across every feature: channels
with minimum quantities and priorities, payment retries, nearest and fixed routing,
every picking method (single, batch by orders or totes, zone parallel or pick-and-pass,
waves of each kind) with scanning, stock with every fallback and backorder policy,
carriers with exceptions, bulk labels, remedies and returns. Each run (at most two
simulated days) must raise nothing and satisfy :mod:`tests.invariants`: every order in
exactly one status, units conserved, stock never negative, timestamps in order and
none after the end; KPIs that are percentages lie in [0, 100]. A few examples also check
that the same seed gives the same output and that two worker processes give it too.

``FSIM_HYPOTHESIS_EXAMPLES`` raises the number of examples for a longer soak."""

from __future__ import annotations

import math
import os

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.kpis.registry import KPIS, base_of
from sim.model.world import run_replication
from sim.scenario import validate_data

from .conftest import note, tiny_data
from .invariants import check_replication

EXAMPLES = int(os.environ.get("FSIM_HYPOTHESIS_EXAMPLES", "120"))
LAYOUT = {"aisles": 8, "aisle_length_m": 15, "aisle_spacing_m": 3, "locations_per_side": 40,
          "routing": "s_shape", "storage": "random"}


@st.composite
def scenarios(draw) -> dict:
    d = tiny_data({"horizon.days": draw(st.sampled_from([1.0, 1.5, 2.0])),
                   "horizon.warmup_days": 0.5,
                   "horizon.drain_days": draw(st.sampled_from([0.0, 1.0, 4.0])),
                   "catalogue.skus": 120,
                   "catalogue.fragile_share": draw(st.sampled_from([0.0, 0.3]))})
    web = d["demand"]["channels"]["web"]
    web["orders_per_day"] = draw(st.floats(0, 500))
    web["priority"] = draw(st.integers(0, 2))
    web["expedited_share"] = draw(st.sampled_from([0.0, 0.3]))
    if web["expedited_share"]:
        web["expedited_service"] = "express"
    d["demand"]["channels"]["wholesale"]["moq_policy"] = draw(st.sampled_from(["reject", "round_up"]))
    d["payment"].update({"decline_prob": draw(st.floats(0, 0.4)), "retry_prob": draw(st.floats(0, 1)),
                         "max_attempts": draw(st.integers(1, 3))})
    if draw(st.booleans()):
        d["routing"] = {"policy": "fixed", "region_to_site": {"CA": "east", "NY": "west"}}
    d["carriers"]["ground"].update({
        "pickup_times_h": draw(st.sampled_from([[], [17.0], [9.0, 13.5, 18.0]])),
        "lost_prob": draw(st.floats(0, 0.1)), "damaged_prob": draw(st.floats(0, 0.1)),
        "late_prob": draw(st.floats(0, 0.3)), "address_problem_prob": draw(st.floats(0, 0.1))})
    d["carriers"]["express"] = {"pickup_times_h": [18.5],
                               "zones": [{"max_km": 20000, "transit_business_days": 1}]}
    for site in ("west", "east"):
        wh = d["warehouses"][site]
        wh["shipping"]["services"] = ["express"]
        wh["staff"]["pickers"] = draw(st.integers(0, 4))
        wh["staff"]["packers"] = draw(st.integers(1, 3))
        p = wh["picking"]
        method = draw(st.sampled_from(["single", "batch", "zone", "wave"]))
        if method != "single" or draw(st.booleans()):
            p.pop("travel_time_s", None)
            p["layout"] = dict(LAYOUT)
        p["method"] = method
        p["error_prob_per_line"] = draw(st.floats(0, 0.1))
        p["verification"] = {"at_pick": draw(st.booleans()), "at_pack": draw(st.booleans())}
        if method in ("batch", "wave"):
            totes = draw(st.booleans())
            p["batch"] = {"max_orders": draw(st.integers(1, 6)), "max_wait_min": draw(st.sampled_from([0, 20])),
                          "sort": draw(st.sampled_from(["while_pick", "after_pick"])),
                          "sort_error_prob_per_unit": draw(st.sampled_from([0.0, 0.02])),
                          **({"capacity": "totes", "max_totes": 4, "units_per_tote": 5} if totes else {})}
        if method in ("zone", "wave"):
            wh["staff"]["pickers"] = max(wh["staff"]["pickers"], 2)
            p["zone"] = {"zones": 2, "mode": draw(st.sampled_from(["parallel", "pick_and_pass"]))}
        if method == "wave":
            within = draw(st.sampled_from(["single", "batch", "zone"]))
            schedules = [{"every_min": 45}, {"times_h": [8, 12, 16]}]
            if d["carriers"]["ground"]["pickup_times_h"]:  # (a continuous carrier has no cut-off)
                schedules.append({"align_to_cutoffs": True})
            schedule = draw(st.sampled_from(schedules))
            p["wave"] = {**schedule, "within": within,
                         "wait_for_previous": draw(st.booleans()), "timeout_min": 30}
        if draw(st.booleans()):
            wh["shipping"]["labels"] = "bulk"
            wh["shipping"]["bulk"] = {"every_orders": draw(st.integers(1, 10)), "every_min": 20}
    remedy = draw(st.sampled_from(["refund", "reship"]))
    d["remedies"] = {"lost": remedy, "damaged": remedy, "wrong_item": remedy,
                     "late_discount": 5, "max_reships": draw(st.integers(0, 2))}
    stock = draw(st.sampled_from([None, ("backorder", "wait"), ("other_site", "cancel_after"),
                                  ("split", "wait"), ("backorder", "ship_available"),
                                  ("split", "ship_available"), ("other_site", "wait")]))
    if stock is not None:
        fallback, backorder = stock
        d["inventory"] = {"initial_days_of_cover": draw(st.sampled_from([0.5, 2.0])), "fallback": fallback,
                          "backorder": backorder,
                          "replenishment": {"policy": draw(st.sampled_from(["RQ", "sS"])),
                                            "reorder_point": "auto", "service_z": 0,
                                            "supplier_lead_time_days": {"dist": "uniform", "low": 0, "high": 1}}}
        rep = d["inventory"]["replenishment"]
        rep["order_quantity_days" if rep["policy"] == "RQ" else "order_up_to_days"] = 1.0
        if backorder == "cancel_after":
            d["inventory"]["cancel_after_days"] = 0.5
        d["returns"] = {"inspection_time_days": 0.2, "restock_prob": 0.9}
    return d


def check_kpis(values: dict[str, float], sites: list[str], channels: list[str]) -> None:
    for name, v in values.items():
        base, _, _ = base_of(name, sites, channels)
        kpi = KPIS.get(base)
        if kpi is not None and kpi.unit == "%" and not math.isnan(v):
            assert -1e-9 <= v <= 100 + 1e-9, (name, v)
        if base.startswith(("orders_", "queue_length", "backlog_at_end")) and not math.isnan(v):
            assert v >= 0, (name, v)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])
@given(data=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_every_feature_keeps_the_invariants(data, seed):
    scenario = validate_data(data)
    result = run_replication(scenario, 0, seed)
    check_replication(result)
    note("invariant_examples")
    note("invariant_orders", len(result.orders))
    if len(result.stock_levels):
        assert (result.stock_levels["units_on_hand"] >= 0).all()
    from sim.kpis import replication_kpis

    check_kpis(replication_kpis(result, scenario).values, scenario.sites, list(scenario.demand.channels))


@settings(max_examples=max(EXAMPLES // 20, 4), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=scenarios(), seed=st.integers(0, 2**31 - 1))
def test_same_seed_same_output_in_one_process_or_two(data, seed):
    scenario = validate_data(data)
    serial = sim.run(scenario, replications=2, seed=seed)
    again = sim.run(scenario, replications=2, seed=seed)
    parallel = sim.run(scenario, replications=2, seed=seed, workers=2)
    for other in (again, parallel):
        pd.testing.assert_frame_equal(serial.orders, other.orders)
        pd.testing.assert_frame_equal(serial.shipments, other.shipments)
        pd.testing.assert_frame_equal(serial.kpis, other.kpis)
    note("determinism_examples")
