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

from sim.errors import OutputDirError
from sim.experiment import Result
from sim.scenario.loader import scenario_to_yaml

RESULT_FILES = (
    "summary.json",
    "kpis.csv",
    "orders.parquet",
    "timeseries.parquet",
    "tours.parquet",
    "label_jobs.parquet",
    "scenario.resolved.yaml",
)
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


def prepare_out_dir(path: str | Path, overwrite: bool = False) -> Path:
    """Check (before any simulation) that ``path`` can receive a run: create it, refuse
    a file in its place, and refuse a folder holding another run's results unless
    ``overwrite``, in which case those result files are removed first."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f"--out {out}: cannot create the folder: {exc.strerror}") from None
    previous = [p for p in out.iterdir()
                if p.name in RESULT_FILES + INVENTORY_FILES or p.suffix == ".png"]
    if previous and not overwrite:
        raise OutputDirError(
            f"--out {out}: already holds a run ({len(previous)} result files); choose another "
            "folder or pass --overwrite")
    for p in previous:
        p.unlink()
    probe = out / ".fsim-write-test"
    try:
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise OutputDirError(f"--out {out}: cannot write there: {exc.strerror}") from None
    return out


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_results(result: Result, out_dir: str | Path, figures: bool = True) -> list[Path]:
    """Write every output of ``result`` under ``out_dir``; return the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / "scenario.resolved.yaml",
            lambda p: p.write_text(scenario_to_yaml(result.scenario), encoding="utf-8"))
    _atomic(out / "orders.parquet", lambda p: result.orders.to_parquet(p, index=False))
    _atomic(out / "timeseries.parquet", lambda p: result.timeseries.to_parquet(p, index=False))
    _atomic(out / "tours.parquet", lambda p: result.tours.to_parquet(p, index=False))
    _atomic(out / "label_jobs.parquet", lambda p: result.label_jobs.to_parquet(p, index=False))
    _atomic(out / "kpis.csv", lambda p: result.kpis.to_csv(p, index=False))
    _atomic(out / "summary.json",
            lambda p: p.write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8"))
    written = [out / name for name in RESULT_FILES]
    if len(result.inventory):
        _atomic(out / "inventory_statement.csv", lambda p: result.inventory.to_csv(p, index=False))
        _atomic(out / "stock_levels.parquet", lambda p: result.stock_levels.to_parquet(p, index=False))
        written += [out / name for name in INVENTORY_FILES]
    if figures:
        from sim.report import write_figures  # matplotlib only when figures are wanted

        written += write_figures(result, out)
    return written
