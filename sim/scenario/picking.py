"""Scenario schema for picking: layout, storage, routing, methods, errors, verification.

Lengths in metres, speeds in metres per second, times as named (``_s``, ``_min``,
``_h``). See :mod:`sim.model.picking` for what the model does with them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.dists import Dist
from sim.scenario.base import HeadCount, Model, Number

RoutingPolicy = Literal["s_shape", "return", "midpoint", "largest_gap", "optimal"]


class LayoutConfig(Model):
    """A rectangular picking area: parallel aisles between a front and a back cross
    aisle (and optionally a middle one), the depot (where tours start and end) at the
    front."""

    aisles: int = Field(ge=1)
    aisle_length_m: float = Field(gt=0)
    aisle_spacing_m: float = Field(gt=0, description="centre-to-centre distance of adjacent aisles")
    cross_aisle_width_m: float = Field(default=2.0, ge=0)
    # A cross aisle across the middle splits every aisle into two blocks (a shortcut).
    middle_cross_aisle: bool = False
    locations_per_side: int = Field(ge=1, description="storage slots per aisle side (both sides pick)")
    depot: Literal["front_left", "front_middle"] = "front_left"
    walk_speed_m_s: float = Field(default=1.0, gt=0)
    routing: RoutingPolicy = "s_shape"
    storage: Literal["random", "class_based"] = "random"
    class_shares: list[Number] = Field(default_factory=lambda: [0.2, 0.3, 0.5], min_length=1)

    @field_validator("class_shares")
    @classmethod
    def _shares(cls, v: list[float]) -> list[float]:
        if any(s < 0 for s in v) or abs(sum(v) - 1) > 1e-6:
            raise ValueError(f"shares must be >= 0 and sum to 1, got {v}")
        return v

    @property
    def capacity(self) -> int:
        return self.aisles * 2 * self.locations_per_side


class BatchConfig(Model):
    """Batch picking: a picker takes up to ``max_orders`` orders on one tour, or (with
    ``capacity: totes``) as many orders as fit in ``max_totes`` totes of
    ``units_per_tote`` units (an order takes ceil(units / units_per_tote) totes)."""

    max_orders: int = Field(default=8, ge=1)
    capacity: Literal["orders", "totes"] = "orders"
    max_totes: int = Field(default=8, ge=1)
    units_per_tote: int = Field(default=10, ge=1)
    rule: Literal["fcfs", "proximity"] = "fcfs"
    # Release: a batch starts when full, or when its oldest order has waited this long.
    max_wait_min: float = Field(default=15.0, ge=0)
    sort: Literal["while_pick", "after_pick"] = "after_pick"
    sort_time_per_unit_s: Dist = 4
    sort_error_prob_per_unit: float = Field(default=0.0, ge=0, le=1)
    # Proximity batching looks this far into the queue for the seed order's neighbours.
    proximity_window: int = Field(default=100, ge=1)


class ZoneConfig(Model):
    """Zone picking: the aisles split into ``zones`` equal zones with their own pickers."""

    zones: int = Field(ge=1)
    mode: Literal["parallel", "pick_and_pass"] = "parallel"
    consolidation_time_s: Dist = 30  # per order, at the pack station (parallel mode)
    pass_time_s: Dist = 10  # hand-over of a tote to the next zone (pick-and-pass)
    # People per zone (a number on every shift, or per shift); default: the site's
    # pickers shared out evenly, zone by zone.
    pickers_per_zone: list[HeadCount] | None = None

    @model_validator(mode="after")
    def _one_count_per_zone(self) -> ZoneConfig:
        if self.pickers_per_zone is not None and len(self.pickers_per_zone) != self.zones:
            raise ValueError(
                f"pickers_per_zone: needs one entry per zone ({self.zones}), "
                f"got {len(self.pickers_per_zone)}"
            )
        return self


class WaveConfig(Model):
    """Wave picking: paid orders wait and are released together, at ``times_h`` each
    day or every ``every_min`` minutes (or at each cut-off of the site's carrier services minus
    ``cutoff_lead_min``); within a wave orders are picked with ``within``."""

    times_h: list[Number] = Field(default_factory=list)
    every_min: float | None = Field(default=None, gt=0)
    align_to_cutoffs: bool = False
    cutoff_lead_min: float = Field(default=120.0, ge=0)
    within: Literal["single", "batch", "zone"] = "single"
    wait_for_previous: bool = False
    timeout_min: float | None = Field(default=None, gt=0)

    @field_validator("times_h")
    @classmethod
    def _times(cls, v: list[float]) -> list[float]:
        if any(not 0 <= t < 24 for t in v):
            raise ValueError(f"wave times must be hours of the day in [0, 24), got {v}")
        if list(v) != sorted(set(v)):
            raise ValueError(f"wave times must be strictly increasing, got {v}")
        return v

    @model_validator(mode="after")
    def _one_schedule(self) -> WaveConfig:
        given = [bool(self.times_h), self.every_min is not None, self.align_to_cutoffs]
        if sum(given) != 1:
            raise ValueError(
                "times_h: give exactly one wave schedule: times_h, every_min or "
                f"align_to_cutoffs: true (got {sum(given)})"
            )
        return self


class Verification(Model):
    """Barcode scanning. A scan catches a wrong line with ``detection_prob``; a caught
    error costs a re-pick (``repick_time_s``) and ships right; a missed one ships."""

    at_pick: bool = False
    at_pack: bool = False
    detection_prob: float = Field(default=0.95, ge=0, le=1)
    scan_time_per_line_s: Dist = 2
    repick_time_s: Dist = 120


class Picking(Model):
    """How a site picks. Tour time = ``setup_time_s`` + travel + ``time_per_line_s``
    for each line (+ sorting and re-picks). Travel comes from ``layout`` (distance of
    the routed tour / walking speed) or, with no layout, from ``travel_time_s`` per
    tour (so picking can be reduced to a textbook queue)."""

    method: Literal["single", "batch", "zone", "wave"] = "single"
    setup_time_s: Dist = 0
    travel_time_s: Dist = 0
    time_per_line_s: Dist = 0
    error_prob_per_line: float = Field(default=0.0, ge=0, le=1)
    layout: LayoutConfig | None = None
    batch: BatchConfig | None = None
    zone: ZoneConfig | None = None
    wave: WaveConfig | None = None
    verification: Verification = Field(default_factory=Verification)

    @model_validator(mode="after")
    def _method_needs(self) -> Picking:
        needed = {"batch": ["batch"], "zone": ["zone"], "wave": ["wave"]}.get(self.method, [])
        if self.method == "wave" and self.wave is not None and self.wave.within != "single":
            needed.append(self.wave.within)
        for section in needed:
            if getattr(self, section) is None:
                raise ValueError(
                    f"method: {self.method!r} needs a '{section}' section "
                    f"(e.g. {_EXAMPLES[section]})"
                )
        if self.zone is not None and self.layout is not None and self.layout.aisles % self.zone.zones:
            raise ValueError(
                f"zone: {self.zone.zones} zones do not divide the layout's "
                f"{self.layout.aisles} aisles; choose a divisor of {self.layout.aisles}"
            )
        if self.zone is not None and self.layout is None and self.method in ("zone", "wave"):
            raise ValueError("layout: zone picking needs a layout to split into zones")
        return self


_EXAMPLES = {
    "batch": "batch: {max_orders: 8}",
    "zone": "zone: {zones: 4}",
    "wave": "wave: {every_min: 60}",
}
