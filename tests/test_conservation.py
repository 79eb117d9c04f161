"""Conservation over random valid scenarios (hypothesis): every order placed ends in
exactly one status, its timestamps are in order, and stages never lose or invent one."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.world import run_replication
from sim.records import STATUSES, TIME_COLUMNS
from sim.scenario.inventory import InventoryConfig

from .conftest import tiny

STEPS = ["placed_h", "paid_h", "pick_start_h", "picked_h", "pack_start_h", "packed_h",
         "labelled_h", "shipped_h", "delivered_h", "returned_h"]


def check_invariants(df):
    assert set(df["status"].astype(str)) <= set(STATUSES)
    assert df["status"].notna().all()
    # Timestamps, where present, never go backwards along the flow.
    times = df[STEPS].to_numpy()
    for i in range(len(STEPS) - 1):
        a, b = times[:, i], times[:, i + 1]
        both = ~np.isnan(a) & ~np.isnan(b)
        assert (a[both] <= b[both] + 1e-9).all(), f"{STEPS[i]} after {STEPS[i + 1]}"
    # A step reached means every earlier step was reached (returns and delivery aside).
    for i in range(1, STEPS.index("shipped_h") + 1):
        later = ~np.isnan(times[:, i])
        assert (~np.isnan(times[later, i - 1])).all(), f"{STEPS[i]} without {STEPS[i - 1]}"
    status = df["status"].astype(str)
    cancelled = status == "cancelled"
    timed_out = df["cancel_reason"] == "backorder_timeout"  # paid, then waited too long
    assert df.loc[cancelled & ~timed_out, "paid_h"].isna().all()
    assert df.loc[timed_out, "paid_h"].notna().all() and df.loc[timed_out, "released_h"].isna().all()
    assert (df.loc[cancelled, "cancel_reason"].astype(str) != "").all()
    assert (df.loc[~cancelled, "cancel_reason"].astype(str) == "").all()
    delivered = status == "delivered"
    assert df.loc[delivered, "delivered_h"].notna().all()
    assert df.loc[delivered, "shipped_h"].notna().all()
    lost = status == "lost"
    # Lost: its parcel left and never arrived, or (an order shipped in parts) a part's.
    lost_part = df["order_id"].isin(df.loc[(df["part_of"] >= 0) & (df["status"] == "lost"), "part_of"])
    assert df.loc[lost & ~lost_part, "shipped_h"].notna().all()
    assert df.loc[lost & ~lost_part, "delivered_h"].isna().all()
    assert (status[lost_part] == "lost").all()
    in_progress = status == "in_progress"
    assert df.loc[in_progress, "paid_h"].notna().all()
    # In progress: not shipped, or (an order shipped in parts) a part not delivered.
    parts = df[df["part_of"] >= 0]
    waiting_part = np.zeros(len(df), dtype=bool)
    waiting_part[parts.loc[parts["delivered_h"].isna(), "part_of"].to_numpy()] = True
    assert df.loc[in_progress & ~waiting_part, "shipped_h"].isna().all()
    # Parts: a customer's order is delivered only when every part is.
    first = df.loc[parts["part_of"].to_numpy()]
    assert (~(first["status"] == "delivered").to_numpy() | parts["delivered_h"].notna().to_numpy()).all()
    assert not parts["customer_order"].any()
    assert (df["lead_time_h"].dropna() > 0).all()
    # Returns only of delivered orders, and wrong-item returns only of mis-picks.
    assert not df.loc[df["returned"], "delivered_h"].isna().any()
    wrong = df["return_reason"] == "wrong_item"
    assert df.loc[wrong, "pick_error"].all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    pickers=st.integers(0, 4),
    packers=st.integers(1, 3),
    orders_per_day=st.floats(1, 400),
    decline=st.floats(0, 0.5),
    error=st.floats(0, 0.2),
    drain=st.floats(0, 5),
    moq=st.sampled_from(["reject", "round_up"]),
    pickups=st.sampled_from([[], [17.0], [9.0, 13.5, 18.0]]),
    remedy=st.sampled_from(["refund", "reship"]),
    stock=st.sampled_from([None, ("backorder", "wait"), ("other_site", "cancel_after"),
                           ("split", "wait"), ("backorder", "ship_available"),
                           ("split", "ship_available")]),
)
def test_every_order_ends_in_exactly_one_consistent_state(
    seed, pickers, packers, orders_per_day, decline, error, drain, moq, pickups, remedy, stock
):
    scenario = tiny({
        "demand.channels.web.orders_per_day": orders_per_day,
        "demand.channels.wholesale.moq_policy": moq,
        "payment.decline_prob": decline,
        "warehouses.west.staff.pickers": pickers,
        "warehouses.east.staff.packers": packers,
        "warehouses.east.picking.error_prob_per_line": error,
        "horizon.drain_days": drain,
        "carriers.ground.pickup_times_h": pickups,
        "remedies.lost": remedy,
        "remedies.wrong_item": remedy,
    })
    if stock is not None:
        fallback, backorder = stock
        inventory = {"initial_days_of_cover": 2, "fallback": fallback, "backorder": backorder,
                     "replenishment": {"policy": "RQ", "reorder_point": "auto",
                                       "order_quantity_days": 2, "service_z": 0,
                                       "supplier_lead_time_days": {"dist": "uniform", "low": 0, "high": 3}}}
        if backorder == "cancel_after":
            inventory["cancel_after_days"] = 1
        scenario = scenario.model_copy(update={"inventory": InventoryConfig(**inventory)})
    result = run_replication(scenario, 0, seed)
    df = result.orders
    check_invariants(df)
    if stock is not None:  # units leave stock exactly as rows are released to picking
        assert result.inventory["shipped_units"].sum() == df.loc[df["released_h"].notna(), "units"].sum()
        st_ = result.inventory
        assert (st_["beginning_units"] + st_["receipts_units"] + st_["returned_units"]
                - st_["shipped_units"] == st_["ending_units"]).all()
    if pickers == 0:
        west = df[df["site"] == "west"]
        assert west["pick_start_h"].isna().all()  # nobody to pick: nothing moves
    if moq == "round_up":  # (a part of an order may be smaller)
        whole = df["customer_order"] & ~df["order_id"].isin(df["part_of"])
        assert (df.loc[(df["channel"] == "wholesale") & whole, "units"] >= 12).all()


def test_time_columns_documented_in_order():
    assert list(TIME_COLUMNS) == STEPS
