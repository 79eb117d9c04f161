"""Run size before starting: expected orders from the demand configuration (checked
against sums done by hand), and the memory check with a small fake available memory."""

from __future__ import annotations

import math

import pytest

import sim.sizing
from sim.cli import main
from sim.dists import CountConstant, CountEmpirical, CountUniform, Geometric, Poisson
from sim.errors import ScenarioError
from sim.scenario import validate_data
from sim.sizing import (
    RunEstimate,
    check_fits,
    estimate_run,
    expected_lines_per_order,
    expected_orders,
    format_bytes,
)

from .conftest import tiny_data


def _channel(days: float, start: str = "mon", **web):
    data = tiny_data({"horizon.days": days, "horizon.warmup_days": 0, "horizon.start_weekday": start})
    data["demand"]["channels"] = {"web": {"orders_per_day": 240, **web}}
    scenario = validate_data(data)
    return scenario.demand.channels["web"], scenario


def test_flat_demand_is_rate_times_days():
    channel, _ = _channel(3.5)
    assert expected_orders(channel, 3.5, "mon") == pytest.approx(240 * 3.5)


def test_hour_profile_and_partial_last_hour():
    # Orders only in hours 0-11, at twice the mean rate: 240/24 * 2 = 20 an hour.
    # 0.25 days = hours 0..5, all in the busy half: 6 * 20 = 120.
    profile = [1] * 12 + [0] * 12
    channel, _ = _channel(0.25, hour_of_day_profile=profile)
    assert expected_orders(channel, 0.25, "mon") == pytest.approx(120)
    # 1.3 days: day 0 gives 240; day 1 hours 0-6 (7 h) at 20 and 0.2 of hour 7 at 20.
    assert expected_orders(channel, 1.3, "mon") == pytest.approx(240 + 7 * 20 + 0.2 * 20)


def test_weekday_profile_follows_the_start_weekday():
    # Only Mondays: 7 times the mean day, i.e. 1,680 orders each Monday.
    channel, _ = _channel(10, day_of_week_profile=[1, 0, 0, 0, 0, 0, 0])
    assert expected_orders(channel, 10, "mon") == pytest.approx(2 * 1680)  # days 0 and 7
    assert expected_orders(channel, 7.5, "tue") == pytest.approx(1680)  # day 6 is Monday
    assert expected_orders(channel, 6, "tue") == pytest.approx(0)  # no Monday in days 0-5
    # Half of a Monday: hours 0-11 of day 6 after a Tuesday start.
    assert expected_orders(channel, 6.5, "tue") == pytest.approx(840)


def test_long_horizon_sums_whole_weeks():
    channel, _ = _channel(3660, day_of_week_profile=[3, 1, 1, 1, 1, 1, 1],
                          hour_of_day_profile=list(range(1, 25)))
    # Profiles average 1 over a week, so whole weeks give the flat rate exactly; 3660
    # days = 522 weeks + 6 days (mon..sat): the six days miss Sunday (weight 7/9).
    week = 240 * 7
    assert expected_orders(channel, 3660, "mon") == pytest.approx(522 * week + week - 240 * 7 / 9)


def test_expected_lines_per_order_counts_zero_as_one():
    # The model draws max(lines, 1).
    assert expected_lines_per_order(CountConstant(value=0)) == 1
    assert expected_lines_per_order(CountConstant(value=3)) == 3
    assert expected_lines_per_order(Geometric(dist="geometric", mean=1.6)) == pytest.approx(1.6)
    assert expected_lines_per_order(Poisson(dist="poisson", mean=2)) == pytest.approx(2 + math.exp(-2))
    assert expected_lines_per_order(Poisson(dist="poisson", mean=2, shift=1)) == pytest.approx(2)
    assert expected_lines_per_order(CountUniform(dist="uniform", low=0, high=3)) == pytest.approx(1.5 + 0.25)
    assert expected_lines_per_order(CountEmpirical(dist="empirical", values=[0, 4], weights=[1, 3])) == \
        pytest.approx(3 + 0.25)


def test_estimate_sums_channels_and_scales_with_replications():
    _, scenario = _channel(4)
    one, ten = estimate_run(scenario, 1), estimate_run(scenario, 10)
    assert one.orders_per_replication == pytest.approx(960)
    assert one.lines_per_replication == pytest.approx(960)  # lines_per_order 1
    assert ten.orders_total == pytest.approx(9600)
    assert ten.peak_memory_bytes > one.peak_memory_bytes
    assert estimate_run(scenario, 10, workers=2).peak_memory_bytes > ten.peak_memory_bytes
    assert estimate_run(scenario, 10, workers=2).wall_time_s < ten.wall_time_s


def test_a_run_keeping_no_table_is_estimated_flat_in_the_replications():
    _, scenario = _channel(4)
    one = estimate_run(scenario, 1, tables=False)
    assert estimate_run(scenario, 50, tables=False).peak_memory_bytes == one.peak_memory_bytes
    assert one.peak_memory_bytes == estimate_run(scenario, 1).peak_memory_bytes
    # with workers: each worker holds its replication, the parent none
    assert (estimate_run(scenario, 50, workers=2, tables=False).peak_memory_bytes
            < estimate_run(scenario, 50, workers=2).peak_memory_bytes)


def _estimate(peak: float) -> RunEstimate:
    return RunEstimate(replications=3, workers=1, orders_per_replication=70_000,
                       lines_per_replication=100_000, skus=2000, peak_memory_bytes=peak,
                       wall_time_s=12)


def test_check_fits_refuses_with_the_figures_and_the_flag():
    check_fits(_estimate(1e9), available_bytes=2_000_000_000)
    with pytest.raises(ScenarioError) as err:
        check_fits(_estimate(3.2e9), available_bytes=1_500_000_000)
    text = str(err.value)
    for words in ("70,000 orders per replication x 3 replications", "3.2 GB of memory",
                  "1.5 GB is available", "--no-size-check"):
        assert words in text, text


def test_available_memory_is_a_positive_number_here():
    available = sim.sizing.available_memory_bytes()
    assert available is None or available > 0


def test_format_bytes():
    assert [format_bytes(n) for n in (512, 1_500, 2.5e6, 3.21e9, 4e12, 5.5e15)] == \
        ["512 bytes", "1.5 kB", "2.5 MB", "3.21 GB", "4 TB", "5,500 TB"]


@pytest.fixture
def small_machine(monkeypatch):
    """A machine with 100 MB free: less than any run's base."""
    monkeypatch.setattr(sim.sizing, "available_memory_bytes", lambda: 100_000_000)


def test_run_is_refused_before_starting_and_runs_with_the_flag(tmp_path, capsys, small_machine):
    import yaml

    from .conftest import TINY

    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY))
    out = tmp_path / "out"
    assert main(["run", str(scenario), "--out", str(out), "-q", "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "too big for this machine's memory" in err and "100 MB is available" in err
    assert not out.exists()  # nothing was started or written
    assert main(["run", str(scenario), "--out", str(out), "-q", "--no-figures",
                 "--no-size-check", "--set", "horizon.days=2"]) == 0
    assert (out / "summary.json").exists()


def test_a_run_keeping_its_tables_on_disk_grows_only_by_what_its_figures_read_back():
    from sim.sizing import BYTES_PER_ORDER, BYTES_PER_ORDER_ON_DISK

    _, scenario = _channel(4)
    one, ten = estimate_run(scenario, 1, on_disk=True), estimate_run(scenario, 10, on_disk=True)
    grows = ten.peak_memory_bytes - one.peak_memory_bytes
    assert grows == pytest.approx(9 * 960 * BYTES_PER_ORDER_ON_DISK)
    assert grows < 9 * 960 * BYTES_PER_ORDER  # (held in memory, every replication's tables)
    assert (estimate_run(scenario, 10, tables=False, on_disk=True).peak_memory_bytes
            == estimate_run(scenario, 10, tables=False).peak_memory_bytes)
