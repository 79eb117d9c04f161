"""The results folder of a staffing search, resumable like a sweep's: it is a
:class:`sim.sweep.store.SweepStore` (``tasks/p<plan>-r<replication>.json``, one file
per finished run, written whole or not at all), whose manifest also lists the plans
met so far (``plans``: number -> head counts), since a search finds its points as it
goes.

Rerunning the same search into the same folder reruns no finished run. What a run's
result depends on (the base scenario after ``--set``, the seed, the simulator's
version) is the folder's fingerprint; targets, bounds, pools and the confidence are
not in it, so a rerun with a tighter target or wider bounds reuses every run it can.
A folder holding another scenario or seed is refused unless ``--overwrite``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from sim import __version__
from sim.errors import OutputDirError
from sim.invocation import command_text
from sim.outdir import make_output_folder, refuse_other_output
from sim.sweep.store import MANIFEST, TASKS, SweepStore, _now, _read_manifest, write_atomic

KIND = "fsim-staff"
FORMAT = 1
BASE_RESOLVED = "base.resolved.yaml"
OUTPUTS = ("staffing.csv", "plans.csv", "staffing.json", "report.html", "recommended.yaml",
           "frontier.png")


def fingerprint(base_yaml: str, seed: int) -> str:
    """What every run in the folder was made from."""
    content = {"sim_version": __version__, "seed": seed,
               "base_sha256": hashlib.sha256(base_yaml.encode("utf-8")).hexdigest()}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


class StaffStore(SweepStore):
    """A staffing search's folder (see the module docstring)."""

    @classmethod
    def open_search(cls, out: str | Path, base_yaml: str, seed: int, scenario_file: str | None,
                    overwrite: bool = False) -> StaffStore:
        out = make_output_folder(out)
        refuse_other_output(out, "staffing search")
        sha = fingerprint(base_yaml, seed)
        old = _read_manifest(out)
        if old is not None and old.get("kind") == KIND and old.get("fingerprint") == sha:
            store = cls(out, old)
            store._clean_partial()
            for name in OUTPUTS:
                (out / name).unlink(missing_ok=True)
            store.manifest.update(complete=False, resumed_at=_now(), command=command_text())
            store._write_manifest()
            return store
        if not overwrite:
            if old is not None:
                what = ("a staffing search of another scenario, --set values, seed or simulator "
                        f"version (scenario file {old.get('scenario_file')}, seed {old.get('seed')})"
                        if old.get("kind") == KIND else "the results of something else (a sweep?)")
                raise OutputDirError(
                    f"--out {out}: holds {what}; rerun the same search to resume it, choose "
                    "another folder, or pass --overwrite to discard those results")
            if any(out.iterdir()):
                raise OutputDirError(f"--out {out}: is not empty and holds no staffing search "
                                     f"(no {MANIFEST}); choose another folder or pass --overwrite")
        shutil.rmtree(out / TASKS, ignore_errors=True)
        for name in (MANIFEST, BASE_RESOLVED, *OUTPUTS):
            (out / name).unlink(missing_ok=True)
        (out / TASKS).mkdir()
        write_atomic(out / BASE_RESOLVED, base_yaml)
        store = cls(out, {"kind": KIND, "format": FORMAT, "fingerprint": sha,
                          "sim_version": __version__, "seed": seed,
                          "scenario_file": scenario_file, "command": command_text(),
                          "created_at": _now(), "complete": False, "plans": {}})
        store._write_manifest()
        return store

    def plan_number(self, key: str) -> int:
        """The number of the plan with this key (a new one is registered, and the
        manifest written, before any of its runs starts)."""
        plans: dict[str, str] = self.manifest.setdefault("plans", {})
        for number, known in plans.items():
            if known == key:
                return int(number)
        number = len(plans)
        plans[str(number)] = key
        self._write_manifest()
        return number
