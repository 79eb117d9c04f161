"""A run's output folder through its life, so that nothing is lost and nothing half done
reads as finished.

1. :meth:`RunFolder.prepare` (before any simulation): the folder is created and checked
   writable; a folder holding a finished run (a ``summary.json``) is refused unless
   ``--overwrite``; an *incomplete* run (the marker file, or only files named as fsim
   run names its results) is resumed if it was the same run (the same manifest:
   resolved scenario, seed, replications, outputs, precision target), else replaced.
   A folder holding anything else is refused: nothing of the user's is deleted.
2. The marker ``.fsim-incomplete`` (JSON: what is being run, by which process) is written
   first and removed last.
3. :meth:`RunFolder.save_replication` keeps each replication as soon as it finishes, in
   ``replications/rep-NNNN/`` (written under a temporary name and renamed: a folder
   there is complete). A killed run keeps every finished replication; rerunning the same
   command runs only the others.
4. The combined files are written, ``summary.json`` last (:func:`sim.outputs.write_results`),
   then :meth:`RunFolder.finish` removes the per-replication copies and the marker.

A folder without ``summary.json`` is never a finished run.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sim.errors import OutputDirError
from sim.outdir import make_output_folder

MARKER = ".fsim-incomplete"
REPLICATIONS = "replications"
_FRAMES = ("orders", "shipments", "timeseries", "tours", "label_jobs", "inventory", "stock_levels",
           "shipment_lines", "supplier_orders")
_SMALL = ("replication", "kpis", "lower_bounds", "saturated", "warnings", "pid", "seed", "end_h")
EVENT_LOG_DIR = "eventlog"  # sim.outputs.EVENT_LOG_DIR: rep-<r>.<ext> there are results too


class RunFolder:
    """See the module docstring. ``manifest``: what identifies the run (the resolved
    scenario's hash, seed, replications, outputs)."""

    def __init__(self, path: Path, manifest: dict, resumed: list[int]) -> None:
        self.path, self.manifest, self.resumed = path, manifest, resumed

    @classmethod
    def prepare(cls, path: str | Path, manifest: dict, overwrite: bool = False,
                result_names: tuple[str, ...] = ()) -> RunFolder:
        from sim.outputs import written_by_fsim_in_a_run

        out = make_output_folder(path)
        marker = out / MARKER
        ours = marker.exists() or (out / "summary.json").exists()

        def written_by_fsim(name: str) -> bool:
            return name.removesuffix(".tmp") in result_names or written_by_fsim_in_a_run(name)

        # Files fsim run does not write (a user's notes, a figure of their own): never removed.
        foreign = sorted(p.name for p in out.iterdir() if not p.name.startswith(".")
                         and not written_by_fsim(p.name) and p.name not in (REPLICATIONS, EVENT_LOG_DIR))
        if foreign and not ours:  # a folder fsim run did not make
            from sim.outdir import refuse_other_output

            refuse_other_output(out, "run")  # (a comparison, a sweep: named as such)
            raise OutputDirError(
                f"--out {out}: is not empty and holds no fsim run (e.g. {foreign[0]}); choose an "
                "empty or new folder")
        results = [p for p in out.iterdir() if written_by_fsim(p.name) or p.name.endswith(".tmp")]
        logs = out / EVENT_LOG_DIR
        if logs.is_dir():  # event logs of an earlier run (fsim run --event-log)
            results += [p for p in logs.iterdir() if p.name.startswith("rep-")]
        finished = (out / "summary.json").exists() and not marker.exists()
        resumed: list[int] = []
        if finished and not overwrite:
            raise OutputDirError(
                f"--out {out}: already holds a finished run (summary.json); choose another folder "
                "or pass --overwrite")
        if finished and foreign:  # --overwrite would leave them beside results they do not belong to
            raise OutputDirError(
                f"--out {out}: holds files fsim run does not write beside its finished run (e.g. "
                f"{foreign[0]}); move them out, or choose another folder (--overwrite replaces only "
                "a run's own files)")
        if not finished and (marker.exists() or results):
            previous = _read_marker(marker)
            differences = None if previous is None else _differences(previous, manifest)
            if differences == []:
                resumed = sorted(_finished_replications(out))
                done = (f"{len(resumed)} replications done, up to {manifest['max_replications']}"
                        if "max_replications" in manifest  # (--precision: the count is found as it runs)
                        else f"{len(resumed)} of {manifest['replications']} replications done")
                sys.stderr.write(f"note: {out} holds an incomplete run of the same scenario; resuming "
                                 f"({done})\n")
            else:
                why = f" (it differs in: {', '.join(differences)})" if differences else ""
                sys.stderr.write(f"note: {out} holds an incomplete run; replacing it{why}\n")
                shutil.rmtree(out / REPLICATIONS, ignore_errors=True)
        for p in results:
            p.unlink()
        if not resumed:
            shutil.rmtree(out / REPLICATIONS, ignore_errors=True)
        marker_data = {**manifest, "pid": os.getpid(),
                       "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        _write_atomic(marker, json.dumps(marker_data, indent=1))
        return cls(out, manifest, resumed)

    # --- replications ---------------------------------------------------------------

    def _rep_dir(self, replication: int) -> Path:
        return self.path / REPLICATIONS / f"rep-{replication:04d}"

    def save_replication(self, output) -> None:
        """Keep one finished replication (a :class:`sim.experiment.ReplicationOutput`)."""
        final = self._rep_dir(output.replication)
        tmp = final.with_name(final.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in _FRAMES:
            getattr(output, name).to_parquet(tmp / f"{name}.parquet", index=False)
        small = {name: getattr(output, name) for name in _SMALL}
        (tmp / "small.json").write_text(json.dumps(small), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)

    def load_replications(self, tables: bool = True) -> dict:
        """The replications a previous attempt finished, by number (``tables=False``:
        without the tables that grow with the orders, as
        :meth:`~sim.experiment.ReplicationOutput.drop_tables` leaves them)."""
        import pyarrow.parquet as pq

        from sim.experiment import ReplicationOutput

        out = {}
        for r in list(self.resumed):
            folder = self._rep_dir(r)
            try:
                small = json.loads((folder / "small.json").read_text(encoding="utf-8"))
                frames = {}
                for name in _FRAMES:
                    path = folder / f"{name}.parquet"
                    if tables or name not in ReplicationOutput.TABLES:
                        frames[name] = pd.read_parquet(path)
                    else:  # (not read now, but whole: the combined files read it later)
                        pq.read_metadata(path)
                        frames[name] = pd.DataFrame()
                out[r] = ReplicationOutput(**small, **frames)
            except (OSError, ValueError, TypeError) as exc:  # (damaged on disk: it is run again)
                sys.stderr.write(f"note: {folder} cannot be read ({type(exc).__name__}: {exc}); "
                                 "running that replication again\n")
                shutil.rmtree(folder, ignore_errors=True)
                self.resumed.remove(r)
        return out

    def table_files(self, name: str, replications: list[int]) -> list[Path]:
        """The kept parquet files of table ``name`` (e.g. ``orders``) of the
        ``replications``, in that order."""
        return [self._rep_dir(r) / f"{name}.parquet" for r in replications]

    def finish(self) -> None:
        """The run is complete (summary.json written): drop the copies and the marker."""
        shutil.rmtree(self.path / REPLICATIONS, ignore_errors=True)
        (self.path / MARKER).unlink(missing_ok=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_marker(marker: Path) -> dict | None:
    try:
        return json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


_ATTEMPT_KEYS = ("pid", "started_at")  # (the marker's, not the run's)


_WHAT = {"settings_sha256": "the scenario", "scenario_sha256": "the scenario", "seed": "the seed",
         "replications": "the replications",
         "outputs": "--outputs", "precision": "the --precision target", "kpi": "the --precision target",
         "max_replications": "the --precision target", "sim_version": "the simulator's version"}


def _differences(previous: dict, manifest: dict) -> list[str]:
    """What makes the marker's run another run than this one (empty: the same run, which
    resumes): the manifest key for key both ways (a ``--precision`` run is not a plain
    run of the same scenario). ``tables``: whether each replication kept its tables; a run
    that needs them (an event log) cannot resume replications kept without them."""
    before = {k: v for k, v in previous.items() if k not in _ATTEMPT_KEYS}
    kept_tables = before.pop("tables", before.get("outputs") != "kpis")  # (markers before 0.5.6)
    now = dict(manifest)
    needs_tables = now.pop("tables", False)
    what = [_WHAT.get(k, k) for k in sorted(before.keys() | now.keys()) if before.get(k) != now.get(k)]
    if needs_tables and not kept_tables:
        what.append("the tables an event log needs (its replications kept none)")
    return list(dict.fromkeys(what))


def _finished_replications(out: Path) -> list[int]:
    folder = out / REPLICATIONS
    if not folder.is_dir():
        return []
    done = []
    for p in folder.iterdir():
        if p.is_dir() and p.name.startswith("rep-") and p.name[4:].isdigit() and (p / "small.json").exists():
            done.append(int(p.name[4:]))
    return done
