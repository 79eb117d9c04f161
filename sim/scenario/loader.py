"""Reading scenarios: the public entry points.

A scenario file is read by :mod:`sim.scenario.yaml_source` (safe YAML, one parse, line
numbers, ``extends``, size limits), changed by :mod:`sim.scenario.overrides` (dotted
``--set`` paths), and validated into a frozen :class:`Scenario`, pydantic's errors
being turned into one clear line per mistake by :mod:`sim.scenario.messages`, e.g.
``scenarios/x.yaml:14 warehouses.west.staff.pickers: must be >= 0, got -3``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.messages import format_validation_error, located
from sim.scenario.overrides import OVERRIDES_KEY, apply_overrides, parse_set_option
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import MAX_EXTENDS_DEPTH, Dumper, number_problems, read_with_extends

__all__ = [
    "MAX_EXTENDS_DEPTH",
    "OVERRIDES_KEY",
    "ScenarioError",
    "apply_overrides",
    "load_raw",
    "load_scenario",
    "parse_set_option",
    "scenario_to_yaml",
    "validate_data",
]


def load_raw(path: str | Path, overrides: dict[str, Any] | None = None,
             override_label: str = "override") -> tuple[dict, dict[str, str]]:
    """The merged raw mapping (``extends`` resolved, overrides applied) and its line map."""
    data, lines = read_with_extends(Path(path))
    _refuse_what_is_no_scenario(data, path)
    if overrides:
        data = apply_overrides(data, overrides, lines, override_label)
    return data, lines


def _refuse_what_is_no_scenario(data: dict, path: str | Path) -> None:
    """One line for a file that is no scenario at all (none of its top-level keys is a
    scenario's: another fsim file, a sweep file, some other YAML or JSON), instead of a
    line per key with guesses at what each was meant to be."""
    allowed = sorted(f.alias or name for name, f in Scenario.model_fields.items())
    kind = data.get("kind") if isinstance(data, dict) else None
    fsim_file = isinstance(kind, str) and kind.startswith("fsim-")  # (a baseline has a seed too)
    if not data or (set(data) & set(allowed) and not fsim_file):
        return
    what = (f"it is an fsim {kind.removeprefix('fsim-')} file ('kind: {kind}')"
            if fsim_file else
            f"none of its top-level keys ({', '.join(map(str, list(data)[:6]))}"
            f"{', ...' if len(data) > 6 else ''}) is a scenario's")
    hint = "; give it to fsim check as --baseline" if kind == "fsim-baseline" else ""
    raise ScenarioError([f"{path}: not a scenario: {what}{hint} (a scenario has: "
                         f"{', '.join(allowed)})"])


def validate_data(data: dict, lines: dict[str, str] | None = None) -> Scenario:
    """Validate a raw mapping into a frozen :class:`Scenario` or raise ScenarioError."""
    lines = lines or {}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, data, lines) from None
    # Numbers the schema has no bound for, but that are out of all proportion.
    problems = number_problems(data, lambda path, msg: located(path, lines, msg))
    if problems:
        raise ScenarioError(problems)
    for path, msg in _model_problems(scenario):
        problems.append(located(path.split("."), lines, msg))
    if problems:
        raise ScenarioError(problems)
    return scenario


def _model_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """Mistakes only the model's formulas reveal, e.g. an automatic reorder point above
    a fixed order-up-to level: (dotted path, message)."""
    from sim.inventory_formulas import order_up_to_problems

    return order_up_to_problems(scenario)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None,
                  override_label: str = "override") -> Scenario:
    """Read, merge, override and validate a scenario file.

    ``overrides`` maps dotted paths to values, e.g.
    ``{"warehouses.west.staff.pickers": 14}``; they are type-checked like the file, and
    their errors are attributed to ``override_label`` (the CLI passes ``"--set"``).
    Raises :class:`ScenarioError` with a user-facing message.
    """
    data, lines = load_raw(path, overrides, override_label)
    return validate_data(data, lines)


def with_seed(scenario: Scenario, seed: int | None) -> Scenario:
    """``scenario`` run with ``seed`` (``--seed``) as its own seed, as ``--set seed=...``
    makes it, so the resolved scenario a run records is the one it ran; unchanged
    without one."""
    return scenario if seed is None or seed == scenario.seed else scenario.model_copy(update={"seed": seed})


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (every default written out). The text of
    the scenario asked for last is kept: a run writes it and hashes it more than once,
    and a scenario is immutable, so the same object always gives the same text."""
    last = _LAST_YAML
    if last and last[0] is scenario:
        return last[1]
    text = yaml.dump(
        scenario.model_dump(mode="json", by_alias=True, exclude_none=True),
        Dumper=Dumper,  # (text that reads as a number anywhere is quoted)
        sort_keys=False,
        default_flow_style=None,
        width=100,
    )
    _LAST_YAML[:] = [scenario, text]
    return text


_LAST_YAML: list = []  # [scenario, its YAML]: the last one asked for (it holds the scenario)
