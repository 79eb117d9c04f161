"""Scenario schema for packing and parcel economics: box catalogue, dunnage for fragile
items, carrier rate table (billable weight) and damage in transit.

Lengths in centimetres (``_cm``), volumes in cubic centimetres (``_cm3``), weights in
kilograms (``_kg``), times as named (``_s``); costs and prices in the scenario's
currency units, no suffix. See :mod:`sim.model.packaging` for what the model does with
them.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.dists import Dist
from sim.scenario.base import Model, Number

DunnageKind = Literal["bubble_wrap", "air_pillows", "paper"]


class Box(Model):
    """One carton in a site's catalogue, by its inner dimensions."""

    name: str = Field(min_length=1)
    length_cm: float = Field(gt=0, description="inner length")
    width_cm: float = Field(gt=0, description="inner width")
    height_cm: float = Field(gt=0, description="inner height")
    max_weight_kg: float = Field(gt=0, description="heaviest content the box may carry")
    cost: float = Field(ge=0, description="currency units per box")

    @property
    def dims_cm(self) -> tuple[float, float, float]:
        return (self.length_cm, self.width_cm, self.height_cm)

    @property
    def volume_cm3(self) -> float:
        return self.length_cm * self.width_cm * self.height_cm

    @property
    def longest_cm(self) -> float:
        return max(self.dims_cm)


class Dunnage(Model):
    """Protective filling packed around each fragile unit: it takes time, money and
    room in the box, and removes ``protection`` of each fragile unit's damage risk."""

    kind: DunnageKind
    time_per_fragile_unit_s: Dist
    cost_per_fragile_unit: float = Field(ge=0, description="currency units per fragile unit")
    volume_per_fragile_unit_cm3: float = Field(ge=0, description="room it takes in the box")
    protection: float = Field(ge=0, le=1, description="share of the fragile-damage risk removed")


class PackagingConfig(Model):
    """How a site packs: the packer takes the smallest box (by inner volume) whose
    usable volume (``fill_factor`` x inner volume) holds the order and its dunnage,
    whose weight limit holds the order, and whose longest inner side holds the order's
    longest item."""

    boxes: list[Box] = Field(min_length=1)
    fill_factor: float = Field(default=0.8, gt=0, le=1,
                               description="usable share of a box's inner volume")
    dunnage: Dunnage | None = None  # None: fragile items are packed unprotected

    @field_validator("boxes")
    @classmethod
    def _unique_names(cls, v: list[Box]) -> list[Box]:
        names = [b.name for b in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"box names must be unique, got duplicates {dupes}")
        return v

    @property
    def protection(self) -> float:
        """Share of the fragile-damage risk the dunnage removes (0 without dunnage)."""
        return 0.0 if self.dunnage is None else self.dunnage.protection


class RateTable(Model):
    """A carrier's parcel prices: ``prices[zone][j]`` is the price of a parcel whose
    billable weight is at most ``weight_breaks_kg[j]`` (and above the previous break).
    Billable weight = max(actual weight, box volume / ``dim_divisor_cm3_per_kg``)."""

    weight_breaks_kg: list[Number] = Field(min_length=1,
                                          description="strictly increasing upper bounds")
    prices: list[list[Number]] = Field(min_length=1,
                                      description="one row per distance zone, one price per break")
    dim_divisor_cm3_per_kg: float = Field(default=5000.0, gt=0)
    # Above the last break: "reject" (the carrier does not take the parcel; cost NaN)
    # or "last_price" (charged the last break's price).
    over_max: Literal["reject", "last_price"] = "reject"

    @field_validator("weight_breaks_kg")
    @classmethod
    def _breaks(cls, v: list[float]) -> list[float]:
        if v[0] <= 0:
            raise ValueError(f"weight breaks must be > 0 kg, got {v}")
        if any(b <= a for a, b in pairwise(v)):
            raise ValueError(f"weight breaks must be strictly increasing, got {v}")
        return v

    @field_validator("prices")
    @classmethod
    def _prices(cls, v: list[list[float]]) -> list[list[float]]:
        for zone, row in enumerate(v):
            if any(p < 0 for p in row):
                raise ValueError(f"prices must be >= 0, got {row} in zone {zone}")
            if any(b < a for a, b in pairwise(row)):
                raise ValueError(
                    f"prices must be non-decreasing in weight, got {row} in zone {zone}"
                )
        return v

    @model_validator(mode="after")
    def _one_price_per_break(self) -> RateTable:
        n = len(self.weight_breaks_kg)
        for zone, row in enumerate(self.prices):
            if len(row) != n:
                raise ValueError(
                    f"prices: zone {zone} needs one price per weight break ({n}), "
                    f"got {len(row)}"
                )
        return self

    @property
    def zones(self) -> int:
        return len(self.prices)


class DamageModel(Model):
    """Damage in transit, per parcel: P(damage) = 1 - (1 - base_prob) *
    (1 - fragile_unit_prob * (1 - protection)) ** fragile_units."""

    base_prob: float = Field(default=0.0, ge=0, le=1, description="per parcel, any content")
    fragile_unit_prob: float = Field(default=0.0, ge=0, le=1,
                                     description="extra, per unprotected fragile unit")
