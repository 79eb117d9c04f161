"""What fsim validate warns about, checked against the simulation itself.

The capacity check: a pool whose work, counted low, needs more hours a day than its
people are on duty cannot keep up; the work it counts is what the run keeps the pool
busy with, and a pool it says will saturate does. A site no order is routed to."""

from __future__ import annotations

import pytest

import sim
from sim.cli import main
from sim.model.warnings import capacity_warnings, pool_work

from .conftest import SCENARIOS


def _baseline(**over):
    return sim.load_scenario(SCENARIOS / "baseline.yaml", {"horizon.days": 21, "horizon.warmup_days": 7, **over})


def _busy_h_per_day(result, pool: str, site: str, on_duty_h_per_day: float) -> float:
    return result.summary["kpis"][f"utilization_pct_{pool}_{site}"]["mean"] / 100 * on_duty_h_per_day


def test_the_work_counted_is_the_work_the_run_keeps_the_pools_busy_with():
    """Single-order picking and packing with single labels: the sample's work per day
    is the run's busy hours per day (utilisation x on-duty hours; the run adds reships,
    ~2%), within 8%."""
    scenario = _baseline()
    result = sim.run(scenario, replications=2, seed=3)
    assert not result.summary["saturated_pools"]
    for w in pool_work(scenario):
        busy = _busy_h_per_day(result, w.pool, w.site, w.on_duty_h_per_day)
        assert w.work_h_per_day == pytest.approx(busy, rel=0.08), (w, busy)


def test_with_batches_the_work_counted_is_a_lower_bound():
    scenario = sim.load_scenario(SCENARIOS / "picking" / "batch.yaml", {"horizon.days": 21})
    result = sim.run(scenario, replications=1, seed=3)
    pickers = [w for w in pool_work(scenario) if w.pool == "pickers"]
    assert pickers and all("no set-up or walking" in w.what for w in pickers)
    for w in pickers:
        assert 0 < w.work_h_per_day < _busy_h_per_day(result, "pickers", w.site, w.on_duty_h_per_day)


@pytest.mark.parametrize(("pool", "short", "enough"), [("pickers", 4, 6), ("packers", 3, 5)])
def test_a_pool_said_to_fall_short_saturates_and_one_with_enough_people_is_not_warned(
        pool, short, enough, tmp_path, capsys):
    path = f"warehouses.east.staff.{pool}"
    scenario = _baseline(**{path: short})
    [warning] = capacity_warnings(scenario)
    assert warning.startswith(f"{path}: ") and "cannot keep up" in warning
    # Its order count is the sample's paid orders, not the expected orders placed that
    # the warning of a pool with nobody gives: it says so (a new user saw two counts).
    assert "paid orders a day at site 'east' in a sampled 7 days of its demand" in warning
    assert main(["validate", str(SCENARIOS / "baseline.yaml"), "--set", f"{path}={short}"]) == 0
    assert warning in capsys.readouterr().err  # (fsim validate prints it; still valid)
    result = sim.run(scenario, replications=1, seed=3)
    assert result.summary["saturated_pools"] == {f"east.{pool}": 1}
    assert capacity_warnings(_baseline(**{path: enough})) == []


def test_zone_pickers_on_duty_are_the_people_of_every_zone():
    """With pickers_per_zone, the site's picker hours are those of the zones' people."""
    path = SCENARIOS / "picking" / "zone.yaml"
    default = sim.load_scenario(path)
    per_zone = sim.load_scenario(path, {"warehouses.east.picking.zone.pickers_per_zone": [3, 2]})
    site_count = default.warehouses["east"].staff.head_count("pickers")
    assert len(set(site_count.values())) == 1  # (the same count on every shift)

    def on_duty(scenario):
        return next(w.on_duty_h_per_day for w in pool_work(scenario) if (w.site, w.pool) == ("east", "pickers"))

    assert on_duty(per_zone) / on_duty(default) == pytest.approx(5 / next(iter(site_count.values())))


def test_a_site_no_order_is_routed_to_is_named(tmp_path, capsys):
    """A third site at the west's own address gets no region (a tie goes to the site
    listed first): fsim validate says so, and the run routes it no order; named by
    region_to_site it gets some and no warning."""
    import yaml

    from sim.model.warnings import idle_site_warnings

    west = sim.load_scenario(SCENARIOS / "baseline.yaml").warehouses["west"]
    extra = {"location": {"name": "beside west", "lat": west.location.lat, "lon": west.location.lon},
             "staff": {"pickers": 2, "packers": 2},
             "picking": {"method": "single", "setup_time_s": 45, "travel_time_s": 100, "time_per_line_s": 20},
             "packing": {"time_per_order_s": 95, "time_per_unit_s": 8},
             "shipping": {"carrier": "ground", "label_time_s": 15}}
    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump({"extends": str(SCENARIOS / "baseline.yaml"),
                                    "horizon": {"days": 10, "warmup_days": 2, "drain_days": 5},
                                    "warehouses": {"extra": extra}}))
    assert main(["validate", str(path)]) == 0
    assert "warehouses.extra: no order is routed to site 'extra'" in capsys.readouterr().err
    result = sim.run(sim.load_scenario(path), seed=1)
    assert set(result.orders["site"].astype(str)) == {"west", "east"}
    named = sim.load_scenario(path, {"routing.policy": "fixed", "routing.region_to_site": {"CA": "extra"}})
    assert idle_site_warnings(named) == []
    assert idle_site_warnings(sim.load_scenario(SCENARIOS / "baseline.yaml")) == []
