"""Numbers given as numbers: ``true`` or ``"15"`` where a number belongs is refused, not
read as 1 and 15 (pydantic's lax mode would take both).

Used by the scenario's models (:class:`sim.scenario.base.Model`) and the distributions
(:mod:`sim.dists`): :func:`refuse_text_for_number` checks a model's own fields;
:data:`Number` and :data:`Whole` are the numbers inside lists and mappings
(``pickup_times_h: [17]``, ``regions: {CA: 2}``, ``pickers: {day: 5}``), which a
check of the fields alone does not see.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator


def clock_hint(value: Any) -> str:
    """For a clock time given where a number of hours belongs (``"11:30"``: YAML 1.2
    reads it as text), how to write it; "" for anything else."""
    m = re.fullmatch(r"\s*([0-9]{1,2}):([0-5][0-9])\s*", value) if isinstance(value, str) else None
    if m is None:
        return ""
    return f" (a clock time? write hours as a decimal: {int(m.group(1)) + int(m.group(2)) / 60:g})"


def _not_a(what: str, value: Any) -> ValueError:
    shown = str(value).lower() if isinstance(value, bool) else repr(value)
    return ValueError(f"must be {what}, got {shown}{clock_hint(value)}")


def kinds(annotation: Any) -> set[str]:
    """What a field's type accepts at its top level, by type name: "int", "float",
    "bool", "str" (a string or a literal string), or another type's name."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(kinds(a) for a in typing.get_args(annotation)))
    if origin is typing.Annotated:
        return kinds(typing.get_args(annotation)[0])
    if origin is Literal:
        return {type(a).__name__ for a in typing.get_args(annotation)}
    return {getattr(annotation, "__name__", str(annotation))}


def refuse_text_for_number(annotation: Any, value: Any) -> Any:
    """``value`` for a field of type ``annotation``; raises ValueError if it is text or
    true/false where the field takes a number but not that."""
    if isinstance(value, bool | str):
        accepted = kinds(annotation)
        if accepted & {"int", "float"} and type(value).__name__ not in accepted:
            raise _not_a("a number" if "float" in accepted else "a whole number", value)
    return value


def _given_as(what: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, bool | str):
            raise _not_a(what, value)
        return value
    return BeforeValidator(check)


Number = Annotated[float, _given_as("a number")]
"""A number inside a list or a mapping."""

Whole = Annotated[int, _given_as("a whole number")]
"""A whole number inside a list or a mapping."""
