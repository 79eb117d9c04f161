"""Dotted overrides (``fsim run --set warehouses.west.staff.pickers=14``): reading one,
and setting it in a scenario's raw data.

A value is read as YAML by the same bounded safe reader as a file, so numbers,
true/false, lists and mappings work and nothing is evaluated. An override that would
reach into a named thing that does not exist (a site, channel, carrier or shift) is
refused as an unknown name: made one field at a time it could only be incomplete.
"""

from __future__ import annotations

import copy
import difflib
import re
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.schema_paths import accepts_mapping, dist_members, is_named_collection
from sim.scenario.yaml_source import NotYamlError, parse_yaml

OVERRIDES_KEY = "\0overrides"  # where in a line map the overridden paths are listed

# What the entries of each named collection are called in messages (by field name).
_NOUNS = {"warehouses": ("site", "sites"), "channels": ("channel", "channels"),
          "carriers": ("carrier", "carriers"), "shifts": ("shift", "shifts"),
          "sites": ("site", "sites")}
# Collections whose keys must name entries of another one: inventory.sites names sites.
_NAMES_FROM = {("inventory", "sites"): ("warehouses",)}


def parse_set_option(text: str) -> tuple[str, Any]:
    """``"a.b.c=14"`` -> ``("a.b.c", 14)``; the value is read as YAML (so numbers,
    booleans, lists and mappings work); text that is not valid YAML is taken as text,
    unless it opens a mapping or a list (``{`` or ``[``): then it is a syntax error."""
    if "=" not in text:
        raise ScenarioError([f"--set {text}: expected dotted.path=value, e.g. "
                             "warehouses.west.staff.pickers=14"])
    path, _, raw = text.partition("=")
    path = path.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", path):
        raise ScenarioError([f"--set {text}: {path!r} is not a dotted path like "
                             "warehouses.west.staff.pickers"])
    if not raw.strip():
        return path, None
    try:
        value, _ = parse_yaml(raw, f"--set {path}")
    except NotYamlError as exc:
        if raw.lstrip().startswith(("{", "[")):  # (meant as a mapping or list, not text)
            raise ScenarioError([f"{exc.problems[0]}; a mapping or list must be written whole, "
                                 f"e.g. --set '{path}={{key: 1, other: 2}}'"]) from None
        value = raw
    return path, value


def _unknown_name(label: str, path: str, keys: list[str], i: int, data: dict) -> ScenarioError:
    """The error for ``keys[i]``, not an entry of the named collection ``keys[:i]``."""
    field = keys[i - 1] if i else "top level"
    noun, nouns = _NOUNS.get(field, (f"name in {field}", f"names in {field}"))
    names_path = _NAMES_FROM.get(tuple(keys[:i]), tuple(keys[:i]))
    names = _names_at(data, list(names_path))
    close = difflib.get_close_matches(keys[i], names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(names) if names else "none"
    new = ""
    if not close and tuple(keys[:i]) not in _NAMES_FROM:
        new = f"; a new {noun} is given whole: {_suggest(label, '.'.join(keys[:i + 1]), '{...}')}"
    return ScenarioError([f"{label} {path}: {keys[i]!r} is not a {noun}{hint} "
                          f"({nouns}: {listing}){new}"])


def _names_at(data: Any, path: list[str]) -> list[str]:
    node = data
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return [str(k) for k in node] if isinstance(node, dict) else []


def _suggest(label: str, path: str, value: str) -> str:
    """How to write ``path`` = ``value`` where the error comes from: an option
    (``--set 'path=value'``), or a file (``path: value``, as a sweep's parameter)."""
    return f"{label} '{path}={value}'" if label.startswith("-") else f"'{path}: {value}'"


def _not_a_mapping(label: str, path: str, keys: list[str], i: int, value: Any, data: dict) -> ScenarioError:
    here = ".".join(keys[:i + 1])
    hint = ""
    if dist_members(Scenario, keys[:i + 1], data):
        hint = (f"; to change a distribution give it whole, e.g. "
                f"{_suggest(label, here, '{dist: exponential, mean: 20}')}")
    elif accepts_mapping(Scenario, keys[:i + 1], data):
        hint = f"; to replace it give the whole mapping: {_suggest(label, here, '{...}')}"
    return ScenarioError([f"{label} {path}: {here} is a single value ({value!r}), not a "
                          f"mapping: it has no key {keys[i + 1]!r}{hint}"])


def apply_overrides(data: dict, overrides: dict[str, Any], lines: dict[str, str],
                    label: str = "override") -> dict:
    """Set each dotted path in a copy of ``data`` (creating mappings as needed), in
    order. Errors at or around an overridden path are reported as coming from ``label``
    (the CLI says ``--set``) rather than from the file; ``lines`` gets the overridden
    paths."""
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        keys = path.split(".")
        node: Any = out
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    where = ".".join(keys[:i]) or "top level"
                    raise ScenarioError([f"{label} {path}: {where} is a list of {len(node)}; "
                                         f"{key!r} is not an index in it (0 to {len(node) - 1})"])
                key = int(key)
            elif not isinstance(node, dict):  # pragma: no cover - caught one step up
                raise ScenarioError([f"{label} {path}: {'.'.join(keys[:i])} is a value, not a mapping"])
            if last:
                node[key] = copy.deepcopy(value)
                break
            if isinstance(node, dict) and key not in node:
                if is_named_collection(Scenario, keys[:i], out) and not _may_create(keys, i, out):
                    raise _unknown_name(label, path, keys, i, out)
                node[key] = {}
            elif not isinstance(node[key], (dict, list)):
                raise _not_a_mapping(label, path, keys, i, node[key], out)
            node = node[key]
        lines[path] = label
        lines.setdefault(OVERRIDES_KEY, []).append((path, label))
    return out


def _may_create(keys: list[str], i: int, data: dict) -> bool:
    """Whether an entry ``keys[i]`` may be created field by field: only in a collection
    whose keys name things defined elsewhere (``inventory.sites.east``), and only for
    such a name."""
    source = _NAMES_FROM.get(tuple(keys[:i]))
    return source is not None and keys[i] in _names_at(data, list(source))
