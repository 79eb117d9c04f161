"""Scenario schema for stock keeping: start stock, replenishment and backorders.

Quantities in units (pieces of one SKU), times as named (``_days``). Stock is kept per
SKU per site; the same policy applies to every SKU at every site, with the reorder point
either given or computed per SKU and site from its demand (``"auto"``, the reorder-point
formula in :func:`sim.inventory_formulas.reorder_point`). See :mod:`sim.model.inventory`
for what the model does with these.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.dists import Dist
from sim.scenario.base import Model

# Per policy: the other policy, the keys only it uses, and what this policy does instead.
_OTHER_POLICY = {
    "sS": ("RQ", ("order_quantity", "order_quantity_days"), "orders up to order_up_to"),
    "RQ": ("sS", ("order_up_to", "order_up_to_days"), "orders multiples of order_quantity"),
}


class Replenishment(Model):
    """How each site re-stocks each SKU from its supplier, under continuous review.

    The *inventory position* of a SKU is on hand + on order from the supplier - units
    owed to backorders. When it falls to the reorder point or below:

    - ``sS``: order up to ``order_up_to`` (S), i.e. S - position units;
    - ``RQ``: order ``order_quantity`` (Q), as many Q as it takes to lift the position
      above ``reorder_point`` (R).

    A supplier order arrives ``supplier_lead_time_days`` after it is placed (sampled per
    order; 0 means at once). ``reorder_point: auto`` sets the reorder point of each SKU
    at each site to d·L + z·√(L·σ_d² + d²·σ_L²) (its mean daily demand d and daily sd
    σ_d, the lead time's mean L and sd σ_L in days, z = ``service_z``;
    :func:`sim.inventory_formulas.reorder_point`), rounded up.
    """

    policy: Literal["sS", "RQ"]
    reorder_point: int | Literal["auto"] = Field(
        description="s (sS) or R (RQ), units; 'auto': the reorder-point formula")
    order_up_to: int | None = Field(default=None, ge=1, description="S, units (sS only)")
    # S per SKU and site as its reorder point plus this many days of its expected
    # demand (rounded up): one S cannot suit both the best seller and the long tail.
    order_up_to_days: float | None = Field(default=None, gt=0, description="S - s, days of demand (sS)")
    order_quantity: int | None = Field(default=None, ge=1, description="Q, units (RQ only)")
    # Q per SKU and site as days of its expected demand (rounded up, at least 1): with
    # a skewed catalogue one Q cannot suit both the best seller and the long tail.
    order_quantity_days: float | None = Field(default=None, gt=0, description="Q, days of demand (RQ)")
    review: Literal["continuous"] = "continuous"
    supplier_lead_time_days: Dist
    service_z: float = Field(
        default=1.65, ge=0, description="safety factor for 'auto' (1.65: 95% cycle service)")

    @field_validator("reorder_point")
    @classmethod
    def _non_negative(cls, v: int | str) -> int | str:
        if v != "auto" and v < 0:
            raise ValueError(f"must be >= 0 (units) or 'auto', got {v}")
        return v

    @model_validator(mode="after")
    def _policy_fields(self) -> Replenishment:
        if self.policy == "sS":
            if (self.order_up_to is None) == (self.order_up_to_days is None):
                raise ValueError("order_up_to: is required for policy 'sS' (the level S "
                                 "to order up to, units), or order_up_to_days instead "
                                 "(give exactly one)")
            if (self.order_up_to is not None and self.reorder_point != "auto"
                    and self.reorder_point >= self.order_up_to):
                raise ValueError(
                    f"reorder_point: must be < order_up_to ({self.order_up_to}), "
                    f"got {self.reorder_point}")
        else:
            if (self.order_quantity is None) == (self.order_quantity_days is None):
                raise ValueError("order_quantity: policy 'RQ' needs exactly one of "
                                 "order_quantity (units) or order_quantity_days (days of "
                                 "each SKU's demand)")
        other, keys, how = _OTHER_POLICY[self.policy]
        for key in keys:
            if getattr(self, key) is not None:
                raise ValueError(f"{key}: is only used by policy {other!r}, got {getattr(self, key)}; "
                                 f"policy {self.policy!r} {how} (to drop a value inherited "
                                 f"through extends, write {key}: null)")
        return self


class SiteStock(Model):
    """What one site does differently from the scenario-wide ``inventory``: its own
    start stock (``initial_days_of_cover`` or ``initial_units``) and/or its own
    ``replenishment`` (which replaces the scenario-wide one whole)."""

    initial_days_of_cover: float | None = Field(default=None, ge=0)
    initial_units: int | None = Field(default=None, ge=0)
    replenishment: Replenishment | None = None

    @model_validator(mode="after")
    def _one_start(self) -> SiteStock:
        if self.initial_days_of_cover is not None and self.initial_units is not None:
            raise ValueError("give at most one of initial_days_of_cover or initial_units")
        return self


class InventoryConfig(Model):
    """Stock keeping at every site.

    Start stock per SKU per site: ``initial_days_of_cover`` times that SKU's expected
    daily demand at that site, rounded up, or ``initial_units`` of every SKU (give one).
    ``sites`` gives a site its own start stock or replenishment (:class:`SiteStock`).

    An order is served from its nearest site's stock when every line is on hand.
    Otherwise ``fallback`` says what is tried next:

    - ``backorder``: nothing; the order is backordered at its nearest site;
    - ``other_site``: the nearest other site that has every line ships the whole order;
    - ``split``: like ``other_site``, and else the nearest site ships the units it has
      and the nearest other site that has all of the rest ships it, in two parcels.

    An order the fallback cannot serve is backordered at its nearest site, where it
    waits, first come first served, for the supplier, by the ``backorder`` policy:
    ``wait`` for all its units; ``cancel_after`` at most ``cancel_after_days`` (then it
    is cancelled); ``ship_available``: the units on hand ship now and the rest, as a
    second parcel, when all of it has come in (if nothing is on hand, it waits whole).
    """

    initial_days_of_cover: float | None = Field(default=None, ge=0)
    initial_units: int | None = Field(default=None, ge=0)
    replenishment: Replenishment
    # Per site (warehouse name): a different start stock and/or replenishment policy.
    sites: dict[str, SiteStock] = Field(default_factory=dict)
    fallback: Literal["backorder", "other_site", "split"] = "backorder"
    backorder: Literal["wait", "cancel_after", "ship_available"] = "wait"
    cancel_after_days: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_start_and_cancel(self) -> InventoryConfig:
        given = [k for k in ("initial_days_of_cover", "initial_units")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of initial_days_of_cover (days of expected demand) or "
                f"initial_units (units of every SKU); got {given or 'neither'}"
                + (" (to drop one inherited through extends, write it as null)" if given else ""))
        if self.backorder == "cancel_after" and self.cancel_after_days is None:
            raise ValueError("cancel_after_days: is required for backorder 'cancel_after' "
                             "(days a backorder waits before it is cancelled, > 0)")
        if self.backorder != "cancel_after" and self.cancel_after_days is not None:
            raise ValueError(f"cancel_after_days: is only used by backorder 'cancel_after', "
                             f"got backorder {self.backorder!r}")
        return self

    def for_site(self, name: str) -> InventoryConfig:
        """The stock keeping of site ``name``: this, with the site's overrides."""
        over = self.sites.get(name)
        if over is None:
            return self
        update: dict = {"sites": {}}
        if over.initial_days_of_cover is not None or over.initial_units is not None:
            update["initial_days_of_cover"] = over.initial_days_of_cover
            update["initial_units"] = over.initial_units
        if over.replenishment is not None:
            update["replenishment"] = over.replenishment
        return self.model_copy(update=update)

    def replenishment_path(self, name: str) -> str:
        """Where site ``name``'s replenishment is configured (a dotted path)."""
        over = self.sites.get(name)
        if over is not None and over.replenishment is not None:
            return f"inventory.sites.{name}.replenishment"
        return "inventory.replenishment"
