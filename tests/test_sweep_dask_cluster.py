"""A sweep on a Dask cluster that goes away, or that has no worker (checks from
outside: a lost scheduler was recorded as failed runs and the sweep written as
complete; a cluster with no worker waited without a word)."""

from __future__ import annotations

import json
import threading
import time

import pytest

pytest.importorskip("distributed")

from distributed import LocalCluster  # noqa: E402

from sim.cli import main  # noqa: E402
from sim.sweep.executors import DaskExecutor  # noqa: E402

from .test_sweep_run import write_sweep  # noqa: E402


def _cluster(workers: int) -> LocalCluster:
    return LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)


def test_a_lost_cluster_stops_the_sweep_keeping_what_finished(tmp_path, capsys):
    path = write_sweep(tmp_path / "in", replications=12, pickers="[1, 2, 3]")
    out = tmp_path / "out"
    cluster = _cluster(1)
    finished = []

    def close_after_the_first_runs() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list((out / "tasks").glob("*.json"))) < 2:
            time.sleep(0.05)
        finished.append(len(list((out / "tasks").glob("*.json"))))
        cluster.close()

    closer = threading.Thread(target=close_after_the_first_runs)
    closer.start()
    code = main(["sweep", path, "--out", str(out), "--executor", "dask", "--scheduler",
                 cluster.scheduler_address, "--no-figures", "-q"])
    closer.join()
    err = capsys.readouterr().err
    assert code == 1
    assert "error: lost the Dask cluster at tcp://127.0.0.1:" in err and "runs finished are kept" in err
    assert "runs failed" not in err  # (not the runs' failure)
    kept = [json.loads(p.read_text()) for p in (out / "tasks").glob("*.json")]
    assert kept and len(kept) < 36 and not any(r["error"] for r in kept)
    assert not (out / "runs.csv").exists() and not (out / "points.csv").exists()
    assert not json.loads((out / "manifest.json").read_text()).get("complete")
    # Resumed elsewhere, it runs only what the lost cluster had not finished.
    assert main(["sweep", path, "--out", str(out), "--executor", "serial", "--no-figures"]) == 0
    assert f"36 runs ({36 - len(kept)} now, {len(kept)} already done)" in capsys.readouterr().err


def test_a_cluster_without_workers_says_so_and_goes_on_when_one_joins(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(DaskExecutor, "IDLE_CHECK_S", 0.3)
    path = write_sweep(tmp_path / "in", replications=1)
    out = tmp_path / "out"
    with _cluster(0) as cluster:
        codes = []
        sweep = threading.Thread(target=lambda: codes.append(main(
            ["sweep", path, "--out", str(out), "--executor", "dask", "--scheduler",
             cluster.scheduler_address, "--no-figures", "-q"])))
        sweep.start()
        said, deadline = "", time.monotonic() + 60
        while "has no worker" not in said and time.monotonic() < deadline:
            time.sleep(0.1)
            said += capsys.readouterr().err
        assert "warning: the Dask cluster at tcp://127.0.0.1:" in said
        assert "has no worker: waiting for one to join" in said
        cluster.scale(1)
        sweep.join(timeout=120)
    assert codes == [0]
    assert (out / "points.csv").exists()


def test_workers_running_another_version_are_refused(tmp_path, capsys, monkeypatch):
    """Nothing checked that a cluster's workers run the simulator that made the sweep:
    a worker of another version ran its tasks without a word."""
    import sim

    path = write_sweep(tmp_path / "in", replications=1)
    with _cluster(1) as cluster:
        monkeypatch.setattr(sim, "__version__", "9.9.9")  # (this side's: the workers run the real one)
        code = main(["sweep", path, "--out", str(tmp_path / "out"), "--executor", "dask", "--scheduler",
                     cluster.scheduler_address, "--no-figures", "-q"])
    assert code == 2
    err = capsys.readouterr().err
    assert "1 of 1 workers run another fulfillment-sim than this 9.9.9" in err
    assert "install the same version on every worker" in err


def test_a_task_made_by_another_version_is_refused_by_its_worker():
    """A worker that joins later is not in the first check: it refuses each task itself."""
    import sim
    from sim.scenario import validate_data
    from sim.sweep.task import Task, run_task

    from .conftest import tiny_data

    record = run_task(Task(0, 0, 1, validate_data(tiny_data()), sim_version="0.0.1"))
    assert record["error"].startswith("VersionMismatch: this worker")
    assert f"runs fulfillment-sim {sim.__version__}, the sweep 0.0.1" in record["error"]
    assert record["kpis"] == {}
