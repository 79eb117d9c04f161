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
    """In one process, KPIs only: one replication's world at a time (and, past the
    first, the last one's if too small to be given back at once)."""
    _, scenario = _channel(4)
    two = estimate_run(scenario, 2, tables=False)
    assert estimate_run(scenario, 50, tables=False).peak_memory_bytes == two.peak_memory_bytes
    assert estimate_run(scenario, 1, tables=False).peak_memory_bytes < two.peak_memory_bytes
    # with workers: each worker holds its replication
    assert (estimate_run(scenario, 50, workers=2, tables=False).peak_memory_bytes
            > two.peak_memory_bytes)


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


def test_a_run_keeping_its_tables_on_disk_grows_less_than_one_holding_them():
    _, scenario = _channel(4)

    def growth(**kw) -> float:
        return estimate_run(scenario, 10, **kw).peak_memory_bytes - estimate_run(scenario, 2, **kw).peak_memory_bytes

    assert 0 < growth(on_disk=True) < growth() < growth(on_disk=True, figures=True)
    assert growth(tables=False, on_disk=True) == 0


def _pss_of_tree(pid: int) -> int:
    """Proportional set size of a process and its descendants (bytes): what they hold
    together, pages shared by forked children counted once."""
    import os

    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/smaps_rollup"), reason="needs Linux /proc")
@pytest.mark.parametrize("extra", [
    ["--outputs", "kpis", "--set", "horizon.days=56"],
    ["-r", "3", "--set", "horizon.days=28"],  # tables on disk, figures drawn by forked workers
    ["--outputs", "kpis", "--set", "catalogue.skus=150000", "--set", "horizon.days=4",
     "--set", "horizon.warmup_days=1", "STOCK"],
], ids=["kpis", "figures", "stock_skus"])
def test_the_estimate_is_near_the_memory_runs_take(tmp_path, extra):
    """fsim run's estimate against the peak memory its processes hold together,
    sampled while it runs: between half and 1.6 times it (it is rough, but must not let
    a run that swamps the machine through, nor refuse one that fits: 0.5.8 estimated
    the stock case at a fifth). The band is wide because the same run's memory varies
    with the machine's state: the stock case took 488 MB alone and 818 MB once in a
    full run of this suite."""
    import subprocess
    import sys
    import time

    from sim.cli import build_parser
    from sim.cli.run import _keeps_tables
    from sim.scenario import load_scenario, parse_set_option

    from .conftest import SCENARIOS

    scenario = str(SCENARIOS / ("stock.yaml" if "STOCK" in extra else "baseline.yaml"))
    extra = [x for x in extra if x != "STOCK"]
    args = build_parser().parse_args(["run", scenario, *extra])
    estimate = estimate_run(load_scenario(scenario, dict(parse_set_option(t) for t in args.overrides)),
                            args.replications, args.workers, _keeps_tables(args), on_disk=True,
                            figures=args.outputs == "all", event_logs=False)
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", scenario, *extra, "-q", "--no-size-check",
                             "-o", str(tmp_path / "out")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _pss_of_tree(proc.pid))
        time.sleep(0.02)
    assert proc.returncode == 0, proc.stderr.read()
    assert 0.5 < estimate.peak_memory_bytes / peak < 1.6, (estimate.peak_memory_bytes, peak)


def _cgroup_file(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_the_memory_limit_is_read_from_this_process_s_own_group_and_those_above(tmp_path, version):
    """A batch job's group (named in /proc/self/cgroup) under a slice with a larger
    limit, and no limit at the mount's root: the job's headroom is what counts; a
    tighter limit above it wins; none anywhere is no limit."""
    from sim.sizing import _cgroup_headroom

    root = tmp_path / "cgroup"
    if version == "v2":
        proc = "0::/slurm/job_42\n"
        base, limit, usage = root, "memory.max", "memory.current"
        _cgroup_file(root / "memory.max", "max")
    else:
        proc = "4:memory:/slurm/job_42\n3:cpuset:/\n"
        base, limit, usage = root / "memory", "memory.limit_in_bytes", "memory.usage_in_bytes"
        _cgroup_file(base / limit, str(2**63 - 4096))
    _cgroup_file(base / usage, "5000000000")
    (tmp_path / "cgroup_file").write_text(proc)
    _cgroup_file(base / "slurm" / limit, "8000000000" if version == "v1" else "max")
    _cgroup_file(base / "slurm" / usage, "3000000000")
    _cgroup_file(base / "slurm" / "job_42" / limit, "2000000000")
    _cgroup_file(base / "slurm" / "job_42" / usage, "500000000")
    assert _cgroup_headroom(str(tmp_path / "cgroup_file"), str(root)) == 1_500_000_000
    _cgroup_file(base / "slurm" / limit, "3200000000")  # the slice: 200 MB left
    assert _cgroup_headroom(str(tmp_path / "cgroup_file"), str(root)) == 200_000_000
    for folder in (base / "slurm", base / "slurm" / "job_42"):
        (folder / limit).write_text("max" if version == "v2" else str(2**63 - 4096))
    assert _cgroup_headroom(str(tmp_path / "cgroup_file"), str(root)) is None


def test_precision_runs_are_sized_at_their_most_replications(tmp_path, capsys, monkeypatch):
    """--precision may run up to --max-replications: a run that fits at -r 3 but not at
    20 is refused, and the advice names --max-replications."""
    import yaml

    from sim.scenario import validate_data

    from .conftest import TINY

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    scenario = validate_data(TINY)
    three = estimate_run(scenario, 3, on_disk=True, figures=True).peak_memory_bytes
    monkeypatch.setattr(sim.sizing, "available_memory_bytes", lambda: int(three * 1.01))
    argv = ["run", str(path), "-q", "--out", str(tmp_path / "out"), "--precision", "0.01", "--kpi",
            "lead_time_hours_mean", "--max-replications", "20"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "x 20 replications" in err and "a lower --max-replications" in err
    assert not (tmp_path / "out").exists()


def test_the_advice_names_what_would_make_the_run_fit(tmp_path, capsys, monkeypatch):
    import yaml

    from .conftest import TINY

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    scenario = sim.scenario.validate_data(TINY)
    kpis_only = estimate_run(scenario, 4, tables=False).peak_memory_bytes
    no_figures = estimate_run(scenario, 4, on_disk=True).peak_memory_bytes
    monkeypatch.setattr(sim.sizing, "available_memory_bytes", lambda: int(kpis_only * 1.01))
    assert kpis_only < no_figures  # (so only --outputs kpis fits)
    assert main(["run", str(path), "-q", "-r", "4", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "it would fit with --outputs kpis (the KPIs only)" in err
    assert "--no-figures" not in err and "fewer --replications" not in err


@pytest.mark.parametrize("command", [
    ["compare", "SCENARIO", "SCENARIO", "-r", "2"],
    ["staff", "SCENARIO", "--pool", "east.pickers", "--target", "on_time_delivery_pct>=90", "--executor", "serial"],
])
def test_commands_that_run_many_replications_check_their_size_too(tmp_path, capsys, small_machine, command):
    import yaml

    from .conftest import TINY

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    argv = [str(path) if a == "SCENARIO" else a for a in command] + ["--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "too big for this machine's memory" in err and "--no-size-check" in err
    assert not (tmp_path / "out").exists()


def test_baseline_save_and_check_are_refused_and_run_with_no_size_check(tmp_path, capsys, small_machine):
    """The README says every command that runs replications checks its size and takes
    --no-size-check: fsim baseline save and fsim check refused without a way past."""
    import yaml

    from .conftest import TINY

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({**TINY, "horizon": {"days": 3, "warmup_days": 1, "drain_days": 2}}))
    base = tmp_path / "base.json"
    save = ["baseline", "save", str(path), "--out", str(base), "-r", "2", "-q"]
    assert main(save) == 2
    assert "too big for this machine's memory" in capsys.readouterr().err and not base.exists()
    assert main([*save, "--no-size-check"]) == 0 and base.exists()
    check = ["check", str(path), "--baseline", str(base), "-q"]
    assert main(check) == 2
    assert "too big for this machine's memory" in capsys.readouterr().err
    assert main([*check, "--no-size-check"]) == 0


def test_a_run_says_its_size_before_it_starts_and_records_it(tmp_path, capsys):
    import json

    import yaml

    from .conftest import TINY

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY))
    assert main(["run", str(path), "--no-figures", "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err  # (fsim's messages go to stderr)
    assert "orders per replication x 1 replication; about" in err and "of memory and" in err
    estimate = json.loads((tmp_path / "out" / "summary.json").read_text())["provenance"]["estimate"]
    assert set(estimate) == {"orders_per_replication", "peak_memory_bytes", "wall_time_s"}
