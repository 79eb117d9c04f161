"""Shared pieces of the scenario schema."""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator


class Model(BaseModel):
    """Base of every scenario model: immutable, unknown keys rejected, defaults
    validated like given values, and a number given as a number (not ``true`` or
    ``"15"``, which pydantic would otherwise take as 1 and 15)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _a_number_is_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool | str) and info.field_name in cls.model_fields:
            kinds = _kinds(cls.model_fields[info.field_name].annotation)
            if kinds & {"int", "float"} and type(value).__name__ not in kinds:
                shown = str(value).lower() if isinstance(value, bool) else repr(value)
                what = "a number" if "float" in kinds else "a whole number"
                raise ValueError(f"must be {what}, got {shown}{clock_hint(value)}")
        return value


def clock_hint(value: Any) -> str:
    """For a clock time given where a number of hours belongs (``"11:30"``: YAML 1.2
    reads it as text), how to write it; "" for anything else."""
    m = re.fullmatch(r"\s*([0-9]{1,2}):([0-5][0-9])\s*", value) if isinstance(value, str) else None
    if m is None:
        return ""
    return f" (a clock time? write hours as a decimal: {int(m.group(1)) + int(m.group(2)) / 60:g})"


def _kinds(annotation: Any) -> set[str]:
    """What a field's type accepts at its top level, by type name: "int", "float",
    "bool", "str" (a string or a literal string), or another type's name."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_kinds(a) for a in typing.get_args(annotation)))
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin is Literal:
        return {type(a).__name__ for a in typing.get_args(annotation)}
    return {getattr(annotation, "__name__", str(annotation))}


# People in one staff pool on one shift, at most: several times the largest fulfilment
# centres' whole shift; each is simulated, so a mistyped count (1e9) would otherwise run
# out of memory or for hours instead of being refused.
MAX_HEAD_COUNT = 10_000


def _check_people(c: int) -> int:
    """Raise ValueError unless ``c`` people is from 0 to ``MAX_HEAD_COUNT``."""
    if c < 0:
        raise ValueError(f"must be >= 0, got {c}")
    if c > MAX_HEAD_COUNT:
        raise ValueError(f"must be at most {MAX_HEAD_COUNT:,} people per shift, got {c:,}")
    return c


People = Annotated[int, AfterValidator(_check_people)]
"""People in a staff pool on a shift (checked where it is given, so a bad count in
``{shift: number}`` is named by its shift: ``pickers.day``)."""

HeadCount = People | dict[str, People]
"""People in a staff pool: a number on every shift, or ``{shift name: number}``."""
