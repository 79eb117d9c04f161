"""Reading scenarios: YAML with line numbers, ``extends:`` inheritance, dotted ``--set``
overrides, and one clear error message per mistake.

The loader keeps a map from every dotted path to the file and line it came from, so a
validation error can say ``scenarios/x.yaml:14 warehouses.west.staff.pickers: must be
>= 0, got -3``. Only ``yaml.safe_load`` / ``SafeLoader`` are used.
"""

from __future__ import annotations

import copy
import difflib
import re
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario

MAX_EXTENDS_DEPTH = 10


# --- YAML with line numbers ---------------------------------------------------------


def _line_map(node: yaml.Node, prefix: str, where: str, out: dict[str, str],
              problems: list[str]) -> None:
    """Record ``file:line`` for every dotted path under ``node``; note duplicate keys
    (YAML would silently keep the last one)."""
    out[prefix] = f"{where}:{node.start_mark.line + 1}"
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in seen:
                path = f"{prefix}.{key}" if prefix else key
                problems.append(f"{where}:{line} {path}: duplicate key (first given at line {seen[key]})")
            seen.setdefault(key, line)
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out[path] = f"{where}:{key_node.start_mark.line + 1}"
            _line_map(value_node, path, where, out, problems)
            out[path] = f"{where}:{key_node.start_mark.line + 1}"
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, f"{prefix}.{i}" if prefix else str(i), where, out, problems)


def _read_yaml(path: Path) -> tuple[dict, dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such scenario file"]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"{path}: not a text (UTF-8) file: byte {exc.start} cannot be decoded"]) from None
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        last_line = max(1, len(text.splitlines()))
        line = f":{min(mark.line + 1, last_line)}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{path}{line}: not valid YAML: {problem}"]) from None
    data = _unshare(data)
    if not data:
        raise ScenarioError([f"{path}:1: the scenario is empty; expected keys such as name, "
                             "horizon, demand, warehouses and carriers (or extends: parent.yaml)"])
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}:1: a scenario must be a mapping of keys, got {type(data).__name__}"])
    lines: dict[str, str] = {}
    problems: list[str] = []
    _line_map(node, "", str(path), lines, problems)
    if problems:
        raise ScenarioError(problems)
    return data, lines


def _unshare(node: Any) -> Any:
    """A copy in which no mapping or list appears twice. YAML anchors (``&x`` / ``*x``)
    load as one shared object, so a ``--set`` aimed at one site would change every
    site that reuses the anchor; after this each use is independent."""
    if isinstance(node, dict):
        return {k: _unshare(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unshare(v) for v in node]
    return node


def _deep_merge(base: dict, over: dict) -> dict:
    """``over`` on top of ``base``: mappings merge key by key, anything else replaces.
    A distribution (a mapping with a ``dist`` key) replaces as a whole: merging the
    parameters of two different distributions would make no sense."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_with_extends(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, dict[str, str]]:
    if path.resolve() in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path.resolve()))
        raise ScenarioError([f"{path}: 'extends' goes round in a circle: {cycle}"])
    if len(chain) > MAX_EXTENDS_DEPTH:
        raise ScenarioError([f"{path}: 'extends' chain deeper than {MAX_EXTENDS_DEPTH}"])
    data, lines = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, lines
    if not isinstance(parent, str):
        raise ScenarioError([f"{lines.get('extends', path)} extends: must be a file name, got {parent!r}"])
    parent_path = (path.parent / parent).resolve()
    if not parent_path.exists():
        raise ScenarioError([f"{lines.get('extends', path)} extends: no such file {parent!r} (looked in {path.parent})"])
    base, base_lines = _read_with_extends(parent_path, (*chain, path.resolve()))
    return _deep_merge(base, data), {**base_lines, **lines}


# --- overrides ----------------------------------------------------------------------


def parse_set_option(text: str) -> tuple[str, Any]:
    """``"a.b.c=14"`` -> ``("a.b.c", 14)``; the value is read as YAML (so numbers,
    booleans, lists and mappings work)."""
    if "=" not in text:
        raise ScenarioError([f"--set {text}: expected dotted.path=value"])
    path, _, raw = text.partition("=")
    path = path.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", path):
        raise ScenarioError([f"--set {text}: {path!r} is not a dotted path like warehouses.west.staff.pickers"])
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return path, value


OVERRIDES_KEY = "\0overrides"  # where in a line map the overridden paths are listed


def apply_overrides(data: dict, overrides: dict[str, Any], lines: dict[str, str],
                    label: str = "override") -> dict:
    """Set each dotted path in a copy of ``data`` (creating mappings as needed).
    Errors at or around an overridden path are reported as coming from ``label``
    (the CLI says ``--set``) rather than from the file."""
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        keys = path.split(".")
        node: Any = out
        for i, key in enumerate(keys):
            last = i == len(keys) - 1
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    raise ScenarioError([f"{label} {path}: {'.'.join(keys[:i]) or 'top level'} is a list of {len(node)}; {key!r} is not an index in it"])
                key = int(key)
            elif not isinstance(node, dict):
                raise ScenarioError([f"{label} {path}: {'.'.join(keys[:i])} is a value, not a mapping"])
            if last:
                node[key] = copy.deepcopy(value)
            else:
                if isinstance(node, dict) and not isinstance(node.get(key), (dict, list)):
                    node[key] = {}
                node = node[key]
        lines[path] = label
        lines.setdefault(OVERRIDES_KEY, []).append((path, label))
    return out


# --- validation errors -------------------------------------------------------------

_MESSAGES = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "int_type": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "dict_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list",
    "missing": "is required",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
}


def _data_path(loc: tuple, data: Any) -> list[str]:
    """Turn a pydantic error location into the path in the raw data, dropping the
    entries pydantic adds for union members and discriminator tags."""
    path: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            path.append(str(part))
        elif isinstance(part, str) and not path_has_key(node, part) and _is_tag(part):
            continue  # a union member or discriminator tag, not in the data
        else:
            path.append(str(part))
            node = None
    return path


def _node_at(data: Any, path: list[str]) -> Any:
    node = data
    for key in path:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def path_has_key(node: Any, key: str) -> bool:
    return isinstance(node, dict) and key in node


def _is_tag(part: str) -> bool:
    # Union members appear as e.g. 'exponential', 'int', 'dict[str,int]',
    # "literal['population']", 'function-before[...]'.
    return bool(re.match(r"^(constant|exponential|uniform|triangular|normal|lognormal|empirical|geometric|poisson|int|float|str|bool|dict\[|list\[|literal\[|function-)", part))


def _model_at(model: type, keys: list[str], data: Any) -> type | None:
    """The pydantic model class found at ``keys`` below ``model`` (None if not a model)."""
    node = data
    ann: Any = model
    for key in keys:
        ann = _unwrap(ann, node)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = ann.model_fields.get(key) or next(
                (f for f in ann.model_fields.values() if f.alias == key), None
            )
            if field is None:
                return None
            ann = field.annotation
        elif get_origin(ann) is dict:
            ann = get_args(ann)[1]
        elif get_origin(ann) is list:
            ann = get_args(ann)[0]
        else:
            return None
        node = node.get(key) if isinstance(node, dict) else None
    ann = _unwrap(ann, node)
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _unwrap(ann: Any, node: Any) -> Any:
    """Resolve Annotated/Optional/Union to the member matching ``node``."""
    while True:
        origin = get_origin(ann)
        if origin is not None and getattr(ann, "__metadata__", None) is not None:
            ann = get_args(ann)[0]
            continue
        if origin is Union or str(origin) == "<class 'types.UnionType'>":
            members = [a for a in get_args(ann) if a is not type(None)]
            if isinstance(node, dict):
                tag = node.get("dist")
                for m in members:
                    if isinstance(m, type) and issubclass(m, BaseModel):
                        f = m.model_fields.get("dist")
                        if tag is None or (f is not None and f.default == tag) or (
                            f is not None and tag in get_args(f.annotation)
                        ):
                            ann = m
                            break
                else:
                    dicts = [m for m in members if get_origin(m) is dict]
                    ann = dicts[0] if dicts else members[0]
                continue
            ann = members[0]
            continue
        return ann


def _describe_error(err: dict, data: dict) -> tuple[list[str], str]:
    """(path in the data, message without the path) for one pydantic error."""
    path = _data_path(err["loc"], data)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "extra_forbidden":
        parent = _model_at(Scenario, path[:-1], data)
        allowed = sorted(f.alias or name for name, f in parent.model_fields.items()) if parent else []
        node = _node_at(data, path[:-1])
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
    if kind == "union_tag_not_found":
        return path, ("a distribution needs a 'dist' key (constant, exponential, uniform, "
                      "triangular, normal, lognormal, empirical; for counts also geometric, "
                      f"poisson), or a plain number; got {_short(got)}")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return path, f"must be a mapping of keys (key: value lines), got {_short(got)}"
    if kind == "value_error":
        # A cross-field check may start its message with the field it is about
        # ("warmup_days: must be < days"), relative to the model that raised it.
        msg = str(ctx.get("error", err["msg"]))
        m = re.match(r"^([A-Za-z0-9_.\-]+): (.*)$", msg, re.S)
        if m:
            rel = m.group(1).split(".")
            node = _node_at(data, path)
            if isinstance(node, dict) and rel[0] in node:
                return path + rel, m.group(2)
        return path, msg
    template = _MESSAGES.get(kind)
    msg = template.format(**ctx) if template else err["msg"][0].lower() + err["msg"][1:]
    return path, f"{msg}, got {_short(got)}"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TYPE_ERRORS = {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing",
                "dict_type", "model_type", "model_attributes_type", "list_type", "string_type",
                "bool_parsing", "literal_error"}


def _where(path: list[str], lines: dict[str, str]) -> str:
    """``file:line`` (or the override's label) of the closest known ancestor of path."""
    dotted = ".".join(path)
    for over, label in lines.get(OVERRIDES_KEY, []):
        if dotted == over or dotted.startswith(over + ".") or over.startswith(dotted + "."):
            return f"{label} {over}" if dotted != over else label
    for i in range(len(path), -1, -1):
        where = lines.get(".".join(path[:i]))
        if where:
            return where
    return ""


def _line_key(problem: tuple[str, list[str], str]) -> tuple:
    where = problem[0]
    m = re.match(r"^(.*):(\d+)$", where)
    return (0, m.group(1), int(m.group(2))) if m else (1, where, 0)


def format_validation_error(exc: ValidationError, data: dict, lines: dict[str, str]) -> ScenarioError:
    """One line per mistake, in file order: ``file:line dotted.path: message``."""
    described = [(err, *_describe_error(err, data)) for err in exc.errors()]
    paths = [".".join(path) for _, path, _ in described]
    missing = {p for (err, _, _), p in zip(described, paths, strict=True) if err["type"] == "missing"}
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
        problems.append((_where(path, lines), path, msg))
    del missing
    problems.sort(key=_line_key)
    return ScenarioError([f"{where + ' ' if where else ''}{'.'.join(path) or '(top level)'}: {msg}"
                          for where, path, msg in problems])


# --- entry points ---------------------------------------------------------------


def load_raw(path: str | Path, overrides: dict[str, Any] | None = None,
             override_label: str = "override") -> tuple[dict, dict[str, str]]:
    """The merged raw mapping (``extends`` resolved, overrides applied) and its line map."""
    data, lines = _read_with_extends(Path(path))
    if overrides:
        data = apply_overrides(data, overrides, lines, override_label)
    return data, lines


def validate_data(data: dict, lines: dict[str, str] | None = None) -> Scenario:
    """Validate a raw mapping into a frozen :class:`Scenario` or raise ScenarioError."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, data, lines or {}) from None
    problems = []
    for path, msg in _model_problems(scenario):
        where = _where(path.split("."), lines or {})
        problems.append(f"{where + ' ' if where else ''}{path}: {msg}")
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


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario as YAML (every default written out)."""
    return yaml.safe_dump(
        scenario.model_dump(mode="json", by_alias=True, exclude_none=True),
        sort_keys=False,
        default_flow_style=None,
        width=100,
    )
