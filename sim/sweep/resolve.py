"""Every point of a sweep resolved into a validated scenario before anything runs, and
the sweep's fingerprint (what a results folder was made from)."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sim import __version__
from sim.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_raw, validate_data
from sim.scenario.overrides import OVERRIDES_KEY
from sim.scenario.schema import Scenario
from sim.sweep.design import design_points
from sim.sweep.spec import SweepFile

MAX_PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its number, the swept values, the resolved scenario."""

    index: int
    values: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class ResolvedSweep:
    """A sweep ready to run: seed, points (each validated) and a fingerprint that
    changes with anything that changes a result (the points' resolved scenarios, the
    seed, the replications, the simulator's version)."""

    file: SweepFile
    seed: int
    points: list[Point]
    sha256: str
    base: Scenario  # the base scenario with the sweep's ``set`` applied

    @property
    def spec(self):
        return self.file.spec

    @property
    def parameters(self) -> list[str]:
        return list(self.spec.parameters)


def short_values(values: dict[str, Any], limit: int = 80) -> str:
    """``west.pickers=1, west.picking.method=batch`` (cut to ``limit`` characters)."""
    from sim.scenario.diff import short_path

    text = ", ".join(f"{short_path(k)}={_compact(v)}" for k, v in values.items())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _compact(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), default=str)
    if isinstance(value, float):
        return f"{value:.6g}"  # a Latin hypercube's 0.004556643378875563 reads as 0.00455664
    return str(value)


# Where a point's label goes in its problems: points with the same problem are then
# reported on one line.
_POINT = "\0point"


def _point_problems(problems_by_point: dict[int, list[str]], values: dict[int, dict]) -> list[str]:
    """One line per distinct problem, naming the point(s) that have it."""
    grouped: dict[str, list[int]] = {}
    for index, problems in problems_by_point.items():
        for problem in problems:
            grouped.setdefault(problem, []).append(index)
    lines = []
    for problem, points in grouped.items():
        if len(points) == 1:
            label = f"point {points[0]} ({short_values(values[points[0]])})"
        else:
            shown = ", ".join(map(str, points[:8])) + (f" and {len(points) - 8} more"
                                                       if len(points) > 8 else "")
            label = f"points {shown} (e.g. {short_values(values[points[0]])})"
        lines.append(problem.replace(_POINT, label))
    return lines


def _with_overrides(data: dict, lines: dict, overrides: dict[str, Any], label_of) -> tuple[dict, dict]:
    lines = {k: (list(v) if k == OVERRIDES_KEY else v) for k, v in lines.items()}
    for key, value in overrides.items():
        data = apply_overrides(data, {key: value}, lines, label_of(key))
    return data, lines


def resolve_sweep(sweep: SweepFile) -> ResolvedSweep:
    """Resolve and validate every point (raises one ScenarioError, exit 2, listing each
    invalid point with the field and the value, before anything runs)."""
    spec = sweep.spec
    base_path = sweep.base_path
    if not base_path.exists():
        raise ScenarioError([f"{sweep.where('base')} base: no such scenario file {spec.base!r} "
                             f"(looked in {sweep.path.parent})"])
    raw, base_lines = load_raw(base_path)
    fixed_data, fixed_lines = _with_overrides(
        raw, base_lines, spec.fixed, lambda key: f"{sweep.where('set.' + key)} set")
    base = validate_data(copy.deepcopy(fixed_data), fixed_lines)
    seed = base.seed if spec.seed is None else spec.seed
    points: list[Point] = []
    problems: dict[int, list[str]] = {}
    all_values = dict(enumerate(design_points(spec, seed)))
    for index, values in all_values.items():
        data, lines = _with_overrides(
            fixed_data, fixed_lines, values,
            lambda key: f"{sweep.where('parameters.' + key)} {_POINT}")
        try:
            points.append(Point(index, values, validate_data(data, lines)))
        except ScenarioError as exc:
            problems[index] = exc.problems
    if problems:
        lines = _point_problems(problems, all_values)
        shown = lines[:MAX_PROBLEMS_SHOWN]
        more = len(lines) - len(shown)
        raise ScenarioError(
            [f"{sweep.path}: {len(problems)} of {len(all_values)} points are invalid; "
             "nothing was run", *shown] + ([f"... and {more} more problems"] if more else []))
    return ResolvedSweep(file=sweep, seed=seed, points=points,
                         sha256=sweep_sha256(spec.replications, seed, points), base=base)


def sweep_sha256(replications: int, seed: int, points: list[Point]) -> str:
    """The fingerprint of a sweep's work: the same for the same resolved work,
    different as soon as a point, the seed, the replications or the version differ."""
    from sim.scenario.loader import scenario_to_yaml

    content = {
        "sim_version": __version__,
        "seed": seed,
        "replications": replications,
        "points": [{"values": p.values,
                    "scenario_sha256": hashlib.sha256(
                        scenario_to_yaml(p.scenario).encode("utf-8")).hexdigest()}
                   for p in points],
    }
    text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
