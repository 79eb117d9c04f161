"""Reading YAML safely: each file is parsed once into PyYAML's node graph, which keeps
line numbers; the graph is measured (size with every alias copied out, depth, loops)
and refused above documented limits *before* anything is built; then plain data
(mappings, lists, numbers, text) is built from it with PyYAML's safe constructor.

Only PyYAML's safe parser (libyaml's where installed) and ``SafeConstructor`` (its
whole numbers read as YAML 1.2 reads them: :class:`_Constructor`) are used: no tag can
build a Python object or run code.

Limits (a scenario is a few hundred lines; these leave room for measured data, e.g.
an empirical distribution with thousands of values, and refuse in well under a second
what would otherwise hang the machine or exhaust its memory):

- ``MAX_FILE_BYTES``: a scenario file is at most 1 MiB (the shipped ones are ~10 KiB);
- ``MAX_NODES``: at most 20,000 YAML nodes (every key, value, list and mapping) once
  every alias is copied out. A "billion laughs" file of a few hundred bytes expands to
  about 10^9; the baseline scenario has about 1,100;
- ``MAX_DEPTH``: lists and mappings nested at most 32 deep (a scenario needs ~8);
- ``MAX_EXTENDS_DEPTH``: an ``extends`` chain of at most 10 files;
- ``MAX_NUMBER``: numbers within +-1e15 (see :func:`number_problems`).
"""

from __future__ import annotations

import copy
import math
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError

MAX_FILE_BYTES = 1_048_576
MAX_NODES = 20_000
MAX_DEPTH = 32
MAX_EXTENDS_DEPTH = 10
MAX_NUMBER = 1e15
YAML_SUFFIXES = (".yaml", ".yml")

_MERGE_TAG = "tag:yaml.org,2002:merge"


class NotYamlError(ScenarioError):
    """The text is not valid YAML (a syntax error, not a refused construct)."""


# libyaml's parser (in C) where PyYAML has it: 25 times faster than the pure-Python one,
# which matters for refusing a huge file quickly. Both give the same events.
_PARSER = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


class _Resolver(yaml.resolver.Resolver):
    """PyYAML's implicit tags (YAML 1.1), but numbers as YAML 1.2 reads them: ``1e9`` or
    ``2.5E-3`` are numbers (YAML 1.1 reads them as text, which would slip past the checks
    made on numbers), ``08`` is 8 (see :class:`_Constructor`), and ``11:30`` is text,
    not YAML 1.1's base 60 (11 x 60 + 30 = 690: a clock time typed as a pick-up time
    became 690 hours). Text where a number belongs is refused with its field; a clock
    time is told to be written in decimal hours."""


_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in entries if tag not in (_INT, _FLOAT)]
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items()}
_Resolver.add_implicit_resolver(_INT, re.compile(r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0o[0-7_]+
    |[-+]?[0-9][0-9_]*
    |[-+]?0x[0-9a-fA-F_]+)$""", re.X), list("-+0123456789"))
_Resolver.add_implicit_resolver(_FLOAT, re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X), list("-+0123456789."))
_Resolver.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


class _TooBigNumber(yaml.constructor.ConstructorError):
    """A whole number too long to read (and far beyond any value a scenario takes)."""


class _Constructor(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor, with whole numbers as YAML 1.2 reads them: ``08`` and
    ``010`` are decimal (YAML 1.1 reads a leading 0 as octal: ``010`` was 8 and ``08``
    not a number), ``0o10`` is octal."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if len(digits) > 40:  # (Python refuses to read a few thousand digits: an internal error)
            raise _TooBigNumber(
                None, None, f"a whole number of {len(digits):,} digits: too big (a number here is "
                f"at most {MAX_NUMBER:g})", node.start_mark)
        for prefix, base in (("0b", 2), ("0o", 8), ("0x", 16)):
            if digits.startswith(prefix):
                return sign * int(digits[2:], base)
        return sign * int(digits, 10)


_Constructor.add_constructor(_INT, _Constructor.construct_yaml_int)


class Dumper(yaml.SafeDumper):
    """PyYAML's safe writer, quoting every text that YAML 1.1 *or* this module's reader
    would take for a number (``"08"``, ``"1e9"``, ``"11:30"``): what it writes reads back
    as the same data here and in any other YAML reader."""


Dumper.yaml_implicit_resolvers = {
    first: list(dict.fromkeys([*yaml.resolver.Resolver.yaml_implicit_resolvers.get(first, []),
                               *_Resolver.yaml_implicit_resolvers.get(first, [])]))
    for first in {*yaml.resolver.Resolver.yaml_implicit_resolvers, *_Resolver.yaml_implicit_resolvers}}


class _Composed:
    """The node graph of one document and every alias in it with where it was written
    (the graph itself keeps only the anchor's position)."""

    def __init__(self) -> None:
        self.root: yaml.Node | None = None
        self.aliases: list[tuple[yaml.Node, Any, str]] = []


def _too_big(where: str, mark) -> ScenarioError:
    return ScenarioError([
        f"{where}:{mark.line + 1}: too big: more than {MAX_NODES:,} YAML values (keys, "
        "values, lists and mappings); a scenario has a few thousand (limit MAX_NODES in "
        "sim/scenario/yaml_source.py)"])


def _too_deep(where: str, mark) -> ScenarioError:
    return ScenarioError([
        f"{where}:{mark.line + 1}: nested too deep: more than {MAX_DEPTH} levels of lists "
        "and mappings; a scenario needs about 8 (limit MAX_DEPTH in "
        "sim/scenario/yaml_source.py)"])


def _compose(text: str, where: str) -> _Composed:
    """The node graph of ``text`` (one document), built from the parser's events without
    recursion, stopping at ``MAX_NODES`` distinct nodes or ``MAX_DEPTH`` nesting (PyYAML's
    own composer recurses, and a deep enough document ends in RecursionError)."""
    resolver = _Resolver()
    out = _Composed()
    anchors: dict[str, yaml.Node] = {}
    open_: list[list] = []  # [collection node, key waiting for its value]
    nodes = documents = 0

    def attach(node: yaml.Node) -> None:
        if not open_:
            out.root = node
            return
        parent = open_[-1]
        if isinstance(parent[0], yaml.SequenceNode):
            parent[0].value.append(node)
        elif parent[1] is None:
            parent[1] = node
        else:
            parent[0].value.append((parent[1], node))
            parent[1] = None

    def anchor(event, node: yaml.Node) -> None:
        if event.anchor is None:
            return
        if event.anchor in anchors:
            raise yaml.composer.ComposerError(
                None, None, f"found the anchor &{event.anchor} a second time (first at line "
                f"{anchors[event.anchor].start_mark.line + 1})", event.start_mark)
        anchors[event.anchor] = node

    unresolved: list[tuple[yaml.ScalarNode, tuple]] = []  # tags are found once all is in
    for event in yaml.parse(text, Loader=_PARSER):
        kind = type(event)
        if kind is yaml.ScalarEvent or kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            nodes += 1
            if nodes > MAX_NODES:
                raise _too_big(where, event.start_mark)
            tag = None if event.tag == "!" else event.tag
            if kind is yaml.ScalarEvent:
                node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                                       style=event.style)
                if tag is None:
                    unresolved.append((node, event.implicit))
            else:
                node_kind = yaml.SequenceNode if kind is yaml.SequenceStartEvent else yaml.MappingNode
                if tag is None:
                    tag = resolver.resolve(node_kind, None, event.implicit)
                node = node_kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
            anchor(event, node)
            attach(node)
            if kind is not yaml.ScalarEvent:
                open_.append([node, None])
                if len(open_) > MAX_DEPTH:
                    raise _too_deep(where, event.start_mark)
        elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            open_.pop()[0].end_mark = event.end_mark
        elif kind is yaml.AliasEvent:
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            out.aliases.append((anchors[event.anchor], event.start_mark, event.anchor))
            attach(anchors[event.anchor])
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise yaml.composer.ComposerError(
                    None, None, "found a second document (after ---): a scenario is one "
                    "YAML document", event.start_mark)
    for node, implicit in unresolved:
        node.tag = resolver.resolve(yaml.ScalarNode, node.value, implicit)
    return out


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node) -> tuple[dict[int, int], dict[int, int], yaml.Node | None]:
    """Per node (by id): its size with every alias copied out (nodes, itself included)
    and its depth (nested lists and mappings), memoised so that a node reached through
    many aliases is measured once; and a node that contains itself, if any. Iterative:
    a chain of aliases can be deeper than Python's recursion limit."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = (not isinstance(node, yaml.ScalarNode)) + max(
                (depth[id(k)] for k in kids), default=0)
            open_.discard(key)
            continue
        if key in size:
            continue
        if key in open_:
            return size, depth, node  # reached again while inside itself: a loop
        open_.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in reversed(_children(node)) if id(k) not in size)
    return size, depth, None


def _check_expansion(root: yaml.Node, composed: _Composed, where: str) -> None:
    """Refuse a loop, or a document whose aliases copied out exceed the limits, naming
    the alias responsible."""
    size, depth, loop = _measure(root)
    if loop is not None:
        line, anchor = next(((m.line + 1, a) for n, m, a in composed.aliases if n is loop),
                            (loop.start_mark.line + 1, "?"))
        raise ScenarioError([
            f"{where}:{line}: the alias *{anchor} is used inside the very list or mapping it "
            "names, so it would never end; copy the values instead"])
    total = size[id(root)]
    if total > MAX_NODES:
        node, mark, anchor = max(composed.aliases, key=lambda a: size[id(a[0])],
                                 default=(root, root.start_mark, "?"))
        raise ScenarioError([
            f"{where}:{mark.line + 1}: the alias *{anchor} expands to {size[id(node)]:,} YAML "
            f"values, and the whole document to {total:,}, once every alias is copied out; "
            f"the limit is {MAX_NODES:,} (an alias bomb?) (limit MAX_NODES in "
            "sim/scenario/yaml_source.py)"])
    if depth[id(root)] > MAX_DEPTH:
        node, mark, anchor = max(composed.aliases, key=lambda a: depth[id(a[0])],
                                 default=(root, root.start_mark, "?"))
        raise ScenarioError([
            f"{where}:{mark.line + 1}: nested too deep: with the alias *{anchor} copied out "
            f"the document nests {depth[id(root)]} levels of lists and mappings; the limit "
            f"is {MAX_DEPTH} (limit MAX_DEPTH in sim/scenario/yaml_source.py)"])


def _line_map(node: yaml.Node, prefix: str, where: str, out: dict[str, str],
              problems: list[str]) -> None:
    """Record ``file:line`` for every dotted path under ``node``; note duplicate keys
    (YAML would silently keep the last one). Keys merged in with ``<<: *anchor`` take
    the lines of the anchor, unless given here too."""
    out[prefix] = f"{where}:{node.start_mark.line + 1}"
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(value_node.value if isinstance(value_node, yaml.SequenceNode)
                              else [value_node])
                continue
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in seen:
                path = f"{prefix}.{key}" if prefix else key
                problems.append(f"{where}:{line} {path}: duplicate key (first given at line {seen[key]})")
            seen.setdefault(key, line)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            _line_map(value_node, path, where, out, problems)
            out[path] = f"{where}:{key_node.start_mark.line + 1}"
        for source in merged:
            if not isinstance(source, yaml.MappingNode):
                continue  # the constructor reports it
            for key_node, value_node in source.value:
                path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                if str(key_node.value) not in seen and path not in out:
                    _line_map(value_node, path, where, out, problems)
                    out[path] = f"{where}:{key_node.start_mark.line + 1}"
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, f"{prefix}.{i}" if prefix else str(i), where, out, problems)


def _unshare(node: Any) -> Any:
    """A copy in which no mapping or list appears twice. YAML anchors (``&x`` / ``*x``)
    load as one shared object, so a ``--set`` aimed at one site would change every
    site that reuses the anchor; after this each use is independent (the copy is
    bounded: the expanded size was checked first)."""
    if isinstance(node, dict):
        return {k: _unshare(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unshare(v) for v in node]
    return node


def _yaml_error(exc: yaml.YAMLError, where: str, text: str) -> ScenarioError:
    mark = getattr(exc, "problem_mark", None)
    last_line = max(1, len(text.splitlines()))
    line = f":{min(mark.line + 1, last_line)}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    if "maximum nesting depth" in problem and mark is not None:  # libyaml's own limit
        return _too_deep(where, mark)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None and (mark is None or context_mark.line != mark.line):
        problem += f" ({context} at line {context_mark.line + 1})"
    elif context:
        problem += f" ({context})"
    if isinstance(exc, _TooBigNumber):
        return ScenarioError([f"{where}{line}: {problem}"])
    if isinstance(exc, yaml.constructor.ConstructorError) and "constructor for the tag" in problem:
        tag = re.search(r"'([^']*)'", problem)
        return ScenarioError([
            f"{where}{line}: the YAML tag {tag.group(1) if tag else ''} is not allowed: a "
            "scenario holds only plain mappings, lists, numbers, text and true/false"])
    if mark is not None and "\t" in (text.splitlines() or [""])[min(mark.line, last_line - 1)]:
        problem += " (a tab on this line? YAML indents with spaces, not tabs)"
    return NotYamlError([f"{where}{line}: not valid YAML: {problem}"])


def parse_yaml(text: str, where: str) -> tuple[Any, dict[str, str]]:
    """Plain data from YAML text, and a map from every dotted path in it to
    ``where:line``. ``where`` names the source in messages (a file, or ``--set x``).
    Raises :class:`ScenarioError` for invalid YAML, a tag that is not plain data,
    duplicate keys, and documents over the limits."""
    try:
        composed = _compose(text, where)
        root = composed.root
        if root is None:
            return None, {}
        _check_expansion(root, composed, where)
        lines: dict[str, str] = {}
        problems: list[str] = []
        _line_map(root, "", where, lines, problems)
        if problems:
            raise ScenarioError(problems)
        data = _Constructor().construct_document(root)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, where, text) from None
    return _unshare(data), lines


def read_limited(path: Path, limit: int, what: str, shown: str | None = None) -> bytes:
    """The bytes of ``path`` (a ``what``, e.g. "scenario file"; ``shown`` as in messages,
    default the path), reading at most ``limit + 1`` bytes whatever the file claims (a
    device such as /dev/zero has size 0 and no end; a pipe has no size). A folder, a
    device or socket, or more than ``limit`` bytes: ScenarioError. Raises OSError as
    ``open`` does."""
    shown = str(path) if shown is None else shown
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError([f"{shown}: is a folder, not a {what}"])
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise ScenarioError([f"{shown}: is a device or socket, not a {what}"])
    raw = None  # (a file that says it is too big is not read)
    if not (stat.S_ISREG(info.st_mode) and info.st_size > limit):
        with path.open("rb") as f:
            raw = f.read(limit + 1)
    if raw is None or len(raw) > limit:
        raise ScenarioError([f"{shown}: too big for a {what}: more than {limit:,} bytes"])
    return raw


def read_yaml_file(path: Path) -> tuple[Any, dict[str, str]]:
    """:func:`parse_yaml` of a file, after checking that it is a readable text file of
    at most ``MAX_FILE_BYTES``."""
    try:
        raw = read_limited(path, MAX_FILE_BYTES, "scenario file")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such scenario file"]) from None
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror}"]) from None
    if b"\0" in raw:
        nul = raw.index(b"\0")
        line = raw[:nul].count(b"\n") + 1
        raise ScenarioError([f"{path}:{line}: not a text (UTF-8) file: "
                             f"byte {nul} is NUL (0x00); a scenario is YAML text"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([f"{path}:{line}: not a text (UTF-8) file: byte {exc.start} "
                             f"(0x{raw[exc.start]:02x}) cannot be decoded"]) from None
    return parse_yaml(text, str(path))


def read_scenario_file(path: Path) -> tuple[dict, dict[str, str]]:
    """One scenario file (``extends`` not followed): a non-empty mapping and its line map."""
    data, lines = read_yaml_file(path)
    if data is None or data == {}:
        raise ScenarioError([f"{path}:1: the scenario is empty; expected keys such as name, "
                             "horizon, demand, warehouses and carriers (or extends: parent.yaml)"])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({_short(data)})"
        raise ScenarioError([f"{path}:1: a scenario must be a mapping of keys (key: value "
                             f"lines), got {kind}"])
    return data, lines


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def deep_merge(base: dict, over: dict) -> dict:
    """``over`` on top of ``base``: mappings merge key by key, anything else replaces.
    A distribution (a mapping with a ``dist`` key) replaces as a whole: merging the
    parameters of two different distributions would make no sense."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_with_extends(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, dict[str, str]]:
    """A scenario file with its ``extends`` chain merged in (the file on top of its
    parent), and the line map of the result. ``extends`` names a YAML file relative to
    the file that names it."""
    data, lines = read_scenario_file(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, lines
    where = lines.get("extends", str(path))
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([f"{where} extends: must be the name of a YAML file, got {_short(parent)}"])
    if Path(parent).suffix.lower() not in YAML_SUFFIXES:
        raise ScenarioError([f"{where} extends: must name a YAML file (.yaml or .yml), got {parent!r}"])
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise ScenarioError([f"{where} extends: no such file {parent!r} (looked in {path.parent})"])
    if parent_path.is_dir():
        raise ScenarioError([f"{where} extends: {parent!r} is a folder, not a scenario file"])
    # (said at the 'extends' line that closes the circle or goes one file too far)
    chain = (*chain, path.resolve())
    if parent_path.resolve() in chain:
        cycle = " -> ".join(str(p) for p in (*chain, parent_path.resolve()))
        raise ScenarioError([f"{where} extends: goes round in a circle: {cycle}"])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([f"{where} extends: the chain of files is longer than {MAX_EXTENDS_DEPTH} "
                             "(limit MAX_EXTENDS_DEPTH in sim/scenario/yaml_source.py)"])
    base, base_lines = read_with_extends(parent_path, chain)
    # What the file replaces whole keeps none of the parent's lines: a mistake inside a
    # replaced distribution is in this file, not at the parent's line of the same key.
    replaced = tuple(p + "." for p in _replaced_paths(base, data))
    kept = {k: v for k, v in base_lines.items() if not k.startswith(replaced)} if replaced else base_lines
    return deep_merge(base, data), {**kept, **lines}


def _replaced_paths(base: dict, over: dict, prefix: str = "") -> list[str]:
    """The dotted paths of ``over`` that replace (not merge into) a mapping or list of
    ``base`` under :func:`deep_merge`'s rule."""
    out = []
    for key, value in over.items():
        path = f"{prefix}{key}"
        old = base.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and "dist" not in value:
            out += _replaced_paths(old, value, path + ".")
        elif isinstance(old, (dict, list)):
            out.append(path)
    return out


def number_problems(data: Any, located) -> list[str]:
    """A message for each number in ``data`` that is not finite or is beyond
    ``MAX_NUMBER`` in size: no quantity in a scenario comes near 1e15 (orders per day
    are at most 1e7, distances 2e4 km, seconds in ten years 3e8), and beyond it
    arithmetic in the model loses whole units or overflows. ``located(path, msg)`` words
    the message, naming the place."""
    problems: list[str] = []

    def visit(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                visit(v, [*path, str(k)])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                visit(v, [*path, str(i)])
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            if isinstance(node, float) and not math.isfinite(node):
                msg = f"must be a finite number, got {_yaml_number(node)}"
            elif abs(node) > MAX_NUMBER:
                msg = (f"must be between -1e15 and 1e15 (no scenario quantity comes near it), "
                       f"got {node:g}")
            else:
                return
            problems.append(located(path, msg))

    visit(data, [])
    return problems


def _yaml_number(x: float) -> str:
    return ".nan" if math.isnan(x) else ".inf" if x > 0 else "-.inf"
