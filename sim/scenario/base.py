"""Shared pieces of the scenario schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Base of every scenario model: immutable, unknown keys rejected, defaults
    validated like given values."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True,
                              validate_default=True, allow_inf_nan=False)


HeadCount = int | dict[str, int]
"""People in a staff pool: a number on every shift, or ``{shift name: number}``."""


def check_head_count(v: HeadCount) -> HeadCount:
    """Raise ValueError unless every count is >= 0."""
    counts = v.values() if isinstance(v, dict) else [v]
    for c in counts:
        if c < 0:
            raise ValueError(f"must be >= 0, got {c}")
    return v
