"""Writing a run folder: ``summary.json``, ``orders.parquet``, ``kpis.csv``,
``timeseries.parquet``, ``tours.parquet``, ``label_jobs.parquet``,
``scenario.resolved.yaml`` and the figures.

Files are written to a temporary name and renamed, so a crash never leaves a half-written
file that looks complete.
"""

from __future__ import annotations

import json
import os
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
OUTPUTS = ("kpis", "orders", "all")  # fsim run --outputs
EVENT_LOG_DIR = "eventlog"  # fsim run --event-log: eventlog/rep-<r>.<jsonocel|sqlite|xes>
# Written only when the scenario models stock (``inventory``).
INVENTORY_FILES = (
    "inventory_statement.csv",
    "stock_levels.parquet",
)


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
    write(tmp)
    os.replace(tmp, path)


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
                  event_log_start=None) -> list[Path]:
    """Write the outputs of ``result`` under ``out_dir`` (``outputs``: ``kpis`` for the
    KPI files only, ``orders`` adds the tables, ``all`` also the figures unless
    ``figures`` is false; ``event_logs``: formats of :mod:`sim.eventlog` to write per
    replication under ``eventlog/``, hour 0 at ``event_log_start``); return the files
    written. summary.json is written last: a folder without it is an incomplete run."""
    if outputs not in OUTPUTS:
        raise ValueError(f"outputs must be one of {OUTPUTS}, got {outputs!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / "scenario.resolved.yaml",
            lambda p: p.write_text(scenario_to_yaml(result.scenario), encoding="utf-8"))
    written = [out / "scenario.resolved.yaml"]
    if outputs != "kpis":
        for name, frame in (("orders.parquet", result.orders), ("shipments.parquet", result.shipments),
                            ("timeseries.parquet", result.timeseries), ("tours.parquet", result.tours),
                            ("label_jobs.parquet", result.label_jobs)):
            _atomic(out / name, lambda p, frame=frame: frame.to_parquet(p, index=False))
            written.append(out / name)
        if len(result.inventory):
            _atomic(out / "inventory_statement.csv", lambda p: result.inventory.to_csv(p, index=False))
            _atomic(out / "stock_levels.parquet", lambda p: result.stock_levels.to_parquet(p, index=False))
            written += [out / name for name in INVENTORY_FILES]
    _atomic(out / "kpis.csv", lambda p: tidy_kpis(result).to_csv(p, index=False))
    written.append(out / "kpis.csv")
    if figures and outputs == "all":
        from sim.report import write_figures  # matplotlib only when figures are wanted

        written += write_figures(result, out)
    if event_logs:
        from sim.eventlog import write_run_event_logs

        written += write_run_event_logs(result, out / EVENT_LOG_DIR, event_logs, event_log_start)
    _atomic(out / "summary.json",
            lambda p: p.write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8"))
    written.append(out / "summary.json")
    return written
