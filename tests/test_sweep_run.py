"""Running sweeps: the same runs.parquet on every executor (really in other processes),
common random numbers across points, resumption after SIGKILL, failures recorded
without stopping the sweep, a changed sweep refused, precision targets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import sim.sweep.task
from sim.cli import main
from sim.sweep import SweepOptions, read_sweep, resolve_sweep, run_sweep

from .conftest import ROOT, TINY

SWEEP = """\
base: tiny.yaml
replications: {replications}
seed: 11
parameters:
  warehouses.west.staff.pickers: {pickers}
"""


def write_sweep(folder, replications=4, pickers="[1, 3]", extra="") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    path = folder / "sweep.yaml"
    path.write_text(SWEEP.format(replications=replications, pickers=pickers) + textwrap.dedent(extra))
    return str(path)


def task_pids(out) -> list[int]:
    return [json.loads(p.read_text())["pid"] for p in sorted((out / "tasks").glob("*.json"))]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep run serially, in this process."""
    root = tmp_path_factory.mktemp("sweep")
    path = write_sweep(root)
    out = root / "serial"
    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q"]) == 0
    return path, out


def test_outputs(reference):
    _, out = reference
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns[:4]) == ["warehouses.west.staff.pickers", "point", "replication", "seed"]
    assert runs["warehouses.west.staff.pickers"].dtype == np.int64
    assert runs[["point", "replication"]].values.tolist() == [[p, r] for p in (0, 1) for r in range(4)]
    assert (runs["seed"] == 11).all() and runs["error"].isna().all()
    pd.testing.assert_frame_equal(pd.read_csv(out / "runs.csv").drop(columns="error"),
                                  runs.drop(columns="error"), check_dtype=False)
    assert set(task_pids(out)) == {os.getpid()}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["tasks"] == 8 and manifest["failed"] == 0


def test_points_csv_has_the_t_interval_of_each_point(reference):
    _, out = reference
    runs = pd.read_parquet(out / "runs.parquet")
    points = pd.read_csv(out / "points.csv")
    assert list(points.columns) == ["point", "warehouses.west.staff.pickers", "kpi", "n", "mean",
                                    "ci95_low", "ci95_high", "censored", "lower_bound"]
    values = runs.loc[runs["point"] == 1, "pick_wait_hours_mean"]
    row = points[(points["point"] == 1) & (points["kpi"] == "pick_wait_hours_mean")].iloc[0]
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert row["n"] == 4 and row["mean"] == pytest.approx(values.mean())
    assert (row["ci95_low"], row["ci95_high"]) == pytest.approx((low, high), rel=1e-4)


def test_common_random_numbers_across_points(reference):
    """Replication r of every point sees the same demand (the pickers change nothing
    about orders placed); different replications see different demand; the pickers do
    change the picking."""
    _, out = reference
    runs = pd.read_parquet(out / "runs.parquet")
    placed = runs.pivot(index="replication", columns="point", values="orders_placed")
    assert (placed[0] == placed[1]).all()
    assert placed[0].nunique() == 4
    util = runs.pivot(index="replication", columns="point", values="utilization_pct_pickers_west")
    assert (util[1] < util[0]).all()


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_every_executor_gives_the_same_runs(reference, tmp_path, executor):
    path, serial = reference
    out = tmp_path / executor
    code = main(["sweep", path, "--out", str(out), "--executor", executor, "--workers", "2",
                 "--no-figures", "-q"])
    assert code == 0
    assert (out / "runs.parquet").read_bytes() == (serial / "runs.parquet").read_bytes()
    assert (out / "points.csv").read_bytes() == (serial / "points.csv").read_bytes()
    # The work was done by two other processes.
    pids = task_pids(out)
    assert os.getpid() not in pids
    assert len(set(pids)) == 2


def test_resume_after_sigkill(reference, tmp_path):
    """Kill a sweep (and its workers) with SIGKILL mid-way: what finished is kept, nothing
    reads as complete, and a rerun runs only the rest, with the same results as a sweep
    that was never interrupted."""
    path = write_sweep(tmp_path, replications=8, pickers="[1, 2, 3]")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", path, "--out", str(out), "--workers", "2",
               "--no-figures", "-q"]
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list((out / "tasks").glob("*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p.name for p in (out / "tasks").glob("*.json")}
    assert 3 <= len(done_before) < 24, "the sweep must be killed mid-way"
    assert not (out / "runs.parquet").exists() and not (out / "points.csv").exists()
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
    for task in (out / "tasks").glob("*.json"):
        json.loads(task.read_text())  # every task file under its final name is whole
    before = {p.name: p.stat().st_mtime_ns for p in (out / "tasks").glob("*.json")}

    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q"]) == 0
    # The finished tasks were not run again.
    assert {n: (out / "tasks" / n).stat().st_mtime_ns for n in before} == before
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs[["point", "replication"]].values.tolist() == [[p, r] for p in range(3) for r in range(8)]
    assert not list((out / "tasks").glob("*.tmp"))
    whole = tmp_path / "whole"
    assert main(["sweep", path, "--out", str(whole), "--executor", "serial", "--no-figures", "-q"]) == 0
    pd.testing.assert_frame_equal(runs, pd.read_parquet(whole / "runs.parquet"))


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path):
    sweep = resolve_sweep(read_sweep(write_sweep(tmp_path, replications=2, pickers="[1, 2, 3]")))
    outcome = run_sweep(sweep, tmp_path / "out", SweepOptions(executor="serial", figures=False),
                        task_fn=lambda t: sim.sweep.task.run_task(t) if t.point != 1 else
                        sim.sweep.task.task_record(t, {}, "RuntimeError: boom", None, 0.0))
    runs = outcome.runs
    assert outcome.failed == 2 and outcome.tasks == 6
    assert runs.loc[runs["point"] == 1, "error"].tolist() == ["RuntimeError: boom"] * 2
    assert runs.loc[runs["point"] != 1, "error"].isna().all()
    assert runs.loc[runs["point"] == 1, "orders_placed"].isna().all()
    assert runs.loc[runs["point"] == 2, "orders_placed"].notna().all()


def test_cli_exit_code_for_failures_and_retry_on_rerun(tmp_path, monkeypatch, capsys):
    path = write_sweep(tmp_path, replications=2, pickers="[1, 3]")
    real = sim.sweep.task.replication_measures

    def flaky(scenario, replication, seed):
        if scenario.warehouses["west"].staff.pickers == 3:
            raise ValueError("model fell over")
        return real(scenario, replication, seed)

    monkeypatch.setattr(sim.sweep.task, "replication_measures", flaky)
    out = tmp_path / "out"
    args = ["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "2 of 4 runs failed (first: point 1, replication 0: ValueError: model fell over)" in err
    task = json.loads((out / "tasks" / "p00001-r0000.json").read_text())
    assert "Traceback" in task["traceback"] and "model fell over" in task["traceback"]
    monkeypatch.setattr(sim.sweep.task, "replication_measures", real)
    assert main(args) == 0  # the failed tasks are run again
    assert pd.read_parquet(out / "runs.parquet")["error"].isna().all()
    # The table's runs column counts the runs that went through (it said the planned 2).
    monkeypatch.setattr(sim.sweep.task, "replication_measures", flaky)
    capsys.readouterr()
    assert main(["sweep", path, "--out", str(tmp_path / "again"), "--executor", "serial", "--no-figures",
                 "--kpi", "orders_placed"]) == 1
    table = capsys.readouterr().out
    assert "0 of 2" in table and "runs" in table, table


def test_a_changed_sweep_file_is_refused(tmp_path, capsys):
    path = write_sweep(tmp_path, replications=2, pickers="[1, 3]")
    out = tmp_path / "out"
    args = ["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q"]
    assert main(args) == 0
    with open(path, "a") as f:
        f.write("  warehouses.west.staff.packers: [1, 2]\n")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "holds the results of a different sweep" in err and "points (2 -> 4" in err
    assert "--overwrite" in err
    assert main([*args, "--overwrite"]) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == 8


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path, capsys):
    path = write_sweep(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    assert main(["sweep", path, "--out", str(tmp_path / "out"), "-q"]) == 2
    assert "is not empty and holds no sweep" in capsys.readouterr().err


def test_precision_adds_replications_where_needed(tmp_path):
    path = write_sweep(tmp_path, replications=2, pickers="[1, 3]")
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q",
                 "--precision", "0.001", "--kpi", "lead_time_hours_mean",
                 "--max-replications", "12"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    for point, group in runs.groupby("point"):
        values = group["lead_time_hours_mean"]
        half = stats.t.ppf(0.975, len(values) - 1) * stats.sem(values)
        assert half <= 0.001 * values.mean() or len(values) == 12
        assert manifest["precision"]["points"][str(point)]["replications"] == len(values)
        assert group["replication"].tolist() == list(range(len(values)))
    assert runs.groupby("point").size().max() > 2  # the target needed more than the first two


def test_a_wrong_kpi_is_refused_with_close_names(tmp_path, capsys):
    path = write_sweep(tmp_path, replications=1, pickers="[1]")
    assert main(["sweep", path, "--out", str(tmp_path / "o"), "--executor", "serial", "-q",
                 "--kpi", "lead_time_p95"]) == 2
    err = capsys.readouterr().err
    assert "--kpi lead_time_p95: no such KPI; did you mean lead_time_hours_p95" in err


def test_dask_missing_is_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    path = write_sweep(tmp_path, replications=1, pickers="[1]")
    assert main(["sweep", path, "--out", str(tmp_path / "o"), "--executor", "dask", "-q"]) == 2
    assert "pip install 'fulfillment-sim[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_keep_orders_writes_a_run_folder_per_task(reference, tmp_path):
    path = write_sweep(tmp_path, replications=1, pickers="[1]")
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q",
                 "--keep-orders"]) == 0
    run_dir = out / "points" / "p00000" / "r0000"
    assert (run_dir / "orders.parquet").exists() and (run_dir / "summary.json").exists()
    summary = json.loads((run_dir / "summary.json").read_text())
    # The same KPIs as the KPIs-only task of the same point and replication.
    kpis_only = pd.read_parquet(reference[1] / "runs.parquet").iloc[0]
    kept = pd.read_parquet(out / "runs.parquet").iloc[0]
    for name in ("orders_placed", "lead_time_hours_mean", "utilization_pct_pickers_west"):
        assert kept[name] == pytest.approx(kpis_only[name])
        assert summary["kpis"][name]["per_replication"] == [pytest.approx(kept[name])]


def test_dask_with_an_existing_scheduler(reference, tmp_path):
    """--scheduler ADDRESS: the tasks go to a cluster started elsewhere."""
    from distributed import LocalCluster

    path, serial = reference
    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        out = tmp_path / "out"
        assert main(["sweep", path, "--out", str(out), "--executor", "dask", "--scheduler",
                     cluster.scheduler_address, "--no-figures", "-q"]) == 0
    assert (out / "runs.parquet").read_bytes() == (serial / "runs.parquet").read_bytes()
    assert os.getpid() not in task_pids(out)


def test_scheduler_needs_dask(reference, tmp_path, capsys):
    path, _ = reference
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--scheduler", "tcp://127.0.0.1:1", "-q"]) == 2
    assert "--scheduler needs --executor dask" in capsys.readouterr().err
    assert not out.exists()


def test_event_logs_for_chosen_points_equal_a_plain_runs(tmp_path, capsys):
    """fsim sweep --event-log for one point writes, for each of its replications, the
    same log as fsim run of that point's scenario with the sweep's seed; other points
    get none."""
    path = write_sweep(tmp_path, replications=2, pickers="[1, 3]")
    out = tmp_path / "out"
    start = "2026-11-30"  # a Monday, the tiny scenario's start weekday
    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q",
                 "--event-log", "ocel-json", "--event-log-points", "1",
                 "--event-log-start", start]) == 0
    assert not (out / "points" / "p00000").exists()
    logs = sorted((out / "points" / "p00001").glob("r*/eventlog/*.jsonocel"))
    assert [p.parent.parent.name for p in logs] == ["r0000", "r0001"]
    run = tmp_path / "run"
    assert main(["run", str(tmp_path / "tiny.yaml"), "--set", "warehouses.west.staff.pickers=3",
                 "--seed", "11", "-r", "2", "--out", str(run), "-q", "--outputs", "kpis",
                 "--event-log", "ocel-json", "--event-log-start", start]) == 0
    for log in logs:
        assert log.read_bytes() == (run / "eventlog" / log.name).read_bytes()


def test_a_sweep_rerun_for_other_logs_keeps_the_ones_it_has_and_dates_them_as_asked(tmp_path):
    """Rerunning a finished sweep with another --event-log-start kept the old logs and
    their dates; asking for another format deleted the formats already written (found by
    the researcher audit). Now the logs start on the date asked, and every format stays."""
    path = write_sweep(tmp_path, replications=1, pickers="[3]")
    out = tmp_path / "out"
    base = ["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q"]
    logs = out / "points" / "p00000" / "r0000" / "eventlog"
    assert main([*base, "--event-log", "xes", "--event-log-start", "2026-11-30"]) == 0
    assert 'value="2026-11-30' in (logs / "rep-0.xes").read_text()
    assert main([*base, "--event-log", "xes", "--event-log-start", "2026-12-07"]) == 0
    xes = (logs / "rep-0.xes").read_text()
    assert 'value="2026-12-07' in xes and 'value="2026-11-30' not in xes
    assert main([*base, "--event-log", "ocel-json"]) == 0  # (no start given: the logs' own kept)
    assert sorted(p.name for p in logs.iterdir()) == ["rep-0.jsonocel", "rep-0.xes"]
    assert (logs / "rep-0.xes").read_text() == xes
    assert '"2026-12-07T' in (logs / "rep-0.jsonocel").read_text()
    record = json.loads((out / "tasks" / "p00000-r0000.json").read_text())
    assert record["event_log_start"] == "2026-12-07" and sorted(record["event_logs"]) == ["ocel-json", "xes"]


@pytest.mark.parametrize("args, message", [
    (["--event-log-points", "1"], "--event-log-points: only used with --event-log FORMAT"),
    (["--event-log", "xes", "--event-log-points", "7"], "--event-log-points 7: no such point"),
])
def test_event_log_options_checked_before_anything_runs(tmp_path, capsys, args, message):
    path = write_sweep(tmp_path, replications=2, pickers="[1, 3]")
    assert main(["sweep", path, "--out", str(tmp_path / "out"), "-q", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out" / "tasks").exists() or not list((tmp_path / "out" / "tasks").iterdir())


def test_overwrite_replaces_a_commands_own_results_never_another_commands(tmp_path, capsys):
    """``--overwrite`` into a folder holding another command's output (a run, a
    staffing search, a sweep) is refused, and that output left whole (found by a new
    user: a staffing search replaced a sweep's task files and left its tables stale)."""
    from sim.errors import OutputDirError
    from sim.outdir import refuse_other_output

    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text("{}")
    staff = tmp_path / "staff"
    staff.mkdir()
    (staff / "manifest.json").write_text(json.dumps({"kind": "fsim-staff"}))
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text(json.dumps({"kind": "fsim-sweep"}))
    for folder, mine, other in ((run, "sweep", "run"), (staff, "sweep", "staffing search"),
                                (sweep, "staffing search", "sweep"), (run, "comparison", "run")):
        with pytest.raises(OutputDirError, match=f"holds a {other}, not a {mine}"):
            refuse_other_output(folder, mine)
    refuse_other_output(sweep, "sweep")  # (its own: --overwrite may replace it)
    refuse_other_output(tmp_path / "run" / "..", "sweep")  # (no fsim output at all)


def test_a_sweep_with_overwrite_into_a_run_folder_is_refused(tmp_path, capsys):
    path = write_sweep(tmp_path / "in", replications=1)
    out = tmp_path / "run"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q",
                 "--overwrite"]) == 2
    assert "holds a run, not a sweep" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


def test_keep_orders_on_a_finished_sweep_writes_the_folders_and_the_same_results(tmp_path, capsys):
    """Rerunning a finished sweep with --keep-orders (or an event log) runs again the
    runs that lack the folder asked for, instead of saying all is done and writing
    nothing; their KPIs come out the same."""
    path = write_sweep(tmp_path / "in", replications=1)
    out = tmp_path / "out"
    common = ["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q"]
    assert main(common) == 0
    before = pd.read_csv(out / "runs.csv").drop(columns=["pid", "host", "wall_s", "cpu_s"], errors="ignore")
    assert not (out / "points").exists() or not any((out / "points").rglob("summary.json"))
    assert main([*common, "--keep-orders"]) == 0
    folders = sorted((out / "points").rglob("orders.parquet"))
    assert len(folders) == len(before)
    after = pd.read_csv(out / "runs.csv").drop(columns=["pid", "host", "wall_s", "cpu_s"], errors="ignore")
    pd.testing.assert_frame_equal(after, before)
    assert main([*common, "--keep-orders"]) == 0  # (now nothing lacks: nothing runs again)
    assert sorted((out / "points").rglob("orders.parquet")) == folders


def test_quiet_loggers_silences_children_with_levels_of_their_own_and_restores_them():
    import logging

    from sim.sweep.executors import _quiet_loggers

    child = logging.getLogger("distributed.fake_child_for_test")
    child.setLevel(logging.ERROR)
    parent_level = logging.getLogger("distributed").level
    with _quiet_loggers(("distributed",)):
        assert child.getEffectiveLevel() == logging.CRITICAL
        assert not child.isEnabledFor(logging.ERROR)
    assert child.level == logging.ERROR and logging.getLogger("distributed").level == parent_level


def test_a_sweeps_max_replications_without_precision_is_refused(tmp_path, capsys):
    path = write_sweep(tmp_path / "in", replications=1)
    assert main(["sweep", path, "--out", str(tmp_path / "o"), "--executor", "serial", "-q",
                 "--max-replications", "4"]) == 2
    assert "give --precision too" in capsys.readouterr().err


def test_a_kpi_censored_at_a_point_has_no_mean_there_but_a_lower_bound(tmp_path):
    """The censored replications are the longest: a mean of the others would be too low.
    The point's lower bound is the mean with each censored replication at its bound, as
    fsim run of the same point (same seed) reports them."""
    import sim
    from sim.scenario import validate_data

    extra = "set:\n  horizon.drain_days: 0.25\n"
    path = write_sweep(tmp_path, replications=3, pickers="[1]", extra=extra)
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures", "-q"]) == 0
    points = pd.read_csv(out / "points.csv")
    data = {**TINY, "horizon": {**TINY["horizon"], "drain_days": 0.25},
            "warehouses": {**TINY["warehouses"], "west": {**TINY["warehouses"]["west"],
                                                          "staff": {**TINY["warehouses"]["west"]["staff"],
                                                                    "pickers": 1}}}}
    run = sim.run(validate_data(data), replications=3, seed=11)
    checked = 0
    for kpi, entry in run.summary["kpis"].items():
        row = points[points["kpi"] == kpi]
        if not len(row) or not entry.get("censored"):
            continue
        row = row.iloc[0]
        assert np.isnan(row["mean"]) and row["censored"] == entry["censored_replications"]
        each = [run.lower_bounds[r].get(kpi, v) for r, v in enumerate(entry["per_replication"])]
        assert row["lower_bound"] == pytest.approx(np.mean([x for x in each if x is not None]))
        checked += 1
    assert checked  # (the drain is short enough to censor some percentile)
    exact = points[points["censored"] == 0].dropna(subset=["mean"])
    assert exact["lower_bound"].isna().all() and len(exact)


def test_a_sweep_prints_the_models_warnings_per_point(tmp_path, capsys):
    """`fsim run` prints the model's warnings (here: returns still on their way back at
    the end); a sweep printed none of them for its points."""
    path = write_sweep(tmp_path / "s", replications=2)
    assert main(["sweep", path, "--executor", "serial", "--no-figures", "-q", "-o", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    for point, pickers in ((0, 1), (1, 3)):
        line = next((ln for ln in err.splitlines() if ln.startswith(f"warning: point {point} ")), "")
        assert f"(west.pickers={pickers})" in line and "still on their way back" in line, err


def test_rerunning_or_overwriting_a_sweep_removes_its_own_figures_only(tmp_path):
    """Every *.png in --out was deleted on a rerun or --overwrite of a sweep, a user's
    own figures too: now only sweep_<kpi>.png and heatmap_<kpi>.png go (redrawn)."""
    path = write_sweep(tmp_path / "in", replications=1)
    out = tmp_path / "out"
    args = ["sweep", path, "--out", str(out), "--executor", "serial", "-q"]
    assert main(args) == 0
    assert "sweep_lead_time_hours_mean.png" in [p.name for p in out.glob("*.png")]
    (out / "sweep_lead_time_hours_mean.png").write_bytes(b"stale")
    (out / "my_thesis_figure.png").write_bytes(b"mine")
    assert main(args) == 0  # (a rerun of the finished sweep)
    assert (out / "my_thesis_figure.png").read_bytes() == b"mine"
    assert (out / "sweep_lead_time_hours_mean.png").read_bytes().startswith(b"\x89PNG")  # redrawn
    other = tmp_path / "other"
    other.mkdir()
    (other / "my_thesis_figure.png").write_bytes(b"mine")
    (other / "heatmap_old.png").write_bytes(b"a sweep's")
    assert main(["sweep", path, "--out", str(other), "--executor", "serial", "-q", "--no-figures",
                 "--overwrite"]) == 0
    assert sorted(p.name for p in other.glob("*.png")) == ["my_thesis_figure.png"]


def _dies_once(task):
    """A task whose worker process dies the first time it runs (marker: a file)."""
    marker, value = task
    if value == "die once" and not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    if value == "die always":
        os._exit(1)
    return value


def test_a_worker_that_dies_does_not_fail_the_other_runs_of_a_processes_sweep(tmp_path):
    """One killed worker broke the pool and every run not finished was recorded as
    failed (researcher audit: 18 of 20 runs). The pool is started again and those runs
    given again; a run that kills its worker every time is recorded as failed, saying so."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.sweep.executors import ProcessExecutor

    marker = str(tmp_path / "died")
    tasks = [(marker, v) for v in ("a", "b", "die once", "c", "d", "e")]
    with ProcessExecutor(2) as executor:
        got = dict(executor.map_unordered(_dies_once, tasks))
    assert got == {t: t[1] for t in tasks} and os.path.exists(marker)
    tasks = [(marker, v) for v in ("a", "b", "die always", "c", "d", "e", "f")]
    with ProcessExecutor(2) as executor:
        got = dict(executor.map_unordered(_dies_once, tasks))
        # (the killer found, the pool it broke is replaced: later tasks still run)
        assert dict(executor.map_unordered(_dies_once, tasks[:2])) == {t: t[1] for t in tasks[:2]}
    assert {t: got[t] for t in tasks if t[1] != "die always"} == {t: t[1] for t in tasks if t[1] != "die always"}
    killer = got[tasks[2]]
    assert isinstance(killer, BrokenProcessPool) and "died 3 times while running it alone" in str(killer)


def test_fsims_own_dask_cluster_listens_on_a_free_loopback_port_not_8787():
    """dashboard_address=None still started the scheduler's HTTP server on port 8787 (and
    warned when another cluster held it; researcher audit)."""
    pytest.importorskip("distributed")
    from sim.sweep.executors import _local_cluster

    seen = {}
    _local_cluster(lambda **kwargs: seen.update(kwargs), 2)
    assert seen["dashboard_address"] == "127.0.0.1:0" and seen["host"] == "127.0.0.1"
