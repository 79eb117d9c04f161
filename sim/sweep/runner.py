"""Running a resolved sweep into a results folder: the tasks not yet done, on the chosen
executor, each one recorded as it finishes; with a precision target, more replications
for the points that need them; then the tables and figures, from the task records."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.analysis import lacks_a_value, precision_of, replications_needed
from sim.errors import ScenarioError
from sim.sweep.executors import check_executor, make_executor
from sim.sweep.progress import TaskProgress
from sim.sweep.resolve import ResolvedSweep
from sim.sweep.store import SweepStore
from sim.sweep.tables import kpi_columns, points_table, runs_table
from sim.sweep.task import Task, run_task, task_record


@dataclass(frozen=True)
class SweepOptions:
    """How to run a sweep (none of it changes a result)."""

    executor: str = "processes"
    workers: int | None = None
    scheduler: str | None = None
    keep_orders: bool = False
    overwrite: bool = False
    figures: bool = True
    figure_kpis: tuple[str, ...] = ()
    precision: float | None = None  # relative 95% half-width target, e.g. 0.05
    precision_kpis: tuple[str, ...] = ()
    max_replications: int = 50
    quiet: bool = False
    event_logs: tuple[str, ...] = ()  # event-log formats (fsim run --event-log) ...
    event_log_points: tuple[int, ...] | None = None  # ... for these points (None: all)
    event_log_start: object = None  # a datetime.date: the logs' hour 0


@dataclass
class SweepOutcome:
    """What a sweep produced: the tables, the files, failures and precision."""

    out: Path
    runs: pd.DataFrame
    points: pd.DataFrame
    tasks: int
    failed: int
    ran_now: int
    replications: dict[int, int]  # per point
    precision: dict | None
    files: list[Path] = field(default_factory=list)
    worker_pids: set[int] = field(default_factory=set)
    # per point, the model's warnings over its replications (as fsim run merges them)
    warnings: dict[int, list[str]] = field(default_factory=dict)
    # per point with a saturated pool: {"site.role": replications it was saturated in}
    saturated: dict[int, dict[str, int]] = field(default_factory=dict)


def check_kpi_names(wanted: Sequence[str], available: Sequence[str], option: str = "--kpi") -> None:
    """Raise ScenarioError (exit 2) for a KPI name that does not exist, with the
    closest names."""
    problems = []
    for name in wanted:
        if name in available:
            continue
        close = difflib.get_close_matches(name, list(available), n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else (
            f"; KPIs are named like {', '.join(sorted(available)[:4])}, ...")
        problems.append(f"{option} {name}: no such KPI{hint}")
    if problems:
        raise ScenarioError(problems)


def run_sweep(sweep: ResolvedSweep, out: str | Path, options: SweepOptions, console=None,
              task_fn: Callable[[Task], dict] = run_task) -> SweepOutcome:
    """Run (or resume) ``sweep`` into ``out`` and write its outputs."""
    check_executor(options.executor, options.scheduler)  # before anything is written
    store = SweepStore.open(out, sweep, options.overwrite)
    precision = options.precision is not None
    start = max(sweep.spec.replications, 2) if precision else sweep.spec.replications
    maximum = max(options.max_replications, start)
    needed = {p.index: start for p in sweep.points}
    by_index = {p.index: p for p in sweep.points}
    wanted_kpis = tuple(dict.fromkeys((*options.precision_kpis, *options.figure_kpis)))
    attempted: set[tuple[int, int]] = set()
    ran_now, pids = 0, set()
    records = store.records()
    _check_names(records.values(), wanted_kpis)
    with make_executor(options.executor, options.workers, options.scheduler) as executor:
        if console is not None and not options.quiet:
            console.print(f"{sweep.file.name}: {len(sweep.points)} points, "
                          f"{sweep.spec.replications} replications each, seed {sweep.seed}; "
                          f"running on {executor.describe()}", highlight=False)
        round_no = 0
        while True:
            round_no += 1
            todo = []
            for p in needed:
                for r in range(needed[p]):
                    if (p, r) in attempted:
                        continue
                    task = _task(p, r, sweep, by_index[p].scenario, store, options)
                    record = records.get((p, r))
                    if record is None or record.get("error") or _folder_lacks(task, record):
                        todo.append(_keeping_its_logs(task, record))
            attempted.update(t.key for t in todo)
            if todo:
                remaining = {p: sum(1 for t in todo if t.point == p) for p in needed}
                label = sweep.file.name if round_no == 1 else f"{sweep.file.name} (more replications)"
                with TaskProgress(console, label, len(todo), len(needed),
                                  sum(1 for p in needed if not remaining[p]),
                                  quiet=options.quiet or console is None) as progress:
                    for task, result in executor.map_unordered(task_fn, todo):
                        record = result if isinstance(result, dict) else task_record(
                            task, {}, f"{type(result).__name__}: {result}", None, math.nan)
                        store.write_task(record)
                        records[task.key] = record
                        ran_now += 1
                        pids.add(record.get("pid"))
                        if not record.get("error"):
                            _check_names([record], wanted_kpis)
                        remaining[task.point] -= 1
                        progress.advance(failed=bool(record.get("error")),
                                         point_done=remaining[task.point] == 0)
            if not precision:
                break
            grown = _more_replications(needed, records, options, maximum)
            if not grown:
                break
            needed.update(grown)
    return _finish(sweep, store, options, records, needed, ran_now, pids)


def _task(point: int, replication: int, sweep: ResolvedSweep, scenario, store: SweepStore,
          options: SweepOptions) -> Task:
    """The task of one point and replication: KPIs only, or a run folder under points/
    with ``--keep-orders`` (every output) or an event log for the point."""
    logs = options.event_logs if (options.event_log_points is None
                                  or point in options.event_log_points) else ()
    if not (options.keep_orders or logs):
        return Task(point, replication, sweep.seed, scenario, sim_version=__version__)
    return Task(point, replication, sweep.seed, scenario, str(store.run_dir(point, replication)),
                options.figures, "all" if options.keep_orders else "kpis", tuple(logs),
                options.event_log_start, sim_version=__version__)


def _folder_lacks(task: Task, record: dict | None = None) -> bool:
    """Whether a task run before lacks the folder this call asks of it (``--keep-orders``
    or an event log added when resuming, or rerunning a finished sweep; logs that start
    on another date than ``--event-log-start`` asks, as its task ``record`` says): it is
    run again (its KPIs come out the same) to write it."""
    if task.run_dir is None:
        return False
    folder = Path(task.run_dir)
    if not (folder / "summary.json").exists():
        return True
    if task.outputs != "kpis" and not (folder / "orders.parquet").exists():
        return True
    if task.event_logs:
        if task.event_log_start is not None and (record or {}).get("event_log_start") != \
                task.event_log_start.isoformat():
            return True
        return not set(task.event_logs) <= set(_logs_in(task))
    return False


def _logs_in(task: Task) -> list[str]:
    """The event-log formats written in a task's folder."""
    from sim.eventlog.log import FORMATS
    from sim.outputs import EVENT_LOG_DIR

    folder = Path(task.run_dir) / EVENT_LOG_DIR
    return [f for f, ext in FORMATS.items() if (folder / f"rep-{task.replication}{ext}").exists()]


def _keeping_its_logs(task: Task, record: dict | None) -> Task:
    """A task run again replaces its folder: with the event logs of the formats it
    already holds too (so asking for another format does not drop them), from the same
    start date unless ``--event-log-start`` gives another."""
    if task.run_dir is None or not Path(task.run_dir).is_dir():
        return task
    held = [f for f in _logs_in(task) if f not in task.event_logs]
    if not held:
        return task
    start = task.event_log_start
    if start is None and (record or {}).get("event_log_start"):
        import datetime as dt

        start = dt.date.fromisoformat(record["event_log_start"])
    return replace(task, event_logs=(*task.event_logs, *held), event_log_start=start)


def _check_names(records, wanted: Sequence[str]) -> None:
    for record in records:
        if not record.get("error"):
            check_kpi_names(wanted, list(record["kpis"]))
            return


def _values(records: dict, point: int, n: int, kpi: str) -> list[float]:
    out = []
    for r in range(n):
        record = records.get((point, r))
        if record and not record.get("error"):
            value = record["kpis"].get(kpi)
            out.append(math.nan if value is None else value)
    return out


def _more_replications(needed: dict[int, int], records: dict, options: SweepOptions,
                       maximum: int) -> dict[int, int]:
    """Points whose precision target is not met yet: how many replications in all they
    need now (only points that can still grow, and had a value)."""
    grown = {}
    for point, n in needed.items():
        if n >= maximum:
            continue
        target = n
        for kpi in options.precision_kpis:
            values = _values(records, point, n, kpi)
            if not values or lacks_a_value(values):
                continue  # every replication failed, or one has no value (censored,
                # undefined): more replications cannot change that
            if not precision_of(values, options.precision, kpi).reached:
                target = max(target, replications_needed(values, options.precision, maximum))
        if target > n:
            grown[point] = max(target, n + 1)
    return grown


def _finish(sweep: ResolvedSweep, store: SweepStore, options: SweepOptions, records: dict,
            needed: dict[int, int], ran_now: int, pids: set) -> SweepOutcome:
    wanted = [records[(p, r)] for p in needed for r in range(needed[p]) if (p, r) in records]
    parameters = sweep.parameters
    runs = runs_table(wanted, {p.index: p.values for p in sweep.points}, parameters)
    points = points_table(runs, parameters, {(r["point"], r["replication"]): r.get("lower_bounds") or {}
                                             for r in wanted})
    out = store.out
    files = []
    for name, write in (("runs.parquet", lambda p: runs.to_parquet(p, index=False)),
                        ("runs.csv", lambda p: runs.to_csv(p, index=False)),
                        ("points.csv", lambda p: points.to_csv(p, index=False))):
        tmp = out / f"{name}.tmp"
        write(tmp)
        tmp.replace(out / name)
        files.append(out / name)
    if options.figures and len(runs):
        from sim.sweep.figures import DEFAULT_FIGURE_KPIS, sweep_figures

        kpis = list(dict.fromkeys((*options.figure_kpis, *options.precision_kpis,
                                   *DEFAULT_FIGURE_KPIS)))
        files += sweep_figures(points, parameters, kpis, out)
    failed = int(runs["error"].notna().sum())
    precision = _precision_summary(records, needed, options) if options.precision else None
    store.finish(tasks=len(runs), failed=failed, replications_per_point=needed,
                 kpis=kpi_columns(runs, parameters), precision=precision,
                 executor=options.executor)
    from sim.experiment import merge_warnings

    warnings = {p: merge_warnings([records[(p, r)].get("warnings", []) for r in range(needed[p])
                                   if (p, r) in records]) for p in needed}
    saturated: dict[int, dict[str, int]] = {}
    for record in wanted:
        for pool in record.get("saturated") or []:
            by_pool = saturated.setdefault(record["point"], {})
            by_pool[pool] = by_pool.get(pool, 0) + 1
    return SweepOutcome(out=out, runs=runs, points=points, tasks=len(runs), failed=failed,
                        ran_now=ran_now, replications=dict(needed), precision=precision,
                        files=files, worker_pids={p for p in pids if p is not None},
                        warnings={p: w for p, w in warnings.items() if w}, saturated=saturated)


def _precision_summary(records: dict, needed: dict[int, int], options: SweepOptions) -> dict:
    """Per point and precision KPI: replications used, half-width relative to the mean,
    reached or not."""
    per_point = {}
    for point, n in needed.items():
        per_point[point] = {"replications": n, "kpis": {}}
        for kpi in options.precision_kpis:
            status = precision_of(_values(records, point, n, kpi), options.precision, kpi)
            per_point[point]["kpis"][kpi] = {
                "mean": _json(status.mean), "half_width": _json(status.half_width),
                "relative_half_width": _json(status.relative_half_width),
                "reached": status.reached}
    reached = sum(all(k["reached"] for k in v["kpis"].values()) for v in per_point.values())
    return {"relative": options.precision, "kpis": list(options.precision_kpis),
            "max_replications": options.max_replications, "points_reached": reached,
            "points": per_point}


def _json(value: float):
    return None if value is None or math.isnan(value) else float(value)
