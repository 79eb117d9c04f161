"""Stock inside the model: orders take their units from their site's stock or wait on
backorder (first come first served), replenishment restores it, returned units go back
on the shelf, and the inventory statement balances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.world import run_replication
from sim.scenario import validate_data

from .conftest import tiny_data
from .invariants import check_replication, check_stock


def inventory(**over) -> dict:
    cfg = {"initial_units": 6,
           "replenishment": {"policy": "RQ", "reorder_point": 2, "order_quantity": 6,
                             "supplier_lead_time_days": 3}}
    cfg.update(over)
    return cfg


def scenario(skus: int = 60, **over):
    d = tiny_data({"catalogue.skus": skus, "horizon.days": 8, "horizon.drain_days": 20})
    d["inventory"] = inventory(**over)
    return validate_data(d)


def lines_units(orders: pd.DataFrame) -> int:
    return int(orders["units"].sum())


def test_scarce_stock_makes_backorders_served_in_order():
    # One SKU: every backorder at a site wants it, so arrival order must hold overall.
    r = run_replication(scenario(skus=1, initial_units=20, replenishment={
        "policy": "RQ", "reorder_point": 10, "order_quantity": 40, "supplier_lead_time_days": 2}), 0, 1)
    o = r.orders
    waited = o[o["backordered_h"].notna()]
    assert len(waited) > 20
    filled = waited[waited["backorder_filled_h"].notna()]
    # Picked only once the stock came in.
    assert (filled["pick_start_h"].dropna() >= filled.loc[filled["pick_start_h"].notna(), "backorder_filled_h"]).all()
    # First come, first served at each site: filling order = arrival order.
    for _, g in filled.groupby("site", observed=True):
        g = g.sort_values("backordered_h", kind="stable")
        assert (np.diff(g["backorder_filled_h"].to_numpy()) >= -1e-9).all()
    # Orders that never needed to wait went straight to picking.
    straight = o[o["paid_h"].notna() & o["backordered_h"].isna()]
    assert (straight["released_h"] == straight["paid_h"]).all()


def test_inventory_statement_balances_and_matches_orders():
    r = run_replication(scenario(), 0, 2)
    st = r.inventory
    for _, row in st.iterrows():
        assert row["beginning_units"] + row["receipts_units"] + row["returned_units"] - row["shipped_units"] == row["ending_units"]
        assert row["ending_units"] >= 0
        value = row["beginning_value"] + row["receipts_value"] + row["returned_value"] - row["shipped_value"]
        assert value == pytest.approx(row["ending_value"])
    # Units taken from stock = the units of every parcel made; returned units back on the
    # shelf = the units of the parcels restocked (per site).
    check_stock(r)
    sh = r.shipments
    assert st["shipped_units"].sum() == lines_units(sh)
    assert st["returned_units"].sum() == lines_units(sh[sh["restocked_h"].notna()])
    assert (r.stock_levels["units_on_hand"] >= 0).all()


def test_ample_stock_fills_every_order_at_once():
    s = scenario(initial_units=10_000)
    result = sim.run(s, seed=3)
    k = result.summary["kpis"]
    assert k["fill_rate_pct"]["mean"] == 100 and k["backorder_rate_pct"]["mean"] == 0
    # And the flow is the one without stock keeping (common random numbers).
    free = sim.run(validate_data({**tiny_data({"catalogue.skus": 60, "horizon.days": 8,
                                               "horizon.drain_days": 20})}), seed=3)
    pd.testing.assert_series_equal(result.orders["picked_h"], free.orders["picked_h"])


def test_zero_lead_time_reorder_point_above_any_order_never_backorders():
    """RQ with zero supplier lead time: a reorder point at least the largest order's
    units for one SKU keeps every order fillable."""
    s = scenario(initial_units=0, replenishment={"policy": "RQ", "reorder_point": 400,
                                                 "order_quantity": 50, "supplier_lead_time_days": 0})
    r = run_replication(s, 0, 4)
    assert r.orders["backordered_h"].isna().all()


def test_backorders_are_cancelled_after_n_days():
    s = scenario(backorder="cancel_after", cancel_after_days=1,
                 replenishment={"policy": "RQ", "reorder_point": 2, "order_quantity": 6,
                                "supplier_lead_time_days": 5})
    o = run_replication(s, 0, 5).orders
    cancelled = o[o["cancel_reason"] == "backorder_timeout"]
    assert len(cancelled) > 0
    assert (cancelled["status"] == "cancelled").all()
    assert cancelled["picked_h"].isna().all()
    assert (cancelled["backorder_filled_h"].isna()).all()


def test_kpis_and_files(tmp_path):
    s = scenario()
    result = sim.run(s, replications=1, seed=6)
    k = result.summary["kpis"]
    assert 0 < k["fill_rate_pct"]["mean"] < 100
    assert k["fill_rate_pct"]["mean"] + k["backorder_rate_pct"]["mean"] == pytest.approx(100)
    assert k["backorder_wait_hours_mean"]["mean"] > 0
    assert "stockout_days_per_sku_A" in k
    reasons = ["wrong_item", "damaged", "late", *s.returns.reasons]
    by_reason = [k[f"return_rate_pct_{r}"]["mean"] for r in reasons]
    assert len(by_reason) == 3 + 3 and sum(by_reason) == pytest.approx(k["return_rate_pct"]["mean"])
    from sim.outputs import write_results

    files = {p.name for p in write_results(result, tmp_path)}
    assert {"inventory_statement.csv", "stock_levels.parquet", "stock_levels.png",
            "returns_per_day.png"} <= files


def test_bad_inventory_input_names_the_field():
    d = tiny_data()
    d["inventory"] = inventory(replenishment={"policy": "sS", "reorder_point": 10, "order_up_to": 5,
                                              "supplier_lead_time_days": 2})
    with pytest.raises(sim.ScenarioError) as err:
        validate_data(d)
    assert "inventory.replenishment.reorder_point" in str(err.value)
    d["inventory"] = inventory(initial_units=-1)
    with pytest.raises(sim.ScenarioError) as err:
        validate_data(d)
    assert "inventory.initial_units: must be >= 0" in str(err.value)


def test_late_parcels_come_back_as_late_with_their_probability():
    d = tiny_data({"horizon.days": 20, "horizon.warmup_days": 0,
                   "demand.channels.web.return_prob": 0, "demand.channels.wholesale.return_prob": 0,
                   "carriers.ground.late_prob": 0.5, "carriers.ground.damaged_prob": 0,
                   "warehouses.west.picking.error_prob_per_line": 0,
                   "warehouses.east.picking.error_prob_per_line": 0,
                   "returns.late_return_prob": 0.3})
    result = sim.run(validate_data(d), seed=5)
    o = result.orders[result.orders["status"] == "delivered"]
    late = o["delivered_h"] > o["due_h"]
    assert late.sum() > 500 and (~late).sum() > 500
    assert not o.loc[~late, "returned"].any()  # only late parcels come back
    assert (o.loc[o["returned"], "return_reason"] == "late").all()
    rate = o.loc[late, "returned"].mean()
    assert rate == pytest.approx(0.3, abs=4 * np.sqrt(0.3 * 0.7 / late.sum()))
    # The KPI by reason: all of the return rate is "late" here.
    k = result.summary["kpis"]
    assert k["return_rate_pct"]["mean"] > 0
    assert k["return_rate_pct_late"]["mean"] == pytest.approx(k["return_rate_pct"]["mean"])
    assert k["return_rate_pct_changed_mind"]["mean"] == 0
    # The model's own reasons cannot be configured as ordinary ones.
    with pytest.raises(sim.ScenarioError, match="'late' is a reason the model decides itself"):
        validate_data(tiny_data({"returns.reasons": {"late": 0.5, "other": 0.5}}))


def test_a_site_can_keep_stock_its_own_way():
    s = scenario(sites={"west": {"initial_units": 40,
                                 "replenishment": {"policy": "sS", "reorder_point": 5, "order_up_to": 60,
                                                   "supplier_lead_time_days": 1}}})
    cfg = s.inventory
    assert cfg.for_site("west").initial_units == 40 and cfg.for_site("west").replenishment.policy == "sS"
    assert cfg.for_site("east") is cfg  # no override: the scenario-wide policy
    st = run_replication(s, 0, 3).inventory.set_index("site")
    assert st.loc["west", "beginning_units"] == 40 * 60 and st.loc["east", "beginning_units"] == 6 * 60
    # sS tops the west up to 60, so it ends with more on hand than the east's (R=2, Q=6).
    assert st.loc["west", "ending_units"] > st.loc["east", "ending_units"]
    with pytest.raises(sim.ScenarioError, match=r"inventory.sites.north: unknown site 'north'"):
        scenario(sites={"north": {"initial_units": 3}})
    with pytest.raises(sim.ScenarioError, match="inventory.sites.west.replenishment.order_up_to: must be above"):
        scenario(sites={"west": {"replenishment": {"policy": "sS", "reorder_point": "auto",
                                                   "order_up_to": 2, "supplier_lead_time_days": 3}}})


def test_automatic_reorder_point_above_order_up_to_is_caught_at_load(tmp_path):
    import yaml

    d = tiny_data({"catalogue.skus": 20})
    d["inventory"] = inventory(replenishment={"policy": "sS", "reorder_point": "auto",
                                              "order_up_to": 30, "supplier_lead_time_days": 4})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    with pytest.raises(sim.ScenarioError) as err:
        sim.load_scenario(path)
    msg = str(err.value)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "order_up_to:" in text)
    assert msg.startswith(f"{path}:{line} inventory.replenishment.order_up_to: must be above every "
                          "automatic reorder point; SKU 0 at site 'west' gets ")
    assert "got 30" in msg
    # The CLI says so before running anything: exit code 2, no traceback.
    from sim.cli import main

    assert main(["validate", str(path)]) == 2
    # A level above every reorder point is fine.
    d["inventory"]["replenishment"]["order_up_to"] = 100_000
    validate_data(d)


def test_return_rate_follows_channel_and_category():
    """Over a long run the share of delivered orders returned for ordinary reasons
    equals return_prob x the category multiplier (here every SKU is 'apparel')."""
    d = tiny_data({"horizon.days": 30, "horizon.warmup_days": 0,
                   "demand.channels.web.return_prob": 0.1,
                   "catalogue.categories": {"apparel": 1.0},
                   "returns.category_multiplier": {"apparel": 2.5},
                   "warehouses.west.picking.error_prob_per_line": 0,
                   "warehouses.east.picking.error_prob_per_line": 0,
                   "carriers.ground.damaged_prob": 0, "returns.late_return_prob": 0})
    o = run_replication(validate_data(d), 0, 7).orders
    web = o[(o["channel"] == "web") & (o["status"] == "delivered")]
    rate = web["returned"].mean()
    assert rate == pytest.approx(0.25, abs=4 * np.sqrt(0.25 * 0.75 / len(web)))
    with pytest.raises(sim.ScenarioError, match="unknown category"):
        validate_data(tiny_data({"returns.category_multiplier": {"shoes": 2}}))


def test_other_site_fallback_ships_from_the_other_coast():
    d = tiny_data({"catalogue.skus": 20, "horizon.days": 8, "horizon.drain_days": 20,
                   "demand.channels.web.regions": {"CA": 1.0},
                   "demand.channels.wholesale.regions": {"CA": 1.0}})
    d["inventory"] = inventory(initial_units=30, fallback="other_site",
                               replenishment={"policy": "RQ", "reorder_point": 2, "order_quantity": 6,
                                              "supplier_lead_time_days": 5})
    result = sim.run(validate_data(d), seed=8)
    check_replication(result)
    o, sh, k = result.orders, result.shipments, result.summary["kpis"]
    other = sh[sh["kind"] == "other_site"]
    assert len(other) > 10 and (other["site"] == "east").all()
    rerouted = o.set_index("order_id").loc[other["order_id"]]
    # Routed west (the nearest site), served whole from the east.
    assert (rerouted["site"] == "west").all() and (rerouted["served_from"] == "east").all()
    assert (rerouted["parcels"] == 1).all()
    assert (other["lines"].to_numpy() == rerouted["lines"].to_numpy()).all()
    assert (other["units"].to_numpy() == rerouted["units"].to_numpy()).all()
    assert (other["created_h"].to_numpy() == rerouted["paid_h"].to_numpy()).all()
    # Every customer order counted once; the KPI counts these parcels' orders.
    assert k["rerouted_pct"]["mean"] > 0
    total = k["fill_rate_pct"]["mean"] + k["backorder_rate_pct"]["mean"] + k["rerouted_pct"]["mean"]
    assert total == pytest.approx(100)
    placed = o[(o["placed_h"] >= 24) & (o["placed_h"] < 8 * 24)]
    assert k["orders_placed"]["mean"] == len(placed)
    paid = placed[placed["paid_h"].notna()]
    measured = other[other["order_id"].isin(paid["order_id"])]
    assert k["rerouted_pct"]["mean"] == pytest.approx(100 * len(measured) / len(paid))
    # Without the fallback nobody is rerouted.
    d["inventory"]["fallback"] = "backorder"
    assert not (sim.run(validate_data(d), seed=8).shipments["kind"] == "other_site").any()


def test_ss_with_order_up_to_days_sets_a_level_per_sku():
    s = scenario(initial_days_of_cover=3, initial_units=None,
                 replenishment={"policy": "sS", "reorder_point": "auto", "order_up_to_days": 7,
                                "supplier_lead_time_days": 2})
    r = run_replication(s, 0, 9)
    st = r.inventory
    assert (st["receipts_units"] > 0).all()
    for _, row in st.iterrows():
        assert row["beginning_units"] + row["receipts_units"] + row["returned_units"] - row["shipped_units"] == row["ending_units"]
    with pytest.raises(sim.ScenarioError, match="give exactly one"):
        scenario(replenishment={"policy": "sS", "reorder_point": 2, "order_up_to": 10,
                                "order_up_to_days": 7, "supplier_lead_time_days": 2})


def three_sites(fallback: str) -> sim.Scenario:
    """West and a central site with no stock (their supplier never comes in time), the
    east with plenty; every customer in California."""
    d = tiny_data({"catalogue.skus": 20, "horizon.days": 5, "horizon.drain_days": 15,
                   "demand.channels.web.regions": {"CA": 1.0},
                   "demand.channels.wholesale.regions": {"CA": 1.0}})
    d["warehouses"]["central"] = {**d["warehouses"]["east"], "location": {"lat": 32.78, "lon": -96.80}}
    d["inventory"] = inventory(
        initial_units=10_000, fallback=fallback,
        replenishment={"policy": "RQ", "reorder_point": 0, "order_quantity": 1,
                       "supplier_lead_time_days": 1000},
        sites={"west": {"initial_units": 0}, "central": {"initial_units": 0}})
    return validate_data(d)


@pytest.mark.parametrize("fallback", ["other_site", "split"])
def test_the_fallback_tries_every_other_site_nearest_first(fallback):
    r = run_replication(three_sites(fallback), 0, 2)
    check_replication(r)
    o, sh = r.orders, r.shipments
    served = o[o["paid_h"].notna()]
    assert len(served) > 100
    # West has nothing and the central site (nearer to California) has nothing: the
    # east ships every order, whole.
    assert (served["served_from"] == "east").all() and (served["site"] == "west").all()
    assert (sh["kind"] == "other_site").all() and (sh["site"] == "east").all()
    assert len(sh) == len(served) and served["shipped_h"].notna().all()


def test_a_fallback_to_another_site_with_one_site_is_said_to_do_nothing(tmp_path, capsys):
    """With one warehouse, fallback: other_site or split acts as backorder: the run and
    fsim validate say so (they accepted it without a word)."""
    import yaml

    from sim.cli import main
    from sim.model.warnings import scenario_warnings

    d = tiny_data({"catalogue.skus": 60})
    del d["warehouses"]["east"]
    d["inventory"] = inventory(fallback="other_site")
    one = validate_data(d)
    (said,) = [w for w in scenario_warnings(one) if w.startswith("inventory.fallback")]
    assert "one ('west')" in said and "as with fallback: backorder" in said
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False))
    assert main(["validate", str(path)]) == 0
    assert "warning: inventory.fallback: other_site ships from another site" in capsys.readouterr().err
    # Two sites, or fallback: backorder: nothing to say.
    assert not [w for w in scenario_warnings(scenario(fallback="other_site")) if w.startswith("inventory")]
    d["inventory"] = inventory(fallback="backorder")
    assert not [w for w in scenario_warnings(validate_data(d)) if w.startswith("inventory")]
