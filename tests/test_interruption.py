"""Interrupted runs: SIGINT and SIGTERM stop cleanly (one line, exit 130); SIGKILL at
any moment leaves complete outputs or an obviously incomplete folder (no summary.json)
whose finished replications a rerun keeps, finishing with results identical to an
uninterrupted run; a finished run is never overwritten silently; an output folder that
cannot be written is refused before the work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.runfolder import MARKER, REPLICATIONS

from .conftest import TINY

SLOW_TINY = {**TINY, "horizon": {"days": 30, "warmup_days": 1, "drain_days": 5}}


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(SLOW_TINY, sort_keys=False))
    return path


def _start(scenario: Path, out: Path, reps: int = 4) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "-r", str(reps),
                             "-o", str(out), "--no-figures", "--seed", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _finished_reps(out: Path) -> list[str]:
    folder = out / REPLICATIONS
    return sorted(p.name for p in folder.glob("rep-[0-9][0-9][0-9][0-9]")) if folder.exists() else []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_sigint_and_sigterm_stop_cleanly_and_keep_finished_replications(tmp_path, sig):
    scenario, out = _scenario(tmp_path), tmp_path / "run"
    # (12 replications: after the first is kept, the rest take seconds, so the signal
    # always arrives before the run could finish)
    proc = _start(scenario, out, reps=12)
    _wait_for(lambda: len(_finished_reps(out)) >= 1)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.startswith("interrupted")]) == 1
    assert not (out / "summary.json").exists() and (out / MARKER).exists()
    assert _finished_reps(out)


def test_sigkill_then_rerun_resumes_and_equals_an_uninterrupted_run(tmp_path):
    scenario = _scenario(tmp_path)
    reference = tmp_path / "reference"
    assert main(["run", str(scenario), "-r", "4", "-o", str(reference), "--no-figures", "--seed", "5",
                 "-q"]) == 0
    out = tmp_path / "killed"
    proc = _start(scenario, out)
    _wait_for(lambda: len(_finished_reps(out)) >= 2)
    proc.kill()
    proc.wait(timeout=30)
    # Obviously incomplete: no summary.json, the marker says what was running.
    assert not (out / "summary.json").exists()
    assert json.loads((out / MARKER).read_text())["replications"] == 4
    kept = _finished_reps(out)
    assert len(kept) >= 2
    # Rerunning the same command keeps what was done and finishes the rest.
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(scenario), "-r", "4", "-o", str(out),
                           "--no-figures", "--seed", "5", "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"resuming ({len(kept)} of 4 replications done)" in proc.stderr
    assert (out / "summary.json").exists() and not (out / MARKER).exists()
    assert not (out / REPLICATIONS).exists()
    for table in ("orders", "shipments", "tours"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{table}.parquet"),
                                      pd.read_parquet(reference / f"{table}.parquet"))
    a = json.loads((out / "summary.json").read_text())
    b = json.loads((reference / "summary.json").read_text())
    assert a["kpis"] == b["kpis"]


def test_an_incomplete_run_of_another_scenario_is_replaced(tmp_path, capsys):
    scenario, out = _scenario(tmp_path), tmp_path / "run"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"scenario_sha256": "other", "seed": 1, "replications": 2,
                                          "outputs": "all"}))
    (out / "orders.parquet.tmp").write_text("half")
    assert main(["run", str(scenario), "-r", "1", "-o", str(out), "--no-figures", "-q"]) == 0
    assert "holds an incomplete run; replacing it" in capsys.readouterr().err
    assert not list(out.glob("*.tmp")) and (out / "summary.json").exists()


def test_a_finished_run_is_never_overwritten_silently(tmp_path, capsys):
    scenario, out = _scenario(tmp_path), tmp_path / "run"
    args = ["run", str(scenario), "-r", "1", "-o", str(out), "--outputs", "kpis", "-q"]
    assert main(args) == 0
    before = (out / "summary.json").read_text()
    assert main(args) == 2
    assert "already holds a finished run" in capsys.readouterr().err
    assert (out / "summary.json").read_text() == before
    assert main([*args, "--overwrite"]) == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_an_unwritable_folder_is_refused_before_the_work(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert main(["run", str(_scenario(tmp_path)), "-o", str(folder / "run"), "-q"]) == 2
        assert "cannot" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


def test_a_file_where_the_folder_should_be_is_refused_before_the_work(tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    assert main(["run", str(_scenario(tmp_path)), "-o", str(blocker), "-q"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_plain_progress_lines_when_not_on_a_terminal(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(_scenario(tmp_path)), "-r", "2",
                           "-o", str(tmp_path / "run"), "--no-figures"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("fsim: tiny: replication")]
    assert any("replication 2/2 done (100%)" in ln for ln in lines), proc.stderr


def test_a_kept_replication_reads_back_whole(tmp_path):
    """Every field of a replication survives the round trip through the run folder, so a
    resumed run (its event logs included) equals an uninterrupted one; a field added to
    ReplicationOutput and forgotten by the run folder fails here."""
    import dataclasses

    from sim.experiment import run_one
    from sim.runfolder import RunFolder
    from sim.scenario import load_scenario

    scenario = load_scenario(_scenario(tmp_path))
    output = run_one(scenario, 1, 7)
    manifest = {"scenario_sha256": "x", "seed": 7, "replications": 2, "outputs": "all"}
    folder = RunFolder.prepare(tmp_path / "out", manifest)
    folder.save_replication(output)
    (tmp_path / "out" / "summary.json").unlink(missing_ok=True)
    again = RunFolder.prepare(tmp_path / "out", manifest).load_replications()[1]
    for f in dataclasses.fields(output):
        before, after = getattr(output, f.name), getattr(again, f.name)
        if isinstance(before, pd.DataFrame):
            pd.testing.assert_frame_equal(before.reset_index(drop=True), after, check_dtype=False,
                                          check_column_type=False, check_index_type=False)
        else:  # (NaN KPIs are equal when both are NaN)
            assert json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True), f.name


def test_ctrl_c_with_worker_processes_gives_one_line_and_stops_the_workers(tmp_path):
    """Ctrl-C at a terminal goes to the whole process group, the worker processes too:
    they leave it to the parent (no traceback of theirs), which says once what it kept,
    exits 130 and stops them at once (nothing of the group is left running). Found by a
    new user with fsim staff; fsim sweep and fsim run --workers use the same pools."""
    out = tmp_path / "staff"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "staff", str(Path(__file__).parents[1] / "scenarios" / "validation" / "mmc.yaml"),
         "--set", "horizon.days=6", "--set", "horizon.warmup_days=0.5", "--pool", "only.pickers",
         "--target", "pick_wait_hours_mean <= 0.03", "--bounds", "only.pickers=1..12",
         "--executor", "processes", "--workers", "2", "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    _wait_for(lambda: (out / "tasks").is_dir() and len(list((out / "tasks").iterdir())) >= 2)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert [ln for ln in err.splitlines() if ln.startswith("interrupted")] == [
        ln for ln in err.splitlines() if ln.startswith("interrupted: ") and "kept in" in ln], err
    assert len([ln for ln in err.splitlines() if ln.startswith("interrupted")]) == 1, err

    def group_gone() -> bool:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        return False

    _wait_for(group_gone, timeout_s=10)


def test_a_folder_that_is_not_a_run_is_refused_and_nothing_in_it_is_deleted(tmp_path, capsys):
    scenario, out = _scenario(tmp_path), tmp_path / "mine"
    out.mkdir()
    (out / "holiday.png").write_bytes(b"\x89PNG")
    (out / "notes.txt").write_text("hi")
    assert main(["run", str(scenario), "-r", "1", "-o", str(out), "--outputs", "kpis", "-q"]) == 2
    err = capsys.readouterr().err
    assert "is not empty and holds no fsim run (e.g. holiday.png)" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["holiday.png", "notes.txt"]


def test_overwrite_of_a_finished_run_removes_only_what_fsim_wrote(tmp_path, capsys):
    """A user's own PNG beside a finished run was deleted by --overwrite (every *.png
    went): now only fsim's figures, warmup figure and report page go, and a finished run
    beside files of the user's is refused, leaving everything as it was."""
    scenario, out = _scenario(tmp_path), tmp_path / "run"
    args = ["run", str(scenario), "-r", "1", "-o", str(out), "--outputs", "kpis", "-q"]
    assert main(args) == 0
    for name in ("warmup_lead_time_hours_mean.png", "report.html", "csat.png", "pick_routes_west.png"):
        (out / name).write_bytes(b"\x89PNG old")  # (what fsim warmup, report and run write there)
    assert main([*args, "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["kpis.csv", "scenario.resolved.yaml", "summary.json"]
    (out / "my_figure.png").write_bytes(b"\x89PNG mine")
    (out / "notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main([*args, "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "holds files fsim run does not write beside its finished run (e.g. my_figure.png)" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_plain_run_does_not_resume_a_precision_run_of_the_same_scenario(tmp_path, capsys):
    from sim.experiment import scenario_sha256
    from sim.scenario import load_scenario, with_seed

    scenario, out = _scenario(tmp_path), tmp_path / "run"
    out.mkdir()
    plain = {"settings_sha256": scenario_sha256(with_seed(load_scenario(scenario), 0)), "seed": 5,
             "replications": 1,
             "outputs": "kpis"}
    (out / MARKER).write_text(json.dumps({**plain, "precision": 0.05, "kpi": ["x"],
                                          "max_replications": 50, "pid": 1}))
    (out / REPLICATIONS / "rep-0002").mkdir(parents=True)  # (kept by the precision run)
    assert main(["run", str(scenario), "-o", str(out), "--outputs", "kpis", "--seed", "5", "-q"]) == 0
    assert "holds an incomplete run; replacing it" in capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text())["provenance"]["replications"] == 1


def test_a_run_does_not_resume_replications_kept_by_another_version(tmp_path, capsys):
    """Another version's replications may be another model's: an incomplete run of the
    same scenario kept by one is replaced, not resumed (0.5.9 mixed them)."""
    import sim
    from sim.experiment import scenario_sha256
    from sim.scenario import load_scenario, with_seed

    scenario, out = _scenario(tmp_path), tmp_path / "run"
    args = ["run", str(scenario), "-o", str(out), "--outputs", "kpis", "-r", "2", "-q"]
    same = {"settings_sha256": scenario_sha256(with_seed(load_scenario(scenario), 0)),
            "seed": load_scenario(scenario).seed,
            "replications": 2, "outputs": "kpis", "tables": False}
    for version, resumed in (("0.0.1", False), (sim.__version__, True)):
        out.mkdir(exist_ok=True)
        (out / MARKER).write_text(json.dumps({**same, "sim_version": version, "pid": 1}))
        assert main(args) == 0
        err = capsys.readouterr().err
        if resumed:
            assert "resuming" in err
        else:
            assert "replacing it (it differs in: the simulator's version)" in err
        (out / "summary.json").unlink()


def test_a_run_that_differs_only_in_its_seed_says_so(tmp_path, capsys):
    """An unfinished run replaced for another --seed said it differed in "the scenario,
    the seed" (the scenario's hash held its seed): the seed alone is named."""
    import sim
    from sim.experiment import scenario_sha256
    from sim.scenario import load_scenario, with_seed

    scenario, out = _scenario(tmp_path), tmp_path / "run"
    out.mkdir()
    kept = {"settings_sha256": scenario_sha256(with_seed(load_scenario(scenario), 0)), "seed": 11,
            "replications": 1, "outputs": "kpis", "tables": False, "sim_version": sim.__version__, "pid": 1}
    (out / MARKER).write_text(json.dumps(kept))
    assert main(["run", str(scenario), "-o", str(out), "--outputs", "kpis", "--seed", "12", "-q"]) == 0
    assert "replacing it (it differs in: the seed)" in capsys.readouterr().err


def test_only_the_pools_cancelled_future_race_is_kept_off_the_screen():
    import threading
    from concurrent.futures import InvalidStateError
    from concurrent.futures.process import _ExecutorManagerThread

    from sim.processes import is_cancelled_future_race

    manager = _ExecutorManagerThread.__new__(_ExecutorManagerThread)  # (its type is what counts)
    other = threading.Thread(target=lambda: None)

    def args(exc, thread):
        return threading.ExceptHookArgs((type(exc), exc, None, thread))

    assert is_cancelled_future_race(args(InvalidStateError("CANCELLED: <Future>"), manager))
    assert not is_cancelled_future_race(args(ValueError("x"), manager))
    assert not is_cancelled_future_race(args(InvalidStateError("x"), other))


def test_precision_with_an_unknown_kpi_is_refused_before_any_replication(tmp_path, capsys):
    scenario, out = _scenario(tmp_path), tmp_path / "p"
    assert main(["run", str(scenario), "-o", str(out), "--precision", "0.05", "--kpi", "nope", "-q"]) == 2
    assert "--kpi nope: no such KPI" in capsys.readouterr().err
    assert not (out / REPLICATIONS).exists()


def test_kpi_without_precision_is_refused_not_ignored(tmp_path, capsys):
    assert main(["run", str(_scenario(tmp_path)), "-o", str(tmp_path / "k"), "--kpi",
                 "lead_time_hours_mean", "-q"]) == 2
    assert "give --precision too" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()


def test_max_replications_without_precision_is_refused_not_ignored(tmp_path, capsys):
    assert main(["run", str(_scenario(tmp_path)), "-o", str(tmp_path / "m"), "--max-replications",
                 "5", "-q"]) == 2
    assert "give --precision too" in capsys.readouterr().err


def test_report_of_a_file_says_it_is_a_file(tmp_path, capsys):
    (tmp_path / "x.json").write_text("{}")
    assert main(["report", str(tmp_path / "x.json")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in f)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_end_when_their_parent_is_killed_outright(tmp_path):
    """``kill -9`` of fsim leaves no worker behind: a forked worker never sees its
    parent's pipe close (it holds a copy), so it watches for its parent instead."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from sim.processes import worker_pool\n"
        "pool = worker_pool(2)\n"
        "pids = {pool.submit(os.getpid).result() for _ in range(8)}\n"
        "print(' '.join(map(str, sorted(pids))), flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert workers and all(_alive(p) for p in workers)
    parent.kill()
    parent.wait(10)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in workers if _alive(p)]
    for p in left:  # (do not leave them to the next test)
        os.kill(p, signal.SIGKILL)
    assert not left


def test_progress_moves_within_replications_run_by_worker_processes(tmp_path, monkeypatch):
    """With -w N the workers write their replications' progress into shared memory,
    which the parent reads while it waits: the display moves before any replication
    ends (before, it stood still until one did)."""
    import sim.experiment
    from sim.scenario import load_scenario

    monkeypatch.setattr(sim.experiment, "PROGRESS_POLL_S", 0.02)
    scenario = load_scenario(_scenario(tmp_path), {"horizon.days": 30})
    calls = []
    sim.experiment.run(scenario, replications=2, workers=2, tables=False,
                       progress=lambda done, total, frac: calls.append((done, total, frac)))
    within = [frac for done, _, frac in calls if done == 0 and frac > 0]
    assert within, calls
    assert all(0 < f <= 2 for f in within)
    assert calls[-1] == (2, 2, 0.0)


def test_a_comparison_folder_given_to_fsim_run_is_named_as_such(tmp_path, capsys):
    """It said "holds no fsim run (e.g. a)", naming the comparison's subfolder."""
    scenario, out = _scenario(tmp_path), tmp_path / "cmp"
    (out / "a").mkdir(parents=True)
    (out / "comparison.csv").write_text("kpi\n")
    assert main(["run", str(scenario), "-r", "1", "-o", str(out), "--outputs", "kpis", "-q",
                 "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "holds a comparison, not a run" in err
    assert (out / "comparison.csv").exists()


def test_a_kpis_only_run_resumed_with_an_event_log_logs_every_replication(tmp_path, monkeypatch, capsys):
    """A KPIs-only run keeps its replications without tables; resumed with --event-log
    added, it wrote the logs of the replications run after the resume only, silently
    (found by the researcher audit). Such a run is now another run: replaced, with why."""
    from sim.runfolder import RunFolder

    scenario, out = _scenario(tmp_path), tmp_path / "run"
    save = RunFolder.save_replication

    def save_then_stop(self, output):
        save(self, output)
        raise KeyboardInterrupt  # (as Ctrl-C right after the first replication is kept)

    monkeypatch.setattr(RunFolder, "save_replication", save_then_stop)
    args = ["run", str(scenario), "-r", "3", "-o", str(out), "--outputs", "kpis", "-q", "--seed", "5"]
    assert main(args) == 130
    monkeypatch.undo()
    assert len(_finished_reps(out)) == 1
    capsys.readouterr()
    assert main([*args, "--event-log", "xes"]) == 0
    err = capsys.readouterr().err
    assert "replacing it (it differs in: the tables an event log needs" in err, err
    assert sorted(p.name for p in (out / "eventlog").iterdir()) == ["rep-0.xes", "rep-1.xes", "rep-2.xes"]
    # Kept with their tables (--event-log from the start), the same resume goes on.
    other = tmp_path / "other"
    monkeypatch.setattr(RunFolder, "save_replication", save_then_stop)
    assert main([*args[:5], str(other), *args[6:], "--event-log", "xes"]) == 130
    monkeypatch.undo()
    capsys.readouterr()
    assert main([*args[:5], str(other), *args[6:], "--event-log", "xes"]) == 0
    assert "resuming (1 of 3 replications done)" in capsys.readouterr().err
    for rep in range(3):
        assert (other / "eventlog" / f"rep-{rep}.xes").read_bytes() == (
            out / "eventlog" / f"rep-{rep}.xes").read_bytes()


def test_a_run_whose_worker_dies_says_so_and_how_to_finish(tmp_path, monkeypatch, capsys):
    """A worker of fsim run -w N killed (out of memory) gave 'internal error:
    BrokenProcessPool' with no hint that the same command resumes (researcher audit)."""
    from concurrent.futures.process import BrokenProcessPool

    import sim.experiment

    real_run = sim.experiment.run

    def run_then_break(*args, on_replication=None, **kwargs):
        def keep_one_then_break(output):
            on_replication(output)
            raise BrokenProcessPool("A process in the process pool was terminated abruptly")
        return real_run(*args, on_replication=keep_one_then_break, **kwargs)

    monkeypatch.setattr(sim.experiment, "run", run_then_break)
    scenario, out = _scenario(tmp_path), tmp_path / "run"
    assert main(["run", str(scenario), "-r", "3", "-o", str(out), "--outputs", "kpis", "-q"]) == 1
    err = capsys.readouterr().err
    assert ("error: a worker process died (killed, or out of memory?); 1 finished replication(s) kept "
            f"in {out}; run the same command again to finish") in err and "internal error" not in err
    assert len(_finished_reps(out)) == 1


def test_interrupted_while_writing_the_results_says_what_is_kept(tmp_path, monkeypatch, capsys):
    """Ctrl-C while the event logs (or figures) were written printed a bare 'interrupted'."""
    import sim.outputs

    def write_then_interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.outputs, "write_results", write_then_interrupt)
    scenario, out = _scenario(tmp_path), tmp_path / "run"
    assert main(["run", str(scenario), "-r", "2", "-o", str(out), "--outputs", "kpis", "-q"]) == 130
    err = capsys.readouterr().err
    assert f"interrupted: 2 finished replication(s) kept in {out}; run the same command again" in err
    assert len(_finished_reps(out)) == 2 and not (out / "summary.json").exists()


def test_a_kept_replication_damaged_on_disk_is_run_again(tmp_path, monkeypatch, capsys):
    """A truncated replications/rep-NNNN/orders.parquet made the resume fail with
    'internal error: ArrowInvalid' naming no file (researcher audit)."""
    from sim.runfolder import RunFolder

    scenario, out = _scenario(tmp_path), tmp_path / "run"
    reference = tmp_path / "reference"
    args = ["run", str(scenario), "-r", "3", "--seed", "5", "--no-figures", "-q"]
    assert main([*args, "-o", str(reference)]) == 0
    save, saved = RunFolder.save_replication, []

    def save_two_then_stop(self, output):
        save(self, output)
        saved.append(output.replication)
        if len(saved) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(RunFolder, "save_replication", save_two_then_stop)
    assert main([*args, "-o", str(out)]) == 130
    monkeypatch.undo()
    damaged = out / REPLICATIONS / "rep-0001" / "orders.parquet"
    damaged.write_bytes(damaged.read_bytes()[:100])
    capsys.readouterr()
    assert main([*args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "rep-0001 cannot be read" in err and "running that replication again" in err
    for table in ("orders", "shipments"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{table}.parquet"),
                                      pd.read_parquet(reference / f"{table}.parquet"))
