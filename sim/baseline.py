"""Baselines for ``fsim check``: a scenario's KPIs, replication by replication, kept in
a JSON file so that a later run with the same seeds can be paired with them.

A baseline file (``fsim baseline save``) is a JSON object:

- ``kind``: ``"fsim-baseline"``; ``format``: the version of this layout (``FORMAT``);
- ``sim_version``, ``created_at``, ``command`` (the command that writes it again: its
  seed and ``--overwrite`` spelled out, whether typed or not);
- ``scenario``: ``name``, ``file`` (as given), ``sha256`` of the resolved scenario and
  ``resolved_yaml`` (its full text, every default written out);
- ``overrides``: the ``--set`` values it was saved with (``fsim check`` applies them
  again), ``seed``, ``replications``, ``horizon_days``, ``warmup_days``;
- ``saturated_pools``: per replication, the saturated staff pools (``site.role``);
- ``warnings``: the run's warnings;
- ``kpis``: per KPI, ``unit``, ``direction`` (higher / lower / none), ``mean``,
  ``ci95_low``, ``ci95_high`` and ``per_replication`` (null where undefined or
  censored); a KPI censored in some replication also has ``censored: true``,
  ``censored_replications``, ``lower_bound`` (as in summary.json) and
  ``per_replication_lower_bound`` (the bound in each censored replication, else null).

:class:`Measurement` is what a run gives and a baseline holds: the same object is
compared on both sides of a check.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sim import __version__
from sim.errors import ScenarioError
from sim.invocation import command_text
from sim.scenario.yaml_source import read_limited

KIND = "fsim-baseline"
FORMAT = 1
MAX_BASELINE_BYTES = 64 * 1024 * 1024  # a baseline of every KPI is well under 1 MB


@dataclass(frozen=True)
class KpiSamples:
    """One KPI over replications: ``values`` (NaN where undefined or censored) and
    ``lower_bounds`` (where censored, a lower bound of the value; NaN elsewhere)."""

    values: tuple[float, ...]
    lower_bounds: tuple[float, ...]

    @property
    def censored(self) -> tuple[bool, ...]:
        return tuple(not math.isnan(b) for b in self.lower_bounds)

    @property
    def bounded_values(self) -> tuple[float, ...]:
        """Each value, or its lower bound where censored."""
        return tuple(b if not math.isnan(b) else v
                     for v, b in zip(self.values, self.lower_bounds, strict=True))


@dataclass(frozen=True)
class Measurement:
    """A scenario's KPIs over ``replications`` replications of ``seed``, with what
    identifies the run (the resolved scenario, its overrides, the simulator version)."""

    scenario_name: str
    scenario_file: str
    resolved_yaml: str
    scenario_sha256: str
    overrides: dict[str, Any]
    seed: int
    replications: int
    horizon_days: float
    warmup_days: float
    sim_version: str
    kpis: dict[str, KpiSamples]
    saturated: tuple[tuple[str, ...], ...]  # per replication
    warnings: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    summary: dict = field(default_factory=dict, repr=False)  # per KPI: mean, CI (as summary.json)

    def resolved(self) -> dict:
        """The resolved scenario as a mapping (read by the same bounded reader as a
        scenario file: a baseline is a file from outside too)."""
        from sim.scenario.yaml_source import parse_yaml

        data, _ = parse_yaml(self.resolved_yaml, "scenario.resolved_yaml")
        return data if isinstance(data, dict) else {}


def measure(scenario, replications: int, seed: int, workers: int = 1, *,
            scenario_file: str = "", overrides: dict | None = None,
            progress: Callable[[int, int, float], None] | None = None) -> Measurement:
    """Run ``replications`` replications of ``scenario`` (KPIs only: no output files)
    and keep their KPIs, replication by replication."""
    from sim.experiment import run, scenario_sha256
    from sim.scenario.loader import scenario_to_yaml

    result = run(scenario, replications, seed, workers, progress=progress,
                 provenance={"scenario_file": scenario_file, "overrides": overrides or {}},
                 tables=False)
    frame = result.kpis.sort_values("replication")
    kpis = {}
    for name in frame.columns.drop("replication"):
        values = tuple(float(v) for v in frame[name].to_numpy(dtype=float))
        bounds = tuple(float(lb.get(name, math.nan)) for lb in result.lower_bounds)
        kpis[name] = KpiSamples(values, bounds)
    return Measurement(
        scenario_name=scenario.name, scenario_file=scenario_file,
        resolved_yaml=scenario_to_yaml(scenario), scenario_sha256=scenario_sha256(scenario),
        overrides=dict(overrides or {}), seed=seed, replications=replications,
        horizon_days=scenario.horizon.days, warmup_days=scenario.horizon.warmup_days,
        sim_version=__version__, kpis=kpis,
        saturated=tuple(tuple(sorted(reps)) for reps in result.saturated),
        warnings=tuple(result.summary["warnings"]), sites=tuple(scenario.sites),
        channels=tuple(scenario.demand.channels), summary=result.summary["kpis"])


# --- writing --------------------------------------------------------------------------


def kpi_unit(name: str, sites=(), channels=()) -> str:
    from sim.kpis.registry import KPIS, base_of, family_of

    base, _, _ = base_of(name, list(sites), list(channels))
    kpi = KPIS.get(base) or family_of(base)
    return kpi.unit if kpi is not None else ""


def kpi_direction(name: str, sites=(), channels=()) -> str:
    from sim.kpis.registry import direction

    return direction(name, list(sites), list(channels))


def baseline_document(m: Measurement, command: str | None = None) -> dict:
    """The JSON object of a baseline file (layout: this module's docstring)."""
    kpis = {}
    for name, samples in m.kpis.items():
        entry = {"unit": kpi_unit(name, m.sites, m.channels),
                 "direction": kpi_direction(name, m.sites, m.channels),
                 **m.summary.get(name, {})}
        entry["per_replication"] = [_num(v) for v in samples.values]
        if any(samples.censored):
            entry["per_replication_lower_bound"] = [_num(b) for b in samples.lower_bounds]
        kpis[name] = entry
    return {
        "kind": KIND,
        "format": FORMAT,
        "sim_version": m.sim_version,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command if command is not None else command_text(),
        "scenario": {"name": m.scenario_name, "file": m.scenario_file,
                     "sha256": m.scenario_sha256, "resolved_yaml": m.resolved_yaml},
        "overrides": m.overrides,
        "seed": m.seed,
        "replications": m.replications,
        "horizon_days": m.horizon_days,
        "warmup_days": m.warmup_days,
        "sites": list(m.sites),
        "channels": list(m.channels),
        "saturated_pools": [list(reps) for reps in m.saturated],
        "warnings": list(m.warnings),
        "kpis": kpis,
    }


def write_baseline(path: str | Path, document: dict) -> Path:
    """Write a baseline file whole (a temporary name, then renamed)."""
    from sim.sweep.store import write_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(document, indent=1, allow_nan=False, default=str) + "\n")
    return path


def _num(v: float) -> float | None:
    return None if v is None or math.isnan(v) else float(v)


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """A baseline file read back: its :class:`Measurement`, the ``format`` it was
    written in and the command that wrote it."""

    path: Path
    measurement: Measurement
    format: int
    command: str
    created_at: str


def read_baseline(path: str | Path) -> Baseline:
    """Read and check a baseline file; any problem is a :class:`ScenarioError` (exit 2)
    of one line naming the file and what is wrong with it."""
    path = Path(path)
    data = _load_json(path)

    def bad(what: str) -> ScenarioError:
        return ScenarioError([f"--baseline {path}: not a baseline written by fsim baseline save "
                              f"({what})"])

    if not isinstance(data, dict) or data.get("kind") != KIND:
        found = (f"kind {data.get('kind')!r}" if isinstance(data, dict) and "kind" in data
                 else "no 'kind'" if isinstance(data, dict) else f"a JSON {type(data).__name__}")
        raise bad(f"expected a JSON object with kind {KIND!r}, found {found}")
    fmt = data.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
        raise bad(f"'format' must be a whole number >= 1, got {fmt!r}")
    if fmt > FORMAT:
        raise ScenarioError([f"--baseline {path}: written in baseline format {fmt} by fsim "
                             f"{data.get('sim_version', '?')}; this fsim ({__version__}) reads "
                             f"format {FORMAT} and older: upgrade fulfillment-sim, or save the "
                             "baseline again with this version"])
    seed, reps = data.get("seed"), data.get("replications")
    if not _whole(seed, 0):
        raise bad(f"'seed' must be a whole number >= 0, got {seed!r}")
    if not _whole(reps, 1):
        raise bad(f"'replications' must be a whole number >= 1, got {reps!r}")
    scenario = data.get("scenario")
    if not isinstance(scenario, dict) or not isinstance(scenario.get("resolved_yaml"), str):
        raise bad("'scenario' must hold the resolved scenario as 'resolved_yaml' text")
    overrides = data.get("overrides", {})
    if not isinstance(overrides, dict):
        raise bad(f"'overrides' must be a mapping of dotted paths to values, got {overrides!r}")
    kpis_raw = data.get("kpis")
    if not isinstance(kpis_raw, dict) or not kpis_raw:
        raise bad("'kpis' must be a non-empty mapping of KPI names to their values")
    kpis = {name: _samples(name, entry, reps, bad) for name, entry in kpis_raw.items()}
    saturated = data.get("saturated_pools", [[] for _ in range(reps)])
    if not (isinstance(saturated, list) and len(saturated) == reps
            and all(isinstance(s, list) and all(isinstance(p, str) for p in s) for s in saturated)):
        raise bad(f"'saturated_pools' must list, for each of the {reps} replications, the "
                  "saturated pools")
    summary = {name: {k: entry.get(k) for k in ("mean", "ci95_low", "ci95_high", "censored",
                                                  "lower_bound") if k in entry}
               for name, entry in kpis_raw.items()}
    m = Measurement(
        scenario_name=str(scenario.get("name", "")), scenario_file=str(scenario.get("file", "")),
        resolved_yaml=scenario["resolved_yaml"], scenario_sha256=str(scenario.get("sha256", "")),
        overrides=overrides, seed=seed, replications=reps,
        horizon_days=data.get("horizon_days", math.nan),
        warmup_days=data.get("warmup_days", math.nan),
        sim_version=str(data.get("sim_version", "unknown")), kpis=kpis,
        saturated=tuple(tuple(s) for s in saturated),
        warnings=tuple(str(w) for w in data.get("warnings", []) or []),
        sites=tuple(str(s) for s in data.get("sites", []) or []),
        channels=tuple(str(c) for c in data.get("channels", []) or []), summary=summary)
    try:
        m.resolved()
    except ScenarioError as exc:
        raise bad(f"its resolved scenario cannot be read: {exc.problems[0]}") from None
    return Baseline(path=path, measurement=m, format=fmt, command=str(data.get("command", "")),
                    created_at=str(data.get("created_at", "")))


def _load_json(path: Path) -> Any:
    where = f"--baseline {path}"
    if not path.exists():
        raise ScenarioError([f"{where}: no such file; write one with: fsim baseline save "
                             f"SCENARIO --out {path}"])
    if path.is_dir():
        raise ScenarioError([f"{where}: is a folder, not a baseline file (give the .json file "
                             "written by fsim baseline save)"])
    try:
        text = read_limited(path, MAX_BASELINE_BYTES, "baseline file", where).decode("utf-8")
    except OSError as exc:
        raise ScenarioError([f"{where}: cannot be read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{where}: not a baseline written by fsim baseline save (not a "
                             f"text file: byte {exc.start} cannot be decoded as UTF-8)"]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError([f"{where}: not a baseline written by fsim baseline save (not "
                             f"JSON: {exc.msg} at line {exc.lineno} column {exc.colno}); "
                             "truncated or edited by hand?"]) from None


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _samples(name: str, entry: Any, reps: int, bad) -> KpiSamples:
    if not isinstance(entry, dict):
        raise bad(f"kpis.{name} must be a mapping with 'per_replication', got {entry!r}")
    values = _numbers(entry.get("per_replication"), reps)
    if values is None:
        raise bad(f"kpis.{name}.per_replication must list {reps} numbers (or null), one per "
                  "replication")
    bounds = _numbers(entry.get("per_replication_lower_bound", [None] * reps), reps)
    if bounds is None:
        raise bad(f"kpis.{name}.per_replication_lower_bound must list {reps} numbers (or null)")
    return KpiSamples(values, bounds)


def _numbers(raw: Any, n: int) -> tuple[float, ...] | None:
    if not isinstance(raw, list) or len(raw) != n:
        return None
    out = []
    for v in raw:
        if v is None:
            out.append(math.nan)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out.append(float(v))
        else:
            return None
    return tuple(out)
