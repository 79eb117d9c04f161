"""Packing and parcel economics, vectorised over orders (one array entry per order).

Pure functions, no SimPy: the caller computes everything for a batch of orders up front
and the simulation only looks the results up.

Conventions:

* Units as in :mod:`sim.scenario.packaging`: cm, cm3, kg, seconds; costs in currency units.
* A box index is a position in ``cfg.boxes`` (the catalogue order); ``NO_BOX`` (-1)
  means no box fits the order. Such an order is an exception: it is not packed, so its
  fill, packaging cost, billable weight and shipping cost are NaN, its dunnage time 0.
* NaN in a cost means "not packed / not shipped" (no box, or over the carrier's last
  weight break with ``over_max="reject"``): average with ``np.nanmean`` and count the
  NaNs as exceptions, never read them as free.
"""

from __future__ import annotations

import numpy as np

from sim.per_object import derived
from sim.scenario.packaging import DamageModel, PackagingConfig, RateTable

NO_BOX = -1
_REL_TOL = 1e-9  # relative slack on fit comparisons, so an exact fit survives rounding


# --- orders ------------------------------------------------------------------------


def order_totals(line_start: np.ndarray, line_sku: np.ndarray, line_units: np.ndarray,
                 sku_volume_cm3: np.ndarray, sku_weight_kg: np.ndarray,
                 sku_longest_cm: np.ndarray, sku_fragile: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-order totals from a CSR-like line table.

    Order ``i``'s lines are ``line_sku[line_start[i]:line_start[i + 1]]`` with
    ``line_units`` units each, so ``line_start`` has one entry per order plus one
    (``line_start[-1] == len(line_sku)``). SKU arrays are indexed by SKU number.

    Returns ``(volume_cm3, weight_kg, longest_cm, fragile_units)``: summed unit volume
    and weight, the longest side of any item in the order (0 for an empty order) and
    the number of fragile units (int).
    """
    line_start = np.asarray(line_start, dtype=np.int64)
    line_sku = np.asarray(line_sku, dtype=np.int64)
    units = np.asarray(line_units)
    if line_start.ndim != 1 or len(line_start) < 1 or line_start[0] != 0 \
            or line_start[-1] != len(line_sku) or np.any(np.diff(line_start) < 0):
        raise ValueError("line_start must start at 0, be non-decreasing and end at len(line_sku)")
    n = len(line_start) - 1
    order_of_line = np.repeat(np.arange(n), np.diff(line_start))
    volume = np.bincount(order_of_line, units * np.asarray(sku_volume_cm3)[line_sku], minlength=n)
    weight = np.bincount(order_of_line, units * np.asarray(sku_weight_kg)[line_sku], minlength=n)
    fragile = np.bincount(order_of_line, units * np.asarray(sku_fragile, dtype=bool)[line_sku],
                          minlength=n).round().astype(np.int64)
    longest = np.zeros(n)
    present = units > 0
    np.maximum.at(longest, order_of_line[present],
                  np.asarray(sku_longest_cm, dtype=float)[line_sku[present]])
    return volume.astype(float), weight.astype(float), longest, fragile


# --- boxes -------------------------------------------------------------------------


def box_arrays(cfg: PackagingConfig) -> dict[str, np.ndarray]:
    """The catalogue as arrays in catalogue order: ``dims_cm`` (boxes, 3),
    ``volume_cm3``, ``longest_cm``, ``max_weight_kg``, ``cost``. Built once per
    (immutable) catalogue: parts of orders are packed one at a time during the run."""
    return derived(cfg, "box arrays", lambda: _build_box_arrays(cfg))


def _build_box_arrays(cfg: PackagingConfig) -> dict[str, np.ndarray]:
    dims = np.array([b.dims_cm for b in cfg.boxes], dtype=float)
    arrays = {
        "dims_cm": dims,
        "volume_cm3": dims.prod(axis=1),
        "longest_cm": dims.max(axis=1),
        "max_weight_kg": np.array([b.max_weight_kg for b in cfg.boxes], dtype=float),
        "cost": np.array([b.cost for b in cfg.boxes], dtype=float),
    }
    for a in arrays.values():
        a.flags.writeable = False  # shared by every caller
    return arrays


def needed_volume_cm3(cfg: PackagingConfig, volume_cm3: np.ndarray,
                      fragile_units: np.ndarray) -> np.ndarray:
    """Room an order needs in a box: its items plus dunnage for each fragile unit."""
    per_unit = 0.0 if cfg.dunnage is None else cfg.dunnage.volume_per_fragile_unit_cm3
    return np.asarray(volume_cm3, dtype=float) + per_unit * np.asarray(fragile_units)


def fits_matrix(cfg: PackagingConfig, volume_cm3: np.ndarray, weight_kg: np.ndarray,
                longest_cm: np.ndarray, fragile_units: np.ndarray) -> np.ndarray:
    """Bool (orders, boxes) in catalogue order: does the order fit the box? (volume with
    dunnage within ``fill_factor`` of the box's, weight within its limit, longest item
    within its longest inner side). NaN inputs fit nothing."""
    b = box_arrays(cfg)
    slack = 1 + _REL_TOL
    need = needed_volume_cm3(cfg, volume_cm3, fragile_units)[:, None]
    weight = np.asarray(weight_kg, dtype=float)[:, None]
    longest = np.asarray(longest_cm, dtype=float)[:, None]
    return ((need <= cfg.fill_factor * b["volume_cm3"] * slack)
            & (weight <= b["max_weight_kg"] * slack)
            & (longest <= b["longest_cm"] * slack))


def choose_boxes(cfg: PackagingConfig, volume_cm3: np.ndarray, weight_kg: np.ndarray,
                 longest_cm: np.ndarray, fragile_units: np.ndarray) -> np.ndarray:
    """Box index (into ``cfg.boxes``) per order: the smallest box by inner volume that
    fits (see :func:`fits_matrix`; ties go to the earlier box in the catalogue), or
    ``NO_BOX`` (-1) where none does."""
    fits = fits_matrix(cfg, volume_cm3, weight_kg, longest_cm, fragile_units)
    by_size = np.argsort(box_arrays(cfg)["volume_cm3"], kind="stable")
    fits_sorted = fits[:, by_size]
    first = fits_sorted.argmax(axis=1)
    return np.where(fits_sorted.any(axis=1), by_size[first], NO_BOX).astype(np.int64)


def box_dims_cm(cfg: PackagingConfig, box: np.ndarray) -> np.ndarray:
    """Inner dimensions (orders, 3) of each order's box; NaN rows where ``box`` is -1."""
    return _per_box(box_arrays(cfg)["dims_cm"], box)


def fill_ratio(cfg: PackagingConfig, box: np.ndarray, volume_cm3: np.ndarray) -> np.ndarray:
    """Order (item) volume / inner box volume, dunnage not counted; NaN with no box."""
    return np.asarray(volume_cm3, dtype=float) / _per_box(box_arrays(cfg)["volume_cm3"], box)


def box_usage(cfg: PackagingConfig, box: np.ndarray) -> dict[str, int]:
    """Orders packed in each box, by box name (orders with no box not counted)."""
    box = np.asarray(box)
    counts = np.bincount(box[box >= 0], minlength=len(cfg.boxes))
    return {b.name: int(c) for b, c in zip(cfg.boxes, counts, strict=True)}


# --- dunnage and packaging cost ----------------------------------------------------


def dunnage_time_s(cfg: PackagingConfig, fragile_units: np.ndarray,
                   unit_uniforms: np.ndarray) -> np.ndarray:
    """Time to wrap each parcel's fragile units, seconds: one draw of
    ``time_per_fragile_unit_s`` per fragile unit, from ``unit_uniforms`` (one uniform
    per fragile unit, parcel after parcel), summed per parcel. Zero without dunnage."""
    fragile_units = np.asarray(fragile_units, dtype=np.int64)
    n = len(fragile_units)
    if cfg.dunnage is None:
        return np.zeros(n)
    draws = cfg.dunnage.time_per_fragile_unit_s.ppf(unit_uniforms)
    parcel_of_draw = np.repeat(np.arange(n), fragile_units)
    return np.bincount(parcel_of_draw, draws, minlength=n).astype(float)


def dunnage_cost(cfg: PackagingConfig, fragile_units: np.ndarray) -> np.ndarray:
    """Dunnage cost per order: cost per fragile unit x fragile units (0 without dunnage)."""
    per_unit = 0.0 if cfg.dunnage is None else cfg.dunnage.cost_per_fragile_unit
    return per_unit * np.asarray(fragile_units, dtype=float)


def packaging_cost(cfg: PackagingConfig, box: np.ndarray, fragile_units: np.ndarray) -> np.ndarray:
    """Box cost + dunnage cost per order; NaN where ``box`` is -1 (order not packed)."""
    return _per_box(box_arrays(cfg)["cost"], box) + dunnage_cost(cfg, fragile_units)


# --- shipping ----------------------------------------------------------------------


def billable_weight_kg(weight_kg: np.ndarray, box_dims_cm: np.ndarray,
                       divisor: float) -> np.ndarray:
    """max(actual weight, dimensional weight), kg; dimensional weight = box length x
    width x height (cm3, outer dims as the carrier measures them; here the inner ones
    from :func:`box_dims_cm`) / ``divisor`` (cm3 per kg). NaN dims give NaN."""
    dims = np.asarray(box_dims_cm, dtype=float)
    dim_weight = dims.prod(axis=-1) / divisor
    return np.maximum(np.asarray(weight_kg, dtype=float), dim_weight)


def shipping_cost(rate: RateTable, zone: np.ndarray | int, billable_kg: np.ndarray) -> np.ndarray:
    """Price per parcel from the rate table: the row for ``zone`` (0-based, scalar or
    one per order), the first weight break >= the billable weight. Above the last
    break: NaN with ``over_max="reject"``, the last price with ``"last_price"``. NaN
    weight gives NaN. Raises ValueError for a zone outside the table."""
    w = np.asarray(billable_kg, dtype=float)
    zone = np.broadcast_to(np.asarray(zone, dtype=np.int64), w.shape)
    if np.any((zone < 0) | (zone >= rate.zones)):
        bad = np.unique(zone[(zone < 0) | (zone >= rate.zones)])
        raise ValueError(f"zone must be in 0..{rate.zones - 1}, got {bad.tolist()}")
    breaks = np.asarray(rate.weight_breaks_kg, dtype=float)
    prices = np.asarray(rate.prices, dtype=float)
    j = np.searchsorted(breaks, w, side="left")
    over = j >= len(breaks)
    cost = prices[zone, np.minimum(j, len(breaks) - 1)]
    if rate.over_max == "reject":
        cost = np.where(over, np.nan, cost)
    return np.where(np.isnan(w), np.nan, cost)


# --- damage ------------------------------------------------------------------------


def damage_probability(model: DamageModel, fragile_units: np.ndarray,
                       protection: np.ndarray | float) -> np.ndarray:
    """P(parcel damaged in transit) = 1 - (1 - base) (1 - p_f (1 - protection))^fragile,
    with ``protection`` in [0, 1] (scalar or per order; see
    :attr:`PackagingConfig.protection`)."""
    per_unit = model.fragile_unit_prob * (1 - np.asarray(protection, dtype=float))
    survive = (1 - model.base_prob) * np.power(1 - per_unit, np.asarray(fragile_units, dtype=float))
    return 1 - survive


# --- load-time checks --------------------------------------------------------------


def unfit_skus(cfg: PackagingConfig, sku_volume_cm3: np.ndarray, sku_weight_kg: np.ndarray,
               sku_longest_cm: np.ndarray, sku_fragile: np.ndarray | None = None,
               ) -> list[tuple[int, str]]:
    """SKUs a single unit of which fits no box, as ``(sku index, reason)``: orders of
    them will be exceptions at run time. With ``sku_fragile``, a fragile unit also
    needs its dunnage volume."""
    vol = np.asarray(sku_volume_cm3, dtype=float)
    fragile = np.zeros(len(vol), dtype=np.int64) if sku_fragile is None \
        else np.asarray(sku_fragile, dtype=bool).astype(np.int64)
    weight = np.asarray(sku_weight_kg, dtype=float)
    longest = np.asarray(sku_longest_cm, dtype=float)
    fits = fits_matrix(cfg, vol, weight, longest, fragile)
    b = box_arrays(cfg)
    need = needed_volume_cm3(cfg, vol, fragile)
    out = []
    for s in np.flatnonzero(~fits.any(axis=1)):
        out.append((int(s), _unfit_reason(cfg, b, need[s], weight[s], longest[s],
                                          with_dunnage=bool(fragile[s]) and cfg.dunnage is not None)))
    return out


def largest_box(cfg: PackagingConfig) -> int:
    """Index of the box with the largest inner volume (first of equals)."""
    return int(np.argmax(box_arrays(cfg)["volume_cm3"]))


def format_unfit_warning(cfg: PackagingConfig, sku: str, reason: str, site: str | None = None) -> str:
    """One warning line naming the SKU, the site and the catalogue's largest box."""
    big = cfg.boxes[largest_box(cfg)]
    where = f" at site {site!r}" if site else ""
    dims = " x ".join(f"{d:g}" for d in big.dims_cm)
    return (f"SKU {sku!r}{where} fits no box (largest box {big.name!r}: {dims} cm inner, "
            f"max {big.max_weight_kg:g} kg): {reason}; its orders will be recorded as "
            f"packing exceptions")


# --- helpers -----------------------------------------------------------------------


def _per_box(values: np.ndarray, box: np.ndarray) -> np.ndarray:
    """``values[box]`` with NaN (rows) where ``box`` is -1."""
    box = np.asarray(box, dtype=np.int64)
    out = values[np.maximum(box, 0)].astype(float)
    out[box < 0] = np.nan
    return out


def _unfit_reason(cfg: PackagingConfig, b: dict[str, np.ndarray], need: float,
                  weight: float, longest: float, with_dunnage: bool) -> str:
    """Why one unit fits no box: the first criterion no box meets, else the mix."""
    names = [box.name for box in cfg.boxes]
    usable = cfg.fill_factor * b["volume_cm3"]
    if np.isnan([need, weight, longest]).any():
        return "volume, weight or size is missing (NaN)"
    if need > usable.max() * (1 + _REL_TOL):
        k = int(np.argmax(usable))
        dunnage = " with dunnage" if with_dunnage else ""
        return (f"needs {need:g} cm3{dunnage}, more than the usable "
                f"{usable[k]:g} cm3 ({cfg.fill_factor:g} x volume) of box {names[k]!r}")
    if weight > b["max_weight_kg"].max() * (1 + _REL_TOL):
        k = int(np.argmax(b["max_weight_kg"]))
        return f"weighs {weight:g} kg, more than box {names[k]!r} carries ({b['max_weight_kg'][k]:g} kg)"
    if longest > b["longest_cm"].max() * (1 + _REL_TOL):
        k = int(np.argmax(b["longest_cm"]))
        return f"longest side {longest:g} cm exceeds box {names[k]!r}'s longest inner side ({b['longest_cm'][k]:g} cm)"
    return ("no single box meets volume, weight and longest-side limits together "
            f"(needs {need:g} cm3, {weight:g} kg, {longest:g} cm)")
