"""The warnings a run adds about what its KPIs cannot show on their own: censored
percentiles are named pooled and per site or channel (a site that cannot keep up can
have its percentiles censored while the pooled ones are not)."""

from __future__ import annotations

import sim
from sim.experiment import _censored_names

from .conftest import SCENARIOS

SITES, CHANNELS = ["west", "east"], ["web", "marketplace"]


def test_a_site_censored_alone_is_named():
    names = ["lead_time_hours_p50_east", "lead_time_hours_p90_east", "warehouse_hours_p50_east"]
    assert _censored_names(names, SITES, CHANNELS) == (
        "per site or channel, east: lead_time_hours_p50/p90, warehouse_hours_p50")


def test_pooled_first_then_each_site_and_channel():
    names = sorted(["lead_time_hours_p99", "lead_time_hours_p99_web", "lead_time_hours_p95_web",
                    "lead_time_hours_p99_west"])
    assert _censored_names(names, SITES, CHANNELS) == (
        "lead_time_hours_p99; per site or channel, web: lead_time_hours_p95/p99; "
        "west: lead_time_hours_p99")


def test_a_run_names_the_site_whose_percentiles_are_censored():
    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml", {
        "horizon.days": 8, "horizon.warmup_days": 2, "horizon.drain_days": 6,
        "warehouses.east.staff.pickers": {"day": 5, "evening": 5}})
    result = sim.run(scenario, replications=1, seed=3)
    kpis = result.summary["kpis"]
    censored_east = sorted(k for k in kpis if k.endswith("_east") and kpis[k].get("censored"))
    assert censored_east  # (the case)
    line = next(w for w in result.summary["warnings"] if w.startswith("censored"))
    east = line.split("east: ", 1)[1].split(";", 1)[0]
    for name in censored_east:
        stem, _, q = name.removesuffix("_east").rpartition("_")
        assert stem in east and q in east, (name, line)
