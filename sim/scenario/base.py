"""Shared pieces of the scenario schema."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator

from sim.given_numbers import Number, Whole, clock_hint, refuse_text_for_number

__all__ = ["Model", "Number", "Whole", "clock_hint", "People", "HeadCount", "MAX_HEAD_COUNT"]


class Model(BaseModel):
    """Base of every scenario model: immutable, unknown keys rejected, defaults
    validated like given values, and a number given as a number (not ``true`` or
    ``"15"``, which pydantic would otherwise take as 1 and 15; inside lists and
    mappings: :data:`Number`, :data:`Whole`, :data:`People`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _a_number_is_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in cls.model_fields:
            return refuse_text_for_number(cls.model_fields[info.field_name].annotation, value)
        return value


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


People = Annotated[Whole, AfterValidator(_check_people)]
"""People in a staff pool on a shift (checked where it is given, so a bad count in
``{shift: number}`` is named by its shift: ``pickers.day``)."""

HeadCount = People | dict[str, People]
"""People in a staff pool: a number on every shift, or ``{shift name: number}``."""
