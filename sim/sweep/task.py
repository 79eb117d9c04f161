"""One unit of sweep work: a point's resolved scenario, a replication and a seed. Small
and picklable, so any process or cluster worker can run it; it sends back the KPI row
(and who ran it), never the per-order tables."""

from __future__ import annotations

import math
import os
import shutil
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from sim.experiment import replication_measures
from sim.kpis import Kpis
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Task:
    """Replication ``replication`` of point ``point``, with the sweep's ``seed`` (the same
    for every point: common random numbers). ``run_dir``: with ``--keep-orders``, the
    folder the full run is written to (it must be reachable from the worker), with its
    event logs when ``event_logs`` names formats."""

    point: int
    replication: int
    seed: int
    scenario: Scenario
    run_dir: str | None = None
    figures: bool = True  # with run_dir: draw the run's figures too
    outputs: str = "all"  # with run_dir: what the run folder holds (sim.outputs.OUTPUTS)
    event_logs: tuple[str, ...] = ()  # with run_dir: event-log formats to write there
    event_log_start: object = None  # (a datetime.date: the log's hour 0)
    sim_version: str = ""  # the version that made the task: a worker running another refuses it

    @property
    def key(self) -> tuple[int, int]:
        return self.point, self.replication


def task_record(task: Task, kpis: dict[str, float], error: str | None, detail: str | None,
                wall_s: float, cpu_s: float | None = None,
                lower_bounds: dict[str, float] | None = None,
                saturated: list[str] | None = None, warnings: list[str] | None = None) -> dict:
    """What a task sends back: identity, KPIs (floats; NaN as None) or the error, the
    lower bounds of censored KPIs, the saturated pools and the model's warnings, and
    which process on which host ran it, for how long (wall and CPU seconds)."""
    return {
        "point": task.point,
        "replication": task.replication,
        "seed": task.seed,
        "kpis": {name: _json_float(value) for name, value in kpis.items()},
        "lower_bounds": {name: float(value) for name, value in (lower_bounds or {}).items()},
        "saturated": list(saturated or []),
        "warnings": list(warnings or []),
        "error": error,
        "traceback": detail,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "wall_s": wall_s,
        "cpu_s": cpu_s,
    }


def run_task(task: Task) -> dict:
    """Run one task; an exception becomes an error in the record (the sweep goes on). A
    worker that runs another version of the simulator than the one that made the task
    (a cluster's worker installed apart) runs nothing and says so: its results could be
    another model's."""
    from sim import __version__

    started, cpu = time.perf_counter(), time.process_time()
    if task.sim_version and task.sim_version != __version__:
        return task_record(task, {}, f"VersionMismatch: this worker ({socket.gethostname()}) runs "
                           f"fulfillment-sim {__version__}, the sweep {task.sim_version}: install "
                           f"the same version on every worker", None, 0.0)
    try:
        if task.run_dir:
            measured, log_start = _full_run(task)
        else:
            measured, log_start = replication_measures(task.scenario, task.replication, task.seed), None
        record = task_record(task, measured.values, None, None, time.perf_counter() - started,
                             time.process_time() - cpu, measured.lower_bounds, measured.saturated,
                             measured.warnings)
        if task.event_logs:  # (what a rerun checks the logs in the folder against)
            record.update(event_logs=list(task.event_logs), event_log_start=log_start.isoformat())
        return record
    except Exception as exc:  # recorded, not raised: one bad point must not stop a sweep
        return task_record(task, {}, f"{type(exc).__name__}: {exc}", traceback.format_exc(),
                           time.perf_counter() - started, time.process_time() - cpu)


def _full_run(task: Task):
    """The full replication with every output file, written as a run folder (to a
    temporary name first, then renamed: a folder under its final name is complete);
    returns its KPIs and the event logs' start date (None: no log)."""
    from sim.experiment import collect, run_one
    from sim.outputs import write_results

    start = task.event_log_start
    if task.event_logs and start is None:
        from sim.eventlog.clock import default_start

        start = default_start(task.scenario.horizon.start_weekday)
    output = run_one(task.scenario, task.replication, task.seed)
    result = collect(task.scenario, task.seed, [output])
    final = Path(task.run_dir)
    tmp = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    write_results(result, tmp, figures=task.figures, outputs=task.outputs,
                  event_logs=task.event_logs, event_log_start=start)
    if final.exists():  # left by a run killed before its task record was written
        shutil.rmtree(final)
    os.replace(tmp, final)
    return Kpis(values={k: v for k, v in output.kpis.items() if k != "replication"},
                lower_bounds=output.lower_bounds, saturated=output.saturated,
                warnings=list(output.warnings)), start


def _json_float(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value
