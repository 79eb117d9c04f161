"""Conservation over random valid scenarios (hypothesis): every order ends in exactly one
status, every parcel's timestamps are in order and none lies after the end of the run,
parcels add up to their orders, and stock units are conserved."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.world import run_replication
from sim.scenario.inventory import InventoryConfig

from .conftest import note, tiny
from .invariants import check_replication


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
    check_replication(result)
    note("invariant_examples")
    note("invariant_orders", len(result.orders))
    orders, sh = result.orders, result.shipments
    if pickers == 0:
        assert sh.loc[sh["site"] == "west", "pick_start_h"].isna().all()  # nobody to pick
    if moq == "round_up":
        assert (orders.loc[orders["channel"] == "wholesale", "units"] >= 12).all()
