"""Writing a run folder: ``summary.json``, ``orders.parquet``, ``kpis.csv``,
``timeseries.parquet``, ``scenario.resolved.yaml`` and the figures.

Files are written to a temporary name and renamed, so a crash never leaves a half-written
file that looks complete.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from sim.experiment import Result
from sim.scenario.loader import scenario_to_yaml

RESULT_FILES = (
    "summary.json",
    "kpis.csv",
    "orders.parquet",
    "timeseries.parquet",
    "scenario.resolved.yaml",
)


def default_out_dir(scenario_name: str, root: str | Path = "results") -> Path:
    """``results/<scenario>/<timestamp>/`` (local time, to the second)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(root) / scenario_name / stamp
    n = 1
    while path.exists():
        n += 1
        path = Path(root) / scenario_name / f"{stamp}-{n}"
    return path


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
    _atomic(out / "kpis.csv", lambda p: result.kpis.to_csv(p, index=False))
    _atomic(out / "summary.json",
            lambda p: p.write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8"))
    written = [out / name for name in RESULT_FILES]
    if figures:
        from sim.report import write_figures  # matplotlib only when figures are wanted

        written += write_figures(result, out)
    return written
