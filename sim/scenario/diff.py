"""What differs between two resolved scenarios (the mappings in
``scenario.resolved.yaml``), and short labels for runs made from them, such as
``east.pickers=6``."""

from __future__ import annotations

import json
from typing import Any

from sim.scenario.schema_paths import node_at

# Keys that say what a scenario is called, not what it does: left out of labels when
# something else differs.
DESCRIPTIVE = ("name", "description")

# Prefixes dropped from labels (a site or channel name says enough).
_PREFIXES = ("warehouses.", "demand.channels.")


def resolved_diff(a: dict, b: dict, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """``(dotted_path, a_value, b_value)`` for every leaf that differs, in the order of
    ``a`` (then keys only ``b`` has). Mappings are compared key by key and lists of the
    same length item by item (a path then ends in the index); a key missing on one side
    has the value None there."""
    out: list[tuple[str, Any, Any]] = []
    for key in list(a) + [k for k in b if k not in a]:
        path = f"{prefix}{key}"
        if key not in b:
            out.append((path, a[key], None))
        elif key not in a:
            out.append((path, None, b[key]))
        else:
            out.extend(_diff_values(path, a[key], b[key]))
    return out


def _diff_values(path: str, x: Any, y: Any) -> list[tuple[str, Any, Any]]:
    if isinstance(x, dict) and isinstance(y, dict):
        return resolved_diff(x, y, f"{path}.")
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        out = []
        for i, (u, v) in enumerate(zip(x, y, strict=True)):
            out.extend(_diff_values(f"{path}.{i}", u, v))
        return out
    return [] if _same(x, y) else [(path, x, y)]


def _same(x: Any, y: Any) -> bool:
    # 3 and 3.0 are the same setting once resolved.
    if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not (
            isinstance(x, bool) or isinstance(y, bool)):
        return float(x) == float(y)
    return x == y


def short_path(path: str) -> str:
    """``warehouses.east.staff.pickers`` -> ``east.pickers``;
    ``demand.channels.web.orders_per_day`` -> ``web.orders_per_day``."""
    for prefix in _PREFIXES:
        if path.startswith(prefix):
            path = path[len(prefix):]
            break
    return path.replace(".staff.", ".", 1)


def format_value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), default=str)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def get_path(data: Any, path: str) -> Any:
    """The value at a dotted path (None where it does not exist)."""
    return node_at(data, path.split("."))


def diff_labels(resolved: list[dict], max_items: int = 2, max_chars: int = 40) -> list[str] | None:
    """A label per scenario from what differs between them (against the first): e.g.
    ``east.pickers=3`` and ``east.pickers=6``. Descriptive keys (name, description)
    count only when nothing else differs. None when the scenarios are all the same."""
    paths: dict[str, None] = {}
    for other in resolved[1:]:
        paths.update(dict.fromkeys(p for p, _, _ in resolved_diff(resolved[0], other)))
    if not paths:
        return None
    working = [p for p in paths if p.split(".")[0] not in DESCRIPTIVE]
    chosen = working or list(paths)
    labels = []
    for data in resolved:
        parts = [f"{short_path(p)}={format_value(get_path(data, p))}" for p in chosen[:max_items]]
        label = ", ".join(parts)
        if len(chosen) > max_items:
            label += f" (+{len(chosen) - max_items} more)"
        if len(label) > max_chars + 12:
            label = label[: max_chars] + "..."
        labels.append(label)
    return labels
