"""What the page shows of a run (sim.ui.figures, sim.ui.runs, sim.ui.pinning; no
Streamlit needed): the distributions count what the KPI module counts, the cache gives
the same numbers as a fresh run and runs only what it lacks, the comparison is
``fsim compare``'s paired difference."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
import sim.experiment
from sim.analysis import paired_difference
from sim.ui.figures import (
    ALL,
    censored_kpis,
    distributions,
    ecdf_frame,
    histogram_frame,
    kpi_table,
    pool_series,
    saturated_text,
)
from sim.ui.pinning import comparison, differences_table, pin, run_command, scenario_changes
from sim.ui.runs import ResultCache, report_html, run_cached, run_key

from .conftest import tiny


@pytest.fixture(scope="module")
def one_rep():
    return sim.run(tiny(), replications=1, seed=5)


@pytest.fixture(scope="module")
def two_reps():
    return sim.run(tiny(), replications=2, seed=5)


def kpi(result, name):
    return result.summary["kpis"][name]["mean"]


def test_distributions_count_what_the_kpis_count(two_reps):
    """Per site and per channel: the orders a lead-time distribution covers are those
    placed, less cancelled and lost; those drawn are those delivered; for warehouse
    time, those drawn are those shipped (orders_* KPIs, per replication, summed)."""
    reps = two_reps.summary["replications"]

    def total(name):  # the KPI summed over replications (its mean times their number)
        return round(kpi(two_reps, name) * reps)

    for by, groups in (("site", two_reps.scenario.sites), ("channel", list(two_reps.scenario.demand.channels))):
        lead = {d.group: d for d in distributions(two_reps, "lead", by)}
        shipped = {d.group: d for d in distributions(two_reps, "warehouse", by)}
        assert set(lead) == set(groups)
        for g in groups:
            assert lead[g].total == total(f"orders_placed_{g}") - total(f"orders_cancelled_{g}") - total(f"orders_lost_{g}")
            assert len(lead[g].done) == total(f"orders_delivered_{g}")
            assert lead[g].unfinished == total(f"orders_undelivered_at_end_{g}")
            assert len(shipped[g].done) == total(f"orders_shipped_{g}")
    (everything,) = distributions(two_reps, "lead", None)
    assert everything.group == ALL
    assert len(everything.done) == total("orders_delivered")


def test_the_ecdf_crosses_the_kpi_percentiles(one_rep):
    """One replication: the share of orders delivered within the lead-time p50 and p90
    the KPI module reports is 0.5 and 0.9, to one order (the KPI interpolates)."""
    for d in distributions(one_rep, "lead", "site"):
        for q in (50, 90):
            entry = one_rep.summary["kpis"][f"lead_time_hours_p{q}_{d.group}"]
            if entry.get("censored"):
                continue
            within = np.searchsorted(d.done, entry["mean"], side="right") / d.total
            assert abs(within - q / 100) <= 1.5 / d.total, (d.group, q, within)
    frame = ecdf_frame(distributions(one_rep, "lead", "site"), points=50)
    for _, rows in frame.groupby("group"):
        assert rows["hours"].is_monotonic_increasing and rows["share"].is_monotonic_increasing
        assert len(rows) <= 50 and rows["share"].max() <= 1


def test_histogram_shares_add_up_to_one_per_group(two_reps):
    hist = histogram_frame(distributions(two_reps, "warehouse", "channel"), bins=30)
    for _, rows in hist.groupby("group"):
        assert rows["share"].sum() == pytest.approx(1.0)
        assert (rows["end_h"] > rows["start_h"]).all()


def test_pool_series_covers_each_site_and_pool_over_the_run(two_reps):
    series = pool_series(two_reps)
    assert set(map(tuple, series[["site", "pool"]].drop_duplicates().to_numpy())) == {
        (s, p) for s in two_reps.scenario.sites for p in ("pickers", "packers")}
    assert series["day"].min() == 0
    assert series["day"].max() >= two_reps.scenario.horizon.days - 1
    assert (series["queue_length"] >= 0).all()


def test_kpi_table_cells_are_the_summary_as_fsim_run_prints_it(two_reps):
    summary, sc = two_reps.summary, two_reps.scenario
    sites, channels = sc.sites, list(sc.demand.channels)
    table = kpi_table(summary, sites, channels, "site")
    assert list(table.columns) == [ALL, *sites]
    entry = summary["kpis"]["on_time_delivery_pct_east"]
    cell = table.loc["on-time delivery (%)", "east"]
    assert cell == f"{entry['mean']:,.1f} [{entry['ci95_low']:,.1f}, {entry['ci95_high']:,.1f}]"
    assert "pickers busy (% of on-duty time)" in table.index
    assert "pickers busy (% of on-duty time)" not in kpi_table(summary, sites, channels, "channel").index


def test_censored_and_saturated_flags_are_said():
    summary = {"replications": 3, "saturated_pools": {"east.pickers": 2},
               "kpis": {"lead_time_hours_p95": {"censored": True, "lower_bound": 120.0, "mean": None},
                        "lead_time_hours_mean": {"mean": 80.0, "ci95_low": 70.0, "ci95_high": 90.0}}}
    assert censored_kpis(summary) == ["lead_time_hours_p95"]
    assert saturated_text(summary)[0].startswith("east pickers: cannot keep up in 2 of 3")
    table = kpi_table(summary, ["east"], [], "site")
    assert table.loc["lead time, 95th percentile (h)", ALL] == "above 120.0 (censored)"
    assert table.loc["lead time, mean (h)", ALL] == "80.0 [70.0, 90.0]"


def test_the_cache_gives_a_fresh_runs_numbers_and_runs_only_what_it_lacks(monkeypatch, two_reps):
    ran = []
    real = sim.experiment.run_one

    def counting(scenario, replication, seed, *args, **kwargs):
        ran.append(replication)
        return real(scenario, replication, seed, *args, **kwargs)

    monkeypatch.setattr(sim.experiment, "run_one", counting)
    cache = ResultCache()
    scenario = tiny()
    first = run_cached(scenario, 1, 5, cache)
    assert ran == [0]
    again = run_cached(scenario, 2, 5, cache)  # one more replication: only replication 1 runs
    assert ran == [0, 1]
    assert run_cached(scenario, 2, 5, cache) is again and ran == [0, 1]
    assert cache.has(run_key(scenario, 5, 1)) and cache.has(run_key(scenario, 5, 2))
    assert not cache.has(run_key(scenario, 6, 1))
    assert again.scenario.seed == 5 != scenario.seed  # (the seed it ran with, as fsim run --seed records)
    fresh = two_reps.kpis.drop(columns="replication")
    np.testing.assert_array_equal(again.kpis.drop(columns="replication").to_numpy(), fresh.to_numpy())
    assert first.summary["kpis"]["orders_placed"]["per_replication"] == \
        two_reps.summary["kpis"]["orders_placed"]["per_replication"][:1]


def test_the_cache_forgets_the_least_recently_used():
    cache = ResultCache(max_scenarios=2, max_results=1)
    scenarios = [tiny({"demand.channels.web.orders_per_day": n}) for n in (50, 60, 70)]
    for sc in scenarios:
        run_cached(sc, 1, 1, cache)
    assert not cache.has(run_key(scenarios[0], 1, 1))
    assert cache.has(run_key(scenarios[2], 1, 1)) and cache.has(run_key(scenarios[1], 1, 1))


def test_the_report_is_the_html_report_of_the_run(one_rep):
    page = report_html(one_rep, figures=False)
    assert page.startswith("<!DOCTYPE html>")
    assert "Run: tiny" in page and "lead_time_hours_mean" in page
    # Named after the run, not the temporary folder it was written to (and deleted).
    assert "<title>tiny (a run of fsim ui): fsim run report</title>" in page and "fsim-ui-" not in page


def test_comparison_is_the_paired_difference_of_the_replications(two_reps):
    other = sim.run(tiny({"warehouses.east.staff.pickers": 2}), replications=2, seed=5)
    a, b = pin(two_reps, "pinned", "tiny", "cmd a"), pin(other, "current", "tiny", "cmd b")
    table, reason = comparison(a, b, None)
    assert reason is None  # same seed: paired
    row = table[table["kpi"] == "lead_time_hours_mean"].iloc[0]
    expected = paired_difference(two_reps.kpis["lead_time_hours_mean"], other.kpis["lead_time_hours_mean"])
    assert row["diff_mean"] == pytest.approx(expected.mean)
    assert row["diff_ci95_low"] == pytest.approx(expected.ci95_low)
    assert bool(row["paired"]) and row["n"] == 2
    by_site, _ = comparison(a, b, "site")
    assert {"all", "east", "west"} <= set(by_site["site"])
    changes = scenario_changes(a, b)
    assert changes.to_dict("records") == [{"setting": "warehouses.east.staff.pickers", "pinned": "3", "current": "2"}]
    unpaired = pin(sim.run(tiny(), replications=2, seed=6), "current", "tiny", "cmd c")
    table, reason = comparison(a, unpaired, None)
    assert "seeds differ" in reason and not table["paired"].any()
    assert not math.isnan(table["diff_ci95_low"].iloc[0])


def test_the_differences_table_keeps_the_digits_that_tell_runs_apart():
    """A pack wait of 0.1803 h against 0.2177 h printed as 0.2 against 0.2 (the unit's
    decimals), a difference of -0.04 as "-0.0"; under Welch's interval the count is the
    smaller run's, not "pairs". KPIs are named in the page's plain words (a planner
    found the raw names, without units, on this page alone)."""
    import pandas as pd

    rows = pd.DataFrame([
        {"kpi": "pack_wait_hours_mean", "mean_a": 0.1803, "mean_b": 0.2177, "diff_mean": 0.0374,
         "diff_ci95_low": 0.0101, "diff_ci95_high": 0.0647, "n": 2, "paired": True, "significant": True},
        {"kpi": "lead_time_hours_mean", "mean_a": 96.41, "mean_b": 96.39, "diff_mean": -0.02199,
         "diff_ci95_low": -0.09841, "diff_ci95_high": 0.05442, "n": 2, "paired": True, "significant": False},
    ])
    shown = differences_table(rows, None, ["west", "east"], ["web"]).set_index("KPI")
    assert shown.loc["wait to be packed, mean (h)", ["pinned", "current"]].tolist() == ["0.180", "0.218"]
    assert shown.loc["lead time, mean (h)", ["pinned", "current"]].tolist() == ["96.4", "96.4"]  # (3 digits)
    assert shown.loc["lead time, mean (h)", "current − pinned"] == "-0.0220"
    assert shown.loc["lead time, mean (h)", "95% CI"] == "[-0.0984, 0.0544]"
    assert list(shown.columns)[-1] == "pairs"
    censored = rows.assign(mean_b=[float("nan"), 96.39], lower_bound_b=[0.25, float("nan")])
    shown = differences_table(censored, None, ["west", "east"], ["web"]).set_index("KPI")
    assert shown.loc["wait to be packed, mean (h)", "current"] == "above 0.250 (censored)"
    welch = differences_table(rows.assign(paired=False), None, ["west", "east"], ["web"])
    assert "pairs" not in welch.columns and welch["n (smaller run)"].tolist() == [2, 2]


def test_a_value_rounded_to_zero_has_no_minus_sign():
    from sim.cli.tables import fmt

    assert [fmt(-0.3, 0), fmt(-0.004, 2), fmt(-0.0, 1), fmt(-1.5, 0), fmt(-0.6, 0)] == ["0", "0.00", "0.0", "-2", "-1"]


def test_the_current_run_is_shown_with_its_own_command(two_reps):
    """The page's runs record their command: the Compare page shows it, not the levers'
    command (which may have changed since)."""
    ran = sim.run(tiny(), replications=1, seed=5,
                  provenance={"command": ["fsim", "run", "tiny.yaml", "--set", "a.b=5", "-r", "1"]})
    assert run_command(ran, "levers") == "fsim run tiny.yaml --set a.b=5 -r 1"
    assert run_command(sim.run(tiny(), replications=1, seed=5), "levers") == "levers"
