"""The scenario schema: frozen pydantic models, ``extra="forbid"``, validated once at load.

Field names are a public interface (``--set`` lines and sweep files use them): keep them
stable. Units are in the names: ``_h`` hours (clock time of day, or hours), ``_s``
seconds, ``_min`` minutes, ``_days`` days, ``_km`` kilometres.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.dists import CountDist, Dist
from sim.geo import us_states
from sim.scenario.base import HeadCount, Model, Number
from sim.scenario.bounds import require_at_least, require_below
from sim.scenario.inventory import InventoryConfig
from sim.scenario.packaging import DamageModel, PackagingConfig, RateTable
from sim.scenario.picking import Picking

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS: list[str] = list(WEEKDAYS)
BUSINESS_DAYS: list[str] = list(WEEKDAYS[:5])

class Horizon(Model):
    """How long to simulate. Arrivals are generated over ``days``; KPIs count orders
    placed after ``warmup_days``; after ``days`` no order arrives and the run goes on for
    at most ``drain_days`` so that late orders can finish (none is censored)."""

    days: float = Field(gt=0, le=3660)
    warmup_days: float = Field(default=0.0, ge=0)
    drain_days: float = Field(default=21.0, ge=0, le=366)
    start_weekday: Weekday = "mon"

    @model_validator(mode="after")
    def _warmup_inside(self) -> Horizon:
        if self.warmup_days >= self.days:
            raise ValueError(
                f"warmup_days: must be < days ({self.days:g}), got {self.warmup_days:g}"
            )
        return self


class Channel(Model):
    """One sales channel: its demand, order composition and promise."""

    # At most ten million a day: more than the largest retailers ship from a whole
    # network; a larger figure is a typo (one day of it already needs ~12 GB).
    orders_per_day: float = Field(ge=0, le=10_000_000)
    hour_of_day_profile: list[Number] | None = None  # 24 weights, hour 0 first
    day_of_week_profile: list[Number] | None = None  # 7 weights, Monday first
    lines_per_order: CountDist = 1
    units_per_line: CountDist = 1
    regions: Literal["population"] | dict[str, Number] = "population"
    min_order_units: int = Field(default=1, ge=1)
    moq_policy: Literal["reject", "round_up"] = "reject"
    promised_business_days: int = Field(default=5, ge=0)
    return_prob: float = Field(default=0.0, ge=0, le=1)
    # Higher goes first in the pick (single and zone picking) and pack queues.
    priority: int = Field(default=0, ge=0, le=9)
    # The carrier service its orders ship with (default: the site's carrier), and the
    # share of orders that pay for ``expedited_service``.
    service: str | None = None
    expedited_share: float = Field(default=0.0, ge=0, le=1)
    expedited_service: str | None = None

    @model_validator(mode="after")
    def _expedited(self) -> Channel:
        if self.expedited_share > 0 and self.expedited_service is None:
            raise ValueError("expedited_service: needed when expedited_share > 0 (a carrier name)")
        return self

    @field_validator("lines_per_order", "units_per_line")
    @classmethod
    def _at_least_one(cls, v: CountDist, info) -> CountDist:
        why = {"lines_per_order": "an order has at least one line",
               "units_per_line": "a line asks for at least one unit"}[info.field_name]
        return require_at_least(v, 1, why)

    @field_validator("hour_of_day_profile", "day_of_week_profile")
    @classmethod
    def _profile(cls, v: list[float] | None, info) -> list[float] | None:
        if v is None:
            return v
        want = 24 if info.field_name == "hour_of_day_profile" else 7
        unit = "hour, 0 to 23" if want == 24 else "weekday, Monday first"
        if len(v) != want:
            raise ValueError(f"must have exactly {want} weights (one per {unit}), got {len(v)}")
        if min(v) < 0 or sum(v) <= 0:
            raise ValueError(f"weights must be >= 0 with a positive sum, got {v}")
        return v

    @field_validator("regions")
    @classmethod
    def _regions(cls, v):
        if isinstance(v, dict):
            _check_region_codes(v.keys())
            if min(v.values(), default=0) < 0 or sum(v.values()) <= 0:
                raise ValueError("region shares must be >= 0 with a positive sum")
        return v


def _check_region_codes(codes) -> None:
    known = us_states().codes
    for code in codes:
        if code not in known:
            raise ValueError(f"unknown region {code!r}; allowed: US state codes, e.g. CA, NY, DC")


class Demand(Model):
    channels: dict[str, Channel] = Field(min_length=1)


class Payment(Model):
    """Card authorisation: each attempt takes ``auth_time_s``; it is declined with
    ``decline_prob``; a decline is soft with ``soft_decline_share`` (retried after
    ``retry_delay_min``, up to ``max_attempts`` attempts in all, if the customer tries
    again, which they do with ``retry_prob``) or hard (cancelled)."""

    auth_time_s: Dist = 0
    decline_prob: float = Field(default=0.0, ge=0, le=1)
    soft_decline_share: float = Field(default=0.8, ge=0, le=1)
    retry_prob: float = Field(default=1.0, ge=0, le=1)
    # Card networks cap retries of a declined payment (Visa: 15 in 30 days); each
    # attempt is a pass over the pending orders.
    max_attempts: int = Field(default=3, ge=1, le=15)
    retry_delay_min: Dist = 30


class Routing(Model):
    """``nearest``: the site at the shortest great-circle distance from the customer's
    region; ``fixed``: ``region_to_site`` (regions it does not name go to the nearest)."""

    policy: Literal["nearest", "fixed"] = "nearest"
    region_to_site: dict[str, str] = Field(default_factory=dict)

    @field_validator("region_to_site")
    @classmethod
    def _regions(cls, v: dict[str, str]) -> dict[str, str]:
        _check_region_codes(v.keys())
        return v


class Location(Model):
    name: str = ""
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Break(Model):
    start_h: float = Field(ge=0, le=48)
    minutes: float = Field(gt=0, le=240)


class Shift(Model):
    """A shift on the listed days, from ``start_h`` to ``end_h`` (hours after midnight;
    ``end_h`` may pass 24 for a night shift), minus its breaks."""

    start_h: float = Field(ge=0, lt=24)
    end_h: float = Field(gt=0, le=48)
    days: list[Weekday] = Field(default_factory=lambda: list(BUSINESS_DAYS), min_length=1)
    breaks: list[Break] = Field(default_factory=list)

    @model_validator(mode="after")
    def _times(self) -> Shift:
        if not self.start_h < self.end_h <= self.start_h + 24:
            raise ValueError(
                f"need start_h < end_h <= start_h + 24, got start_h={self.start_h}, "
                f"end_h={self.end_h}"
            )
        for b in self.breaks:
            if not (self.start_h <= b.start_h and b.start_h + b.minutes / 60 <= self.end_h):
                after_midnight = b.start_h + 24
                hint = (f" (a break after midnight is on the shift's clock: {b.start_h:g} h the next day "
                        f"is {after_midnight:g})"
                        if self.end_h > 24 and self.start_h <= after_midnight
                        and after_midnight + b.minutes / 60 <= self.end_h else "")
                raise ValueError(
                    f"break at {b.start_h} h for {b.minutes} min is outside the shift "
                    f"{self.start_h}-{self.end_h} h{hint}"
                )
        return self


class Staff(Model):
    """Head-counts. With no ``shifts`` the staff are on duty around the clock. With
    shifts, a plain number puts that many people on *every* shift; a mapping gives the
    number per shift name."""

    shifts: dict[str, Shift] = Field(default_factory=dict)
    pickers: HeadCount = Field(default=1)
    packers: HeadCount = Field(default=1)
    # Loaded labour cost per on-duty hour (currency units), for the cost KPIs.
    picker_hourly_cost: float = Field(default=0.0, ge=0)
    packer_hourly_cost: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _shift_names(self) -> Staff:
        for pool in ("pickers", "packers"):
            v = getattr(self, pool)
            if isinstance(v, dict):
                if not self.shifts:
                    raise ValueError(f"{pool}: given per shift but no shifts are defined")
                unknown = sorted(set(v) - set(self.shifts))
                if unknown:
                    raise ValueError(
                        f"{pool}: names unknown shift(s) {unknown}; "
                        f"defined shifts: {sorted(self.shifts)}"
                    )
        return self

    def head_count(self, pool: str) -> dict[str, int]:
        """People per shift name for ``pool`` (``"pickers"`` or ``"packers"``); the key
        ``"always"`` means on duty around the clock."""
        return self.per_shift(getattr(self, pool))

    def per_shift(self, value: HeadCount) -> dict[str, int]:
        """A head-count as people per shift name (``"always"``: no shifts defined)."""
        if not self.shifts:
            return {"always": value if not isinstance(value, dict) else sum(value.values())}
        if isinstance(value, dict):
            return {name: value.get(name, 0) for name in self.shifts}
        return {name: value for name in self.shifts}


class Packing(Model):
    """Pack time = time per order + the sum over the order's units of the time per unit
    (+ dunnage for fragile units). With ``packaging`` the packer chooses a box; without
    it boxes, packaging cost and billable weight are not modelled."""

    time_per_order_s: Dist = 0
    time_per_unit_s: Dist = 0
    packaging: PackagingConfig | None = None


class BulkLabels(Model):
    """Labels printed in bulk: a print job runs when ``every_orders`` parcels wait for a
    label or the oldest has waited ``every_min`` minutes; a packer runs it
    (``print_time_s`` + ``time_per_label_s`` per label) between orders."""

    every_orders: int = Field(default=50, ge=1)
    every_min: float = Field(default=30.0, gt=0)
    print_time_s: Dist = 60
    time_per_label_s: Dist = 3


class Shipping(Model):
    """Labels: one by one by the packer (``label_time_s``), or ``bulk``. Parcels ship
    with their channel's service if the site offers it (``services``), else with the
    site's default ``carrier``."""

    carrier: str
    services: list[str] = Field(default_factory=list)
    label_time_s: Dist = 0
    labels: Literal["single", "bulk"] = "single"
    bulk: BulkLabels = Field(default_factory=BulkLabels)


class Warehouse(Model):
    location: Location
    staff: Staff = Field(default_factory=Staff)
    picking: Picking = Field(default_factory=Picking)
    packing: Packing = Field(default_factory=Packing)
    shipping: Shipping


class TransitZone(Model):
    """Parcels to customers up to ``max_km`` away (great circle) take
    ``transit_business_days`` after pick-up."""

    max_km: float = Field(gt=0)
    transit_business_days: CountDist


class Carrier(Model):
    """A carrier collecting at fixed times. A parcel labelled up to ``cutoff_min`` before
    a pick-up leaves with it; later ones wait for the next. Transit is counted in
    business days (Mon-Fri) and the parcel is delivered at ``delivery_hour`` on the last
    of them. With ``pickup_times_h: []`` the carrier collects continuously, every day (a
    parcel leaves the moment it is labelled; ``pickup_days`` and ``cutoff_min`` do not
    apply)."""

    pickup_times_h: list[Number] = Field(default_factory=lambda: [17.0])
    pickup_days: list[Weekday] = Field(default_factory=lambda: list(BUSINESS_DAYS), min_length=1)
    cutoff_min: float = Field(default=0.0, ge=0)
    zones: list[TransitZone] = Field(min_length=1)
    delivery_hour: Dist = 14
    late_prob: float = Field(default=0.0, ge=0, le=1)
    late_extra_business_days: CountDist = 1
    lost_prob: float = Field(default=0.0, ge=0, le=1)
    damaged_prob: float = Field(default=0.0, ge=0, le=1)
    # With ``damage``, damage depends on the parcel's fragile units and their
    # protection and replaces ``damaged_prob``.
    damage: DamageModel | None = None
    address_problem_prob: float = Field(default=0.0, ge=0, le=1)
    address_delay_business_days: CountDist = 2
    tracking_delay_min: Dist = 0  # from a scan to the customer's notification
    rates: RateTable | None = None  # shipping cost by zone and billable weight

    @field_validator("pickup_times_h")
    @classmethod
    def _times(cls, v: list[float]) -> list[float]:
        if any(not 0 <= t < 24 for t in v):
            raise ValueError(f"pick-up times must be in [0, 24) hours, got {v}")
        if list(v) != sorted(set(v)):
            raise ValueError(f"pick-up times must be strictly increasing, got {v}")
        return v

    @field_validator("late_extra_business_days")
    @classmethod
    def _late_days(cls, v: CountDist) -> CountDist:
        return require_at_least(v, 1, "a late parcel is at least one business day late")

    @field_validator("delivery_hour")
    @classmethod
    def _hour(cls, v: Dist) -> Dist:
        return require_below(v, 24, "an hour of the day, delivered on the arrival day")

    @field_validator("zones")
    @classmethod
    def _zones(cls, v: list[TransitZone]) -> list[TransitZone]:
        bounds = [z.max_km for z in v]
        if bounds != sorted(set(bounds)):
            raise ValueError(f"zones must have strictly increasing max_km, got {bounds}")
        return v

    @model_validator(mode="after")
    def _exclusive(self) -> Carrier:
        if self.lost_prob + self.damaged_prob > 1:
            raise ValueError("damaged_prob: lost_prob + damaged_prob must be <= 1")
        if self.rates is not None and self.rates.zones != len(self.zones):
            raise ValueError(
                f"rates: needs one price row per transit zone ({len(self.zones)}), "
                f"got {self.rates.zones}")
        return self


class Returns(Model):
    """A delivered order picked wrong comes back as ``wrong_item`` with
    ``wrong_item_return_prob``; a damaged one as ``damaged`` with
    ``damaged_return_prob``; any other delivered order comes back with its channel's
    ``return_prob``, for a reason drawn from ``reasons`` (shares summing to 1); one that
    is kept on all these counts but arrived after its promised day comes back as
    ``late`` with ``late_return_prob``. The whole order is returned (a wrong-item return:
    the wrong units), ``return_delay_days`` after delivery."""

    wrong_item_return_prob: float = Field(default=1.0, ge=0, le=1)
    damaged_return_prob: float = Field(default=1.0, ge=0, le=1)
    # Merchant data put damaged, late and wrong-item returns together at ~9% of returns
    # (domain-data.md, "Returns"): with ~5% of parcels late and ~15% returned, a late
    # parcel is returned for being late about 1 time in 10.
    late_return_prob: float = Field(default=0.1, ge=0, le=1)
    reasons: dict[str, Number] = Field(
        default_factory=lambda: {"changed_mind": 0.65, "not_as_described": 0.13, "other": 0.22}
    )
    return_delay_days: Dist = 7
    # With inventory: returns are inspected on arrival and put back in stock with
    # ``restock_prob`` (damaged goods are scrapped).
    inspection_time_days: Dist = 1
    restock_prob: float = Field(default=0.85, ge=0, le=1)
    # Per product category (catalogue.categories): multiplies the channel's return_prob
    # for the order's units of that category (default 1).
    category_multiplier: dict[str, Number] = Field(default_factory=dict)

    @field_validator("category_multiplier")
    @classmethod
    def _multipliers(cls, v: dict[str, float]) -> dict[str, float]:
        if any(m < 0 for m in v.values()):
            raise ValueError(f"multipliers must be >= 0, got {v}")
        return v

    @field_validator("reasons")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("at least one reason is needed")
        taken = sorted(set(v) & {"wrong_item", "damaged", "late"})
        if taken:
            raise ValueError(f"{taken[0]!r} is a reason the model decides itself (with "
                             f"{taken[0]}_return_prob); name the others, got {list(v)}")
        if any(s < 0 for s in v.values()) or abs(sum(v.values()) - 1) > 1e-6:
            raise ValueError(
                f"shares must be >= 0 and sum to 1, got sum {sum(v.values()):g} from {v} "
                "(with extends, reasons merge with the extended scenario's: give each of "
                "them, 0 for one you do not want)")
        return v


class Remedies(Model):
    """What the business does when a delivery goes wrong: ``reship`` (a new order for
    the same lines goes through the whole pipeline at top priority, linked to the
    original; a wrong item also comes back as a return) or ``refund`` (at selling
    price). A lost parcel is declared lost ``lost_declared_after_days`` after its
    expected delivery; a reship's own trouble is reshipped again up to ``max_reships``
    deep, then refunded. A late delivery earns a discount code worth ``late_discount``."""

    lost: Literal["reship", "refund"] = "refund"
    damaged: Literal["reship", "refund"] = "refund"
    wrong_item: Literal["reship", "refund"] = "refund"
    late_discount: float = Field(default=0.0, ge=0)  # currency units per late order
    lost_declared_after_days: float = Field(default=5.0, ge=0)
    max_reships: int = Field(default=2, ge=0, le=5)


class Satisfaction(Model):
    """The survey model (see :mod:`sim.model.aftersales`): scores 1..5."""

    survey_prob: float = Field(default=0.2, ge=0, le=1)
    base_score: float = Field(default=4.6, ge=1, le=5)
    late_penalty_per_day: float = Field(default=0.6, ge=0)  # per business day late
    wrong_item_penalty: float = Field(default=2.0, ge=0)
    damaged_penalty: float = Field(default=1.8, ge=0)
    lost_penalty: float = Field(default=3.0, ge=0)
    address_problem_penalty: float = Field(default=0.8, ge=0)
    refund_bonus: float = Field(default=0.5, ge=0)
    discount_bonus: float = Field(default=0.3, ge=0)
    reship_bonus: float = Field(default=0.8, ge=0)
    noise_sd: float = Field(default=0.6, ge=0)
    dissatisfied_at_most: int = Field(default=2, ge=1, le=4)


MIN_UNIT_SIZE_CM = 0.1  # the smallest side a unit may have
MIN_UNIT_WEIGHT_KG = 0.001


class Catalogue(Model):
    """The SKUs sold. Each order line is one SKU, drawn by popularity: SKU ``i`` (0 the
    most popular) with weight ``(i + 1) ** -zipf_exponent`` (0: all equally popular).
    Each SKU's weight, dimensions, cost and product category are drawn once per
    replication from the distributions here; ``abc_shares`` split the SKUs by
    popularity rank into classes A, B, C... for reporting."""

    # Ten million: ten times the assortment of the largest single warehouses; each
    # SKU costs memory in every replication (see sim/sizing.py).
    skus: int = Field(default=1000, ge=1, le=10_000_000)
    zipf_exponent: float = Field(default=1.0, ge=0)
    abc_shares: list[Number] = Field(default_factory=lambda: [0.2, 0.3, 0.5], min_length=1, max_length=26)
    categories: dict[str, Number] = Field(default_factory=lambda: {"general": 1.0}, min_length=1)
    unit_weight_kg: Dist = Field(default_factory=lambda: {"dist": "lognormal", "mean": 0.6, "sd": 0.5, "low": 0.02})
    unit_length_cm: Dist = Field(default_factory=lambda: {"dist": "uniform", "low": 10, "high": 35})
    unit_width_cm: Dist = Field(default_factory=lambda: {"dist": "uniform", "low": 8, "high": 25})
    unit_height_cm: Dist = Field(default_factory=lambda: {"dist": "uniform", "low": 2, "high": 12})
    fragile_share: float = Field(default=0.0, ge=0, le=1)
    unit_cost: Dist = 10
    price_markup: float = Field(default=2.0, ge=1)

    @field_validator("unit_length_cm", "unit_width_cm", "unit_height_cm", "unit_weight_kg")
    @classmethod
    def _physical(cls, v: Dist, info) -> Dist:
        if info.field_name == "unit_weight_kg":
            return require_at_least(v, MIN_UNIT_WEIGHT_KG, "a unit weighs something", " kg")
        return require_at_least(v, MIN_UNIT_SIZE_CM, "a unit has a size", " cm")

    @field_validator("abc_shares")
    @classmethod
    def _abc(cls, v: list[float]) -> list[float]:
        if any(x < 0 for x in v) or abs(sum(v) - 1) > 1e-6:
            raise ValueError(f"shares must be >= 0 and sum to 1, got {v}")
        return v

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: dict[str, float]) -> dict[str, float]:
        if any(x < 0 for x in v.values()) or abs(sum(v.values()) - 1) > 1e-6:
            raise ValueError(f"shares of SKUs must be >= 0 and sum to 1, got sum {sum(v.values()):g}")
        return v


class Scenario(Model):
    """A whole fulfilment operation."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(default=0, ge=0)
    horizon: Horizon
    demand: Demand
    payment: Payment = Field(default_factory=Payment)
    routing: Routing = Field(default_factory=Routing)
    warehouses: dict[str, Warehouse] = Field(min_length=1)
    carriers: dict[str, Carrier] = Field(min_length=1)
    returns: Returns = Field(default_factory=Returns)
    catalogue: Catalogue = Field(default_factory=Catalogue)
    inventory: InventoryConfig | None = None  # None: stock never runs out
    remedies: Remedies = Field(default_factory=Remedies)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        for site, wh in self.warehouses.items():
            for i, name in enumerate([wh.shipping.carrier, *wh.shipping.services]):
                if name not in self.carriers:
                    where = "carrier" if i == 0 else f"services.{i - 1}"
                    raise ValueError(
                        f"warehouses.{site}.shipping.{where}: unknown carrier "
                        f"{name!r}; defined carriers: {', '.join(sorted(self.carriers))}"
                    )
            layout = wh.picking.layout
            if layout is not None and layout.capacity < self.catalogue.skus:
                raise ValueError(
                    f"warehouses.{site}.picking.layout: holds {layout.capacity:,} SKU locations "
                    f"({layout.aisles} aisles x 2 sides x {layout.locations_per_side}) but "
                    f"catalogue.skus is {self.catalogue.skus:,}; add aisles or locations_per_side"
                )
            wave = wh.picking.wave
            shipped_with = [wh.shipping.carrier, *wh.shipping.services]
            if (wh.picking.method == "wave" and wave is not None and wave.align_to_cutoffs
                    and not any(self.carriers[c].pickup_times_h for c in shipped_with)):
                which = (f"carrier {shipped_with[0]!r} collects" if len(shipped_with) == 1 else
                         f"carriers {', '.join(map(repr, shipped_with))} all collect")
                raise ValueError(
                    f"warehouses.{site}.picking.wave.align_to_cutoffs: the site's {which} "
                    "continuously (pickup_times_h: []), so there is no cut-off to "
                    "release waves before; give the waves times_h or every_min")
            zone = wh.picking.zone
            if zone is not None and zone.pickers_per_zone is None:
                most = max(wh.staff.head_count("pickers").values(), default=0)
                if most < zone.zones:
                    raise ValueError(
                        f"warehouses.{site}.picking.zone.zones: {zone.zones} zones but at most "
                        f"{most} picker(s) on a shift, so some zone would never be picked; "
                        "use fewer zones, more pickers, or pickers_per_zone"
                    )
            if zone is not None and zone.pickers_per_zone is not None:
                for i, count in enumerate(zone.pickers_per_zone):
                    unknown = sorted(set(count) - set(wh.staff.shifts)) if isinstance(count, dict) else []
                    if unknown:
                        raise ValueError(
                            f"warehouses.{site}.picking.zone.pickers_per_zone.{i}: names unknown "
                            f"shift(s) {unknown}; defined shifts: {sorted(wh.staff.shifts)}"
                        )
                    if not any(n > 0 for n in wh.staff.per_shift(count).values()):
                        raise ValueError(
                            f"warehouses.{site}.picking.zone.pickers_per_zone.{i}: {count!r}: zone {i} "
                            "has no picker on any shift, so it would never be picked; give it "
                            "at least one, or use fewer zones"
                        )
        unknown = sorted(set(self.returns.category_multiplier) - set(self.catalogue.categories))
        if unknown:
            raise ValueError(
                f"returns.category_multiplier: unknown categor{'ies' if len(unknown) > 1 else 'y'} "
                f"{unknown}; catalogue.categories: {sorted(self.catalogue.categories)}")
        both = sorted(set(self.demand.channels) & set(self.warehouses))
        if both:
            raise ValueError(
                f"demand.channels.{both[0]}: a channel may not be named like a site "
                f"({both[0]!r} is both): per-site and per-channel KPIs are named <kpi>_<name>")
        for name, ch in self.demand.channels.items():
            for field in ("service", "expedited_service"):
                value = getattr(ch, field)
                if value is not None and value not in self.carriers:
                    raise ValueError(
                        f"demand.channels.{name}.{field}: unknown carrier {value!r}; "
                        f"defined carriers: {', '.join(sorted(self.carriers))}")
        if self.inventory is not None:
            unknown = sorted(set(self.inventory.sites) - set(self.warehouses))
            if unknown:
                raise ValueError(f"inventory.sites.{unknown[0]}: unknown site {unknown[0]!r}; "
                                 f"sites: {sorted(self.warehouses)}")
        for region, site in self.routing.region_to_site.items():
            if site not in self.warehouses:
                raise ValueError(
                    f"routing.region_to_site.{region}: unknown site {site!r}; "
                    f"sites: {sorted(self.warehouses)}"
                )
        return self

    @property
    def sites(self) -> list[str]:
        return list(self.warehouses)
