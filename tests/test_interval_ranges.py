"""A KPI's 95% interval never reaches values the KPI cannot take: a share above 100%,
a count or a wait below 0 (a t-interval over a few replications near a bound does),
in a run's summary, a sweep's points and fsim staff's estimates; its mean and the
half-width that --precision reads are the t-interval's own."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.analysis import half_width
from sim.kpis.registry import value_range
from sim.staffing.planner import estimate
from sim.stats import mean_ci95, summarise_kpis
from sim.sweep.tables import points_table

# Per replication: a share near 100, a rare count, a short wait, a trend of either sign.
VALUES = {
    "same_day_ship_pct_west": [99.9, 92.0, 99.5],
    "orders_lost_west": [0.0, 30.0, 2.0],
    "pack_wait_hours_mean": [0.05, 0.9, 0.1],
    "backlog_trend_per_day_packers_east": [-3.0, 4.0, -1.0],
    "csat_mean": [4.99, 4.2, 4.98],
}


def test_the_ranges_come_from_the_kpis_units():
    assert value_range("same_day_ship_pct_west") == (0, 100)
    assert value_range("dissatisfied_pct_wrong_item") == (0, 100)  # (a family member)
    assert value_range("orders_lost_west") == (0, math.inf)
    assert value_range("csat_mean") == (1, 5)
    assert value_range("backlog_trend_per_day_packers_north_east") == (-math.inf, math.inf)
    assert value_range("no_such_kpi") == (-math.inf, math.inf)


def test_a_runs_summary_cuts_its_intervals_to_the_kpis_range():
    frame = pd.DataFrame({"replication": [0, 1, 2], **VALUES})
    out = summarise_kpis(frame)
    for name, values in VALUES.items():
        mean, low, high = mean_ci95(values)
        lo, hi = value_range(name)
        entry = out[name]
        assert entry["mean"] == mean  # (the mean is untouched)
        assert entry["ci95_low"] == max(low, lo) and entry["ci95_high"] == min(high, hi)
    # The raw t-intervals did pass the bounds: the case this is about.
    assert mean_ci95(VALUES["same_day_ship_pct_west"])[2] > 100
    assert mean_ci95(VALUES["orders_lost_west"])[1] < 0
    assert out["same_day_ship_pct_west"]["ci95_high"] == 100
    assert out["orders_lost_west"]["ci95_low"] == 0
    assert out["backlog_trend_per_day_packers_east"]["ci95_low"] < 0  # (a trend may fall)
    assert out["csat_mean"]["ci95_high"] == 5


def test_a_sweeps_points_and_staffings_estimates_cut_them_too():
    runs = pd.DataFrame({"pickers": [3.0] * 3, "point": [0] * 3, "replication": [0, 1, 2],
                         "seed": [1] * 3, **VALUES, "error": [None] * 3})
    points = points_table(runs, ["pickers"]).set_index("kpi")
    assert points.loc["same_day_ship_pct_west", "ci95_high"] == 100
    assert points.loc["orders_lost_west", "ci95_low"] == 0
    e = estimate(VALUES["same_day_ship_pct_west"], 0.95, "same_day_ship_pct_west")
    assert e.ci_high == 100 and e.ci_low == pytest.approx(mean_ci95(VALUES["same_day_ship_pct_west"])[1])
    assert estimate(VALUES["pack_wait_hours_mean"], 0.95, "pack_wait_hours_mean").ci_low == 0


def test_precision_still_reads_the_t_intervals_half_width():
    mean, low, high = mean_ci95(VALUES["orders_lost_west"])
    assert half_width(VALUES["orders_lost_west"])[1] == pytest.approx((high - low) / 2)


def test_a_comparisons_difference_of_shares_stays_within_100_points():
    """same_day_ship_pct fell 88 points: with few replications its interval read
    [-116.7, -59.2]. Two shares differ by at most 100 points; a count has no such bound."""
    from sim.paired import RunData, comparison_rows

    def run(label, kpis):
        return RunData(label, {"seed": 1, "kpis": {k: {"per_replication": v} for k, v in kpis.items()}},
                       None, label)
    a = run("a", {"same_day_ship_pct_east": [97.0, 96.0, 98.0], "orders_lost": [10.0, 40.0, 20.0]})
    b = run("b", {"same_day_ship_pct_east": [2.0, 15.0, 10.0], "orders_lost": [200.0, 90.0, 30.0]})
    rows = [("same_day_ship_pct", "east", "same_day_ship_pct_east"), ("orders_lost", "all", "orders_lost")]
    table = comparison_rows([a, b], rows, "site")[0].set_index("kpi")
    share = table.loc["same_day_ship_pct"]
    assert share["diff_mean"] == -88.0 and share["diff_ci95_low"] == -100.0 and share["significant"]
    raw = mean_ci95([2.0 - 97.0, 15.0 - 96.0, 10.0 - 98.0])
    assert raw[1] < -100 and share["diff_ci95_high"] == raw[2]
    count = table.loc["orders_lost"]
    assert (count["diff_ci95_low"], count["diff_ci95_high"]) == mean_ci95([190.0, 50.0, 10.0])[1:]
