"""Pydantic's validation errors turned into one line per mistake for the user:
``file:line dotted.path: message, got <bad value>``, saying what is allowed.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.base import clock_hint
from sim.scenario.overrides import OVERRIDES_KEY
from sim.scenario.schema import Scenario
from sim.scenario.schema_paths import dist_members, dist_names, model_at, node_at

_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_parsing_size": "must be a whole number between -1e15 and 1e15 (no scenario quantity comes near it)",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number (not .inf or .nan)",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list",
    "missing": "is required",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
}

# Errors that say "wrong kind of value" (as opposed to a wrong value of the right kind).
_TYPE_ERRORS = {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing",
                "dict_type", "model_type", "model_attributes_type", "list_type", "string_type",
                "bool_parsing", "bool_type", "literal_error"}
_NOT_A_MAPPING = {"model_type", "model_attributes_type", "dict_type", "union_tag_not_found"}


def _data_path(loc: tuple, data: Any) -> list[str]:
    """Turn a pydantic error location into the path in the raw data, dropping the
    entries pydantic adds for union members and discriminator tags."""
    path: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            path.append(str(part))
        elif isinstance(part, str) and not (isinstance(node, dict) and part in node) and _is_tag(part):
            continue  # a union member or discriminator tag, not in the data
        else:
            path.append(str(part))
            node = None
    return path


def _is_tag(part: str) -> bool:
    # Union members appear as e.g. 'exponential', 'int', 'dict[str,int]',
    # "literal['population']", 'function-before[...]'.
    return bool(re.match(r"^(constant|exponential|uniform|triangular|normal|lognormal|empirical|geometric|poisson|int|float|str|bool|dict\[|list\[|literal\[|function-)", part))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dist_allowed(path: list[str], data: Any) -> str | None:
    """What a distribution field allows, in words (None if ``path`` is not one)."""
    members = dist_members(Scenario, path, data)
    if not members:
        return None
    whole = any(m.model_fields["dist"].default == "constant"
                and m.model_fields["value"].annotation is int for m in members)
    number = "a whole number" if whole else "a number"
    return (f"{number} (a constant) or a mapping with a 'dist' key: "
            f"{', '.join(dist_names(members))}")


def _describe_error(err: dict, data: dict) -> tuple[list[str], str]:
    """(path in the data, message without the path) for one pydantic error."""
    path = _data_path(err["loc"], data)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    # A bare number is sugar for {dist: constant, value: n}: blame the number itself.
    if path and path[-1] == "value" and _is_number(node_at(data, path[:-1])):
        path = path[:-1]
    if kind == "extra_forbidden":
        parent = model_at(Scenario, path[:-1], data)
        allowed = sorted(f.alias or name for name, f in parent.model_fields.items()) if parent else []
        node = node_at(data, path[:-1])
        # A required key that is missing is the likeliest meaning of an unknown one.
        absent = [k for k in allowed if isinstance(node, dict) and k not in node
                  and parent.model_fields.get(k, None) is not None
                  and parent.model_fields[k].is_required()]
        close = (difflib.get_close_matches(path[-1], absent, n=1, cutoff=0.3)
                 or difflib.get_close_matches(path[-1], allowed, n=1, cutoff=0.6))
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return path, f"unknown key{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return path, "is required"
    if kind == "literal_error":
        return path, f"must be one of {ctx.get('expected')}, got {_short(got)}"
    if kind == "union_tag_invalid":
        return path, f"'dist' must be one of {ctx.get('expected_tags', '')}, got {ctx.get('tag')!r}"
    if kind in _NOT_A_MAPPING:
        allowed = _dist_allowed(path, data)
        if allowed:
            return path, f"must be {allowed}; got {_short(got)}"
        if kind == "union_tag_not_found":
            return path, f"needs a 'dist' key naming the distribution, got {_short(got)}"
        return path, f"must be a mapping of keys (key: value lines), got {_short(got)}"
    if kind == "value_error":
        # A cross-field check may start its message with the field it is about
        # ("warmup_days: must be < days"), relative to the model that raised it.
        msg = str(ctx.get("error", err["msg"]))
        m = re.match(r"^([A-Za-z0-9_.\-]+): (.*)$", msg, re.S)
        if m:
            rel = m.group(1).split(".")
            node = node_at(data, path)
            model = model_at(Scenario, path, data)
            if isinstance(node, dict) and (rel[0] in node or (model and rel[0] in model.model_fields)):
                return path + rel, m.group(2)
        return path, msg
    template = _MESSAGES.get(kind)
    ctx = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
    msg = template.format(**ctx) if template else err["msg"][0].lower() + err["msg"][1:]
    return path, f"{msg}, got {_short(got)}{_clock_hint(kind, got)}"


def _clock_hint(kind: str, got: Any) -> str:
    return clock_hint(got) if kind in ("float_parsing", "float_type", "int_parsing", "int_type") else ""


def _short(value: Any, limit: int = 80) -> str:
    if value is None:  # (``days:`` with nothing after it, or ``--set horizon.days=``)
        return "nothing (an empty value)"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _override_of(path: list[str], lines: dict[str, str]) -> tuple[str, str] | None:
    """(dotted path, label) of the override that set ``path``, a mapping around it or a
    value inside it; None if no override touches it."""
    dotted = ".".join(path)
    for over, label in lines.get(OVERRIDES_KEY, []):
        if dotted == over or dotted.startswith(over + ".") or over.startswith(dotted + "."):
            return over, label
    return None


def where_of(path: list[str], lines: dict[str, str]) -> str:
    """``file:line`` (or the override's label) of the closest known ancestor of path."""
    over = _override_of(path, lines)
    if over is not None:
        return f"{over[1]} {over[0]}" if ".".join(path) != over[0] else over[1]
    for i in range(len(path), -1, -1):
        where = lines.get(".".join(path[:i]))
        if where:
            return where
    return ""


def located(path: list[str], lines: dict[str, str], msg: str) -> str:
    """One problem as the user reads it: ``file:line dotted.path: msg``; for a value an
    override set, ``--set dotted.path: msg``; for one inside a mapping an override set
    (or a mapping around a value one set), ``dotted.path (with --set x.y): msg``, which
    names each path once."""
    dotted = ".".join(path) or "(top level)"
    over = _override_of(path, lines)
    if over is not None and over[0] != dotted:
        return f"{dotted} (with {over[1]} {over[0]}): {msg}"
    where = where_of(path, lines)
    if over is None and (sibling := _sibling_override(path, lines, msg)) is not None:
        # A check across fields (warmup_days < days) failed on a value from the file
        # because an override changed the other field: name the override, the cause.
        dotted += f" (with {sibling[1]} {sibling[0]})"
    return f"{where + ' ' if where else ''}{dotted}: {msg}"


def _sibling_override(path: list[str], lines: dict[str, str], msg: str) -> tuple[str, str] | None:
    """(override, label) of an override of a field beside ``path`` (the same parent)
    that the message names with its value, as checks across fields do (``horizon.days``
    for ``horizon.warmup_days: must be < days (7)``); None if there is none."""
    if not path:
        return None
    parent = ".".join(path[:-1])
    for over, label in lines.get(OVERRIDES_KEY, []):
        head, _, field = over.rpartition(".")
        if head == parent and field != path[-1] and re.search(rf"\b{re.escape(field)} \(", msg):
            return over, label
    return None


def _line_key(problem: tuple[str, list[str], str]) -> tuple:
    where = problem[0]
    m = re.match(r"^(.*):(\d+)$", where)
    return (0, m.group(1), int(m.group(2))) if m else (1, where, 0)


def format_validation_error(exc: ValidationError, data: dict, lines: dict[str, str]) -> ScenarioError:
    """One line per mistake, in file order: ``file:line dotted.path: message``."""
    described = [(err, *_describe_error(err, data)) for err in exc.errors()]
    paths = [".".join(path) for _, path, _ in described]
    problems, seen = [], set()
    for (err, path, msg), dotted in zip(described, paths, strict=True):
        if dotted in seen:
            continue  # a union reports each member's failure: the first one says enough
        # A type mismatch reported next to a deeper error under the same key is the other
        # member of a union (e.g. "a number" beside "a mapping of whole numbers"): the
        # deeper one says what is really wrong.
        if err["type"] in _TYPE_ERRORS and any(p.startswith(dotted + ".") for p in paths):
            continue
        # "x is required" next to "unknown key y; did you mean 'x'?" is one typo.
        if err["type"] == "missing" and any(
            f"did you mean '{path[-1]}'" in m and ".".join(pp[:-1]) == ".".join(path[:-1])
            for (_, pp, m) in described
        ):
            continue
        seen.add(dotted)
        problems.append((where_of(path, lines), path, msg))
    problems.sort(key=_line_key)
    return ScenarioError([located(path, lines, msg) for _where, path, msg in problems])
