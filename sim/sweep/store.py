"""A sweep's results folder, safe to kill at any moment and to resume.

- ``manifest.json``: what the folder holds (the sweep's fingerprint, its points, and
  ``complete: true`` once the aggregated outputs are written);
- ``tasks/p<point>-r<replication>.json``: one small file per finished task, written to
  a temporary name and renamed (a file under its final name is complete);
- ``runs.parquet``, ``runs.csv``, ``points.csv`` and figures: written only at the end,
  from the task files; a resumed sweep removes them first, so they never describe
  part of a sweep as if it were all of it.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from sim import __version__
from sim.errors import OutputDirError
from sim.invocation import command_text
from sim.outdir import make_output_folder, refuse_other_output
from sim.sweep.resolve import ResolvedSweep

MANIFEST = "manifest.json"
KIND = "fsim-sweep"  # manifest.json's "kind"
TASKS = "tasks"
POINTS_DIR = "points"  # --keep-orders: points/p<point>/r<replication>/ run folders
SWEEP_COPY = "sweep.yaml"
BASE_RESOLVED = "base.resolved.yaml"  # the base scenario, with the sweep's set: applied
AGGREGATES = ("runs.parquet", "runs.csv", "points.csv", "report.html")
FIGURE_PATTERNS = ("sweep_*.png", "heatmap_*.png")  # (sim.sweep.figures)
FORMAT = 1


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that the file under that name is always whole: a
    temporary name in the same folder, flushed to disk, then renamed over."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _remove_figures(out: Path) -> None:
    """Remove the sweep's own figures (``sweep_<kpi>.png``, ``heatmap_<kpi>.png``,
    :mod:`sim.sweep.figures`), redrawn at the end; any other PNG is the user's."""
    for pattern in FIGURE_PATTERNS:
        for png in out.glob(pattern):
            png.unlink(missing_ok=True)


def task_name(point: int, replication: int) -> str:
    return f"p{point:05d}-r{replication:04d}"


class SweepStore:
    """The results folder of one sweep (see the module's docstring)."""

    def __init__(self, out: Path, manifest: dict):
        self.out = out
        self.manifest = manifest

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, out: str | Path, sweep: ResolvedSweep, overwrite: bool = False) -> SweepStore:
        """Create the folder, or resume the same sweep in it. A folder holding another
        sweep (or anything else) is refused unless ``overwrite``, which removes what
        fsim wrote there (nothing else)."""
        out = make_output_folder(out)
        refuse_other_output(out, "sweep")
        old = _read_manifest(out)
        if old is not None and old.get("sweep_sha256") == sweep.sha256:
            store = cls(out, old)
            store._clean_partial()
            store.manifest.update(complete=False, resumed_at=_now(), command=command_text())
            store._write_manifest()
            return store
        if not overwrite:
            if old is not None:
                raise OutputDirError(
                    f"--out {out}: holds the results of a different sweep "
                    f"({_what_changed(old, sweep)}); rerun the same sweep file to resume it, "
                    "choose another folder, or pass --overwrite to discard those results")
            if any(out.iterdir()):
                raise OutputDirError(f"--out {out}: is not empty and holds no sweep "
                                     f"(no {MANIFEST}); choose another folder or pass --overwrite")
        cls._remove_ours(out)
        store = cls(out, _new_manifest(sweep))
        (out / TASKS).mkdir()
        write_atomic(out / SWEEP_COPY, sweep.file.text)
        from sim.scenario.loader import scenario_to_yaml

        write_atomic(out / BASE_RESOLVED, scenario_to_yaml(sweep.base))
        store._write_manifest()
        return store

    @staticmethod
    def _remove_ours(out: Path) -> None:
        for name in (TASKS, POINTS_DIR):
            shutil.rmtree(out / name, ignore_errors=True)
        for name in (MANIFEST, SWEEP_COPY, BASE_RESOLVED, *AGGREGATES):
            (out / name).unlink(missing_ok=True)
        _remove_figures(out)

    def _clean_partial(self) -> None:
        """Resuming: drop temporary files of tasks that were in flight, and the
        aggregated outputs (rewritten at the end)."""
        (self.out / TASKS).mkdir(exist_ok=True)
        for tmp in (self.out / TASKS).glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        for tmp in (self.out / POINTS_DIR).glob("*/*.tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)
        for name in AGGREGATES:
            (self.out / name).unlink(missing_ok=True)
        _remove_figures(self.out)

    # --- tasks -----------------------------------------------------------------------

    def run_dir(self, point: int, replication: int) -> Path:
        """Where ``--keep-orders`` writes the run folder of a task."""
        folder = self.out / POINTS_DIR / f"p{point:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"r{replication:04d}"

    def write_task(self, record: dict) -> None:
        path = self.out / TASKS / f"{task_name(record['point'], record['replication'])}.json"
        write_atomic(path, json.dumps(record) + "\n")

    def records(self) -> dict[tuple[int, int], dict]:
        """Every finished task (successful or failed), by (point, replication)."""
        out: dict[tuple[int, int], dict] = {}
        for path in sorted((self.out / TASKS).glob("*.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                out[(int(record["point"]), int(record["replication"]))] = record
            except (ValueError, KeyError, OSError):
                continue  # not one of ours: the task is run again
        return out

    # --- the end ---------------------------------------------------------------------

    def finish(self, **fields) -> None:
        """Mark the folder complete (after the aggregated outputs are written)."""
        self.manifest.update(fields, complete=True, finished_at=_now())
        self._write_manifest()

    def _write_manifest(self) -> None:
        write_atomic(self.out / MANIFEST, json.dumps(self.manifest, indent=2, default=str) + "\n")


def _read_manifest(out: Path) -> dict | None:
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}


def _new_manifest(sweep: ResolvedSweep) -> dict:
    spec = sweep.spec
    return {
        "kind": KIND,
        "format": FORMAT,
        "name": sweep.file.name,
        "sweep_sha256": sweep.sha256,
        "sweep_file": str(sweep.file.path),
        "base": str(sweep.file.base_path),
        "sim_version": __version__,
        "seed": sweep.seed,
        "replications": spec.replications,
        "design": spec.design,
        "parameters": list(spec.parameters),
        "set": spec.fixed,
        "points": [{"point": p.index, "values": p.values, "scenario": p.scenario.name}
                   for p in sweep.points],
        "command": command_text(),
        "created_at": _now(),
        "complete": False,
    }


def _what_changed(old: dict, sweep: ResolvedSweep) -> str:
    """A short reason why an existing folder's sweep is not this one."""
    if not old:
        return f"its {MANIFEST} cannot be read"
    reasons = []
    if old.get("sim_version") != __version__:
        reasons.append(f"simulator version {old.get('sim_version')} -> {__version__}")
    if old.get("seed") != sweep.seed:
        reasons.append(f"seed {old.get('seed')} -> {sweep.seed}")
    if old.get("replications") != sweep.spec.replications:
        reasons.append(f"replications {old.get('replications')} -> {sweep.spec.replications}")
    old_points = [p.get("values") for p in old.get("points", [])]
    new_points = json.loads(json.dumps([p.values for p in sweep.points], default=str))
    if old_points != new_points:
        reasons.append(f"points ({len(old_points)} -> {len(new_points)}, or their values)")
    if not reasons:
        reasons.append("the base scenario or the values set on it")
    return f"sweep file {old.get('sweep_file', '?')}; changed: " + ", ".join(reasons)
