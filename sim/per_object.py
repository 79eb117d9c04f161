"""Values derived once from an immutable configuration object and kept while it lives.

Parcels made during the run draw and pack a few at a time, so what a distribution, a box
catalogue or a carrier's zones need (tables, arrays, constants) is built on the first
call and reused. Pydantic's frozen models are not hashable by value cheaply, so entries
are keyed by the object's ``id`` and removed when the object is collected (a later
object reusing the id never sees a stale entry)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

_DERIVED: dict[tuple[int, str], Any] = {}


def derived(obj: Any, what: str, build: Callable[[], Any]) -> Any:
    """``build()`` for ``obj`` under the name ``what``: built on the first call, then
    kept while ``obj`` lives."""
    key = (id(obj), what)
    value = _DERIVED.get(key)
    if value is None:
        value = _DERIVED[key] = build()
        weakref.finalize(obj, _DERIVED.pop, key, None)
    return value
