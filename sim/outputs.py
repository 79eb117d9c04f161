"""Writing a run folder: ``summary.json``, ``orders.parquet``, ``kpis.csv``,
``timeseries.parquet``, ``tours.parquet``, ``label_jobs.parquet``,
``scenario.resolved.yaml`` and the figures.

Files are written to a temporary name and renamed, so a crash never leaves a half-written
file that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiment import Result
from sim.scenario.loader import scenario_to_yaml

# Written by every run (``--outputs kpis`` writes only these).
KPI_FILES = ("summary.json", "kpis.csv", "scenario.resolved.yaml")
# Written with ``--outputs orders`` or ``all`` (the default).
TABLE_FILES = (
    "orders.parquet",
    "shipments.parquet",
    "timeseries.parquet",
    "tours.parquet",
    "label_jobs.parquet",
)
RESULT_FILES = KPI_FILES + TABLE_FILES
# The figures fsim run draws (sim.report), fsim warmup's default figure and fsim
# report's page: with the result files, all a run folder may hold that fsim wrote, and
# so all that ``--overwrite`` or a resume may remove (nothing else of the user's).
RUN_FIGURES = ("lead_time_by_site.png", "lead_time_by_channel.png", "picking_accuracy_by_day.png",
               "lead_time_by_method.png", "picking_distributions.png", "staff_pools.png",
               "stock_levels.png", "csat.png", "returns_per_day.png")
RUN_FIGURE_PATTERNS = ("pick_routes_*.png", "warmup_*.png")
REPORT_FILE = "report.html"

OUTPUTS = ("kpis", "orders", "all")  # fsim run --outputs
EVENT_LOG_DIR = "eventlog"  # fsim run --event-log: eventlog/rep-<r>.<jsonocel|sqlite|xes>
# Written only when the scenario models stock (``inventory``).
INVENTORY_FILES = (
    "inventory_statement.csv",
    "stock_levels.parquet",
)


def written_by_fsim_in_a_run(name: str) -> bool:
    """Whether a file of a run folder called ``name`` is a figure or page fsim draws
    there (:data:`RUN_FIGURES`, :data:`RUN_FIGURE_PATTERNS`, :data:`REPORT_FILE`)."""
    from fnmatch import fnmatchcase

    return (name in RUN_FIGURES or name == REPORT_FILE
            or any(fnmatchcase(name, pattern) for pattern in RUN_FIGURE_PATTERNS))


def default_out_dir(scenario_name: str, root: str | Path = "results") -> Path:
    """Create and return ``results/<scenario>/<timestamp>/`` (local time, to the
    second; ``-2``, ``-3``... when runs start in the same second: the folder is created
    here, atomically, so two runs never share one)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    parent = Path(root) / scenario_name
    parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        path = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            n += 1


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # (a leftover of a killed run)
    write(tmp)
    os.replace(tmp, path)


# Per table: the parquet files of each replication, in replication order (``fsim run``
# keeps them to resume: :meth:`sim.runfolder.RunFolder.table_files`).
TableFiles = Callable[[str], list[Path]]


def combine_parquet(sources: list[Path], target: Path) -> None:
    """Write the parquet files ``sources`` (one table, one file per replication) one
    after the other into ``target``, one replication at a time: the rows and types of
    ``pd.concat`` of them, without holding more than one in memory. One file is linked
    (or copied), not rewritten. Files whose types differ (a categorical column with
    other categories, say) are concatenated by pandas, as before."""
    import pyarrow.parquet as pq

    if len(sources) == 1:
        try:
            os.link(sources[0], target)
        except OSError:  # (no hard links here)
            shutil.copyfile(sources[0], target)
        return
    schema = pq.read_schema(sources[0])
    if not _same_types(schema, sources):
        pd.concat([pd.read_parquet(s) for s in sources], ignore_index=True).to_parquet(target, index=False)
        return
    with pq.ParquetWriter(target, schema) as writer:
        for source in sources:
            writer.write_table(pq.read_table(source))


def _same_types(schema, sources: list[Path]) -> bool:
    """Whether every file of ``sources`` has the types of ``schema`` (pandas' own
    metadata included) and, where it has rows, the same categories in every
    categorical column (an empty one has lost them: it takes any)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not all(pq.read_schema(s).equals(schema, check_metadata=True) for s in sources):
        return False
    categorical = [f.name for f in schema if pa.types.is_dictionary(f.type)]
    if not categorical:
        return True
    seen = {}
    for source in sources:
        table = pq.read_table(source, columns=categorical)
        if not table.num_rows:
            continue
        for name in categorical:
            dictionaries = [chunk.dictionary.to_pylist() for chunk in table.column(name).chunks]
            if seen.setdefault(name, dictionaries[0]) != dictionaries[0] or any(
                    d != dictionaries[0] for d in dictionaries):
                return False
    return True


def tidy_kpis(result: Result) -> pd.DataFrame:
    """kpis.csv of a run (:func:`tidy_kpi_frame`)."""
    return tidy_kpi_frame(result.scenario, result.kpis, result.lower_bounds)


def tidy_kpi_frame(scenario, kpis: pd.DataFrame, lower_bounds: list[dict[str, float]]) -> pd.DataFrame:
    """kpis.csv: one row per replication and KPI: ``replication, name`` (the full KPI
    name, as in summary.json), ``kpi`` (its base name), ``site`` and ``channel`` (empty
    when pooled), ``value`` (empty where undefined or censored), ``censored`` and
    ``lower_bound`` (for a censored KPI). ``kpis``: one row per replication."""
    from sim.kpis import base_of

    sites, channels = scenario.sites, list(scenario.demand.channels)
    wide = kpis.set_index("replication")
    names = list(wide.columns)
    parts = [base_of(n, sites, channels) for n in names]
    reps = wide.index.to_numpy()
    values = wide.to_numpy(dtype=float)
    bounds = np.full(values.shape, np.nan)
    for r, lower in enumerate(lower_bounds):
        for j, n in enumerate(names):
            if n in lower:
                bounds[r, j] = lower[n]
    return pd.DataFrame({
        "replication": np.repeat(reps, len(names)),
        "name": np.tile(names, len(reps)),
        "kpi": np.tile([p[0] for p in parts], len(reps)),
        "site": np.tile([p[1] for p in parts], len(reps)),
        "channel": np.tile([p[2] for p in parts], len(reps)),
        "value": values.ravel(),
        "censored": ~np.isnan(bounds.ravel()),
        "lower_bound": bounds.ravel(),
    })


def write_results(result: Result, out_dir: str | Path, figures: bool = True,
                  outputs: str = "all", event_logs: tuple[str, ...] | list[str] = (),
                  event_log_start=None, table_files: TableFiles | None = None,
                  figure_process=None) -> list[Path]:
    """Write the outputs of ``result`` under ``out_dir`` (``outputs``: ``kpis`` for the
    KPI files only, ``orders`` adds the tables, ``all`` also the figures unless
    ``figures`` is false; ``event_logs``: formats of :mod:`sim.eventlog` to write per
    replication under ``eventlog/``, hour 0 at ``event_log_start``); return the files
    written. summary.json is written last: a folder without it is an incomplete run.

    ``table_files``: where each replication's tables are kept on disk (``fsim run``:
    the copies it resumes from): the combined files are written from there a
    replication at a time (one replication: linked, not written again). If ``result``
    does not hold its tables (:meth:`ReplicationOutput.drop_tables`), the figures read
    back only the columns they draw, so memory does not grow with the replications.
    (The event logs need the tables held.) ``figure_process``: a
    :class:`sim.figure_process.FigureProcess` that draws the figures, from the tables
    written here (else they are drawn in this process)."""
    if outputs not in OUTPUTS:
        raise ValueError(f"outputs must be one of {OUTPUTS}, got {outputs!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / "scenario.resolved.yaml",
            lambda p: p.write_text(scenario_to_yaml(result.scenario), encoding="utf-8"))
    written = [out / "scenario.resolved.yaml"]
    held = not (result.orders.empty and result.shipments.empty)  # (else kept in table_files)
    if outputs != "kpis":
        tables = [name.removesuffix(".parquet") for name in TABLE_FILES]
        if len(result.inventory):
            _atomic(out / "inventory_statement.csv", lambda p: result.inventory.to_csv(p, index=False))
            tables.append("stock_levels")
        for name in tables:
            if table_files is None:
                frame = getattr(result, name)
                _atomic(out / f"{name}.parquet", lambda p, frame=frame: frame.to_parquet(p, index=False))
            else:
                _atomic(out / f"{name}.parquet", lambda p, name=name: combine_parquet(table_files(name), p))
        written += [out / name for name in TABLE_FILES]
        if len(result.inventory):
            written += [out / name for name in INVENTORY_FILES]
    _atomic(out / "kpis.csv", lambda p: tidy_kpis(result).to_csv(p, index=False))
    written.append(out / "kpis.csv")
    drawn = False
    if figures and outputs == "all" and figure_process is not None:
        from sim.figure_process import FigureProcessGone

        try:
            written += figure_process.draw(result.scenario, result.summary, out,
                                           stock=bool(len(result.inventory)))
            drawn = True
        except FigureProcessGone as exc:  # (the figures are drawn here instead)
            sys.stderr.write(f"note: {exc}; drawing them in this process\n")
    if figures and outputs == "all" and not drawn:
        from sim.report import write_figures  # matplotlib only when figures are wanted

        written += write_figures(result if held or table_files is None else _read_back(result, out), out)
    if event_logs:
        from sim.eventlog import write_run_event_logs

        written += write_run_event_logs(result, out / EVENT_LOG_DIR, event_logs, event_log_start)
    _atomic(out / "summary.json",
            lambda p: p.write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8"))
    written.append(out / "summary.json")
    return written


def _read_back(result: Result, out: Path) -> Result:
    """``result`` as the figures read it, its tables read back from the combined files
    in ``out`` (:func:`read_back_for_figures`)."""
    return read_back_for_figures(result.scenario, result.summary, out, stock=bool(len(result.inventory)))


def read_back_for_figures(scenario, summary: dict, out: Path, stock: bool) -> Result:
    """What the figures draw of a run whose tables are in ``out``: its scenario and
    summary, and its tables read back (orders and shipments: only the columns the
    figures read; ``stock``: it has an inventory, so stock levels)."""
    from sim.report import FIGURE_COLUMNS

    def read(name: str) -> pd.DataFrame:
        path = out / f"{name}.parquet"
        return pd.read_parquet(path, columns=FIGURE_COLUMNS.get(name)) if path.exists() else pd.DataFrame()

    return Result(scenario=scenario, orders=read("orders"), shipments=read("shipments"),
                  kpis=pd.DataFrame(), timeseries=read("timeseries"), tours=read("tours"),
                  stock_levels=read("stock_levels") if stock else pd.DataFrame(), summary=summary)
