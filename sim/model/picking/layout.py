"""Rectangular one- or two-block picking area and storage assignment (numpy only).

Geometry (all lengths in metres)
--------------------------------
* ``n_aisles`` parallel picking aisles; aisle ``i`` has its centreline at
  ``x = i * aisle_spacing_m``.
* ``y`` is measured along an aisle from the *front* end of its pickable part:
  the pickable part spans ``0 <= y <= aisle_length_m``.
* A front cross aisle runs in front of all aisles and a back cross aisle
  behind them. Their centrelines are at ``y = -cross_aisle_width_m / 2`` and
  ``y = aisle_length_m + cross_aisle_width_m / 2``. So entering (or leaving)
  an aisle from a cross aisle costs ``cross_aisle_width_m / 2`` and a full
  traversal of one aisle from cross aisle to cross aisle costs
  ``aisle_length_m + cross_aisle_width_m``. With the default width 0 both
  cross aisles lie exactly at the aisle ends.
* The depot lies on the front cross-aisle centreline, at ``x = 0`` (in front
  of aisle 0) for ``"front_left"`` or at the x-middle of the cross aisle,
  ``x = (n_aisles - 1) * aisle_spacing_m / 2``, for ``"front_middle"`` (in
  front of the middle aisle when ``n_aisles`` is odd, between the two middle
  aisles when it is even).
* Each aisle has two pickable sides with ``locations_per_side`` slots each;
  slot ``k`` of a side sits at ``y = (k + 0.5) * aisle_length_m /
  locations_per_side``. Both sides of an aisle are picked from its centreline,
  so the side does not change walking distance.

Optional middle cross aisle (two blocks)
----------------------------------------
With ``middle_cross_aisle=True`` a third cross aisle, of the same width
``c = cross_aisle_width_m``, cuts every aisle in the middle of its pickable
length ``L = aisle_length_m``:

* ``y`` keeps its meaning (position along the *pickable* length,
  ``0 <= y <= L``), so slots and callers are unchanged. Picks with
  ``y <= L / 2`` are in the *front block* (block 0) and picks with
  ``y > L / 2`` in the *back block* (block 1); a slot exactly at ``L / 2``
  (the middle slot when ``locations_per_side`` is odd) belongs to the front
  block.
* On the floor, the back block is shifted back by ``c``: a pick's drawn
  position (:meth:`Layout.pick_y_m`) is ``y`` in the front block and
  ``y + c`` in the back block. Cross-aisle centrelines are at
  ``-c/2`` (front), ``L/2 + c/2`` (middle) and ``L + 3c/2`` (back)
  (:attr:`Layout.cross_aisle_y_m`).
* Walking an aisle end to end (front to back cross-aisle centreline) thus
  costs ``L + 2c`` (:attr:`Layout.traversal_length_m`); crossing the middle
  cross aisle costs ``c``; each block is ``L/2 + c`` long between its two
  cross-aisle centrelines (:attr:`Layout.block_length_m`).
* The depot stays on the front cross-aisle centreline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEPOTS = ("front_left", "front_middle")
STORAGE_POLICIES = ("random", "class_based")


@dataclass(frozen=True, kw_only=True)
class Layout:
    """A rectangular picking area, one block or two (keyword-only construction).

    Attributes:
        n_aisles: number of parallel picking aisles (>= 1).
        aisle_length_m: length of the pickable part of each aisle, metres.
        aisle_spacing_m: centre-to-centre distance of adjacent aisles, metres.
        locations_per_side: storage slots per aisle side; both sides are
            pickable, so ``capacity = n_aisles * 2 * locations_per_side``.
        walk_speed_m_s: picker walking speed, metres per second.
        cross_aisle_width_m: width of the front and back cross aisles, metres;
            entering or leaving an aisle from a cross aisle costs half of it.
        depot: ``"front_left"`` or ``"front_middle"``.
        middle_cross_aisle: add a middle cross aisle (two blocks, see the
            module docstring); default ``False`` (one block).
    """

    n_aisles: int
    aisle_length_m: float
    aisle_spacing_m: float
    locations_per_side: int
    walk_speed_m_s: float
    cross_aisle_width_m: float = 0.0
    depot: str = "front_left"
    middle_cross_aisle: bool = False

    def __post_init__(self) -> None:
        for name in ("n_aisles", "locations_per_side"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        for name in ("aisle_length_m", "aisle_spacing_m", "walk_speed_m_s"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")
        if not np.isfinite(self.cross_aisle_width_m) or self.cross_aisle_width_m < 0:
            raise ValueError(
                f"cross_aisle_width_m must be >= 0 and finite, got {self.cross_aisle_width_m!r}"
            )
        if self.depot not in DEPOTS:
            raise ValueError(f"depot must be one of {DEPOTS}, got {self.depot!r}")
        if not isinstance(self.middle_cross_aisle, bool | np.bool_):
            raise ValueError(f"middle_cross_aisle must be a bool, got {self.middle_cross_aisle!r}")
        object.__setattr__(self, "middle_cross_aisle", bool(self.middle_cross_aisle))

    # ------------------------------------------------------------------ sizes
    @property
    def capacity(self) -> int:
        """Number of storage slots: ``n_aisles * 2 * locations_per_side``."""
        return self.n_aisles * 2 * self.locations_per_side

    @property
    def depot_x(self) -> float:
        """x coordinate of the depot on the front cross aisle, metres."""
        if self.depot == "front_left":
            return 0.0
        return (self.n_aisles - 1) * self.aisle_spacing_m / 2.0

    @property
    def depot_y(self) -> float:
        """y coordinate of the depot (front cross-aisle centreline), metres."""
        return -self.cross_aisle_width_m / 2.0

    @property
    def n_blocks(self) -> int:
        """Number of blocks: 2 with a middle cross aisle, else 1."""
        return 2 if self.middle_cross_aisle else 1

    @property
    def traversal_length_m(self) -> float:
        """Walking distance of one whole aisle, front to back cross-aisle centreline, metres.

        ``aisle_length_m + cross_aisle_width_m`` for one block;
        ``aisle_length_m + 2 * cross_aisle_width_m`` with a middle cross aisle.
        """
        return self.aisle_length_m + self.n_blocks * self.cross_aisle_width_m

    @property
    def block_length_m(self) -> float:
        """Walking distance through one block, between adjacent cross-aisle centrelines."""
        return self.traversal_length_m / self.n_blocks

    @property
    def cross_aisle_y_m(self) -> tuple[float, ...]:
        """y of the cross-aisle centrelines (front first), in the drawing frame, metres."""
        half = self.cross_aisle_width_m / 2.0
        if self.middle_cross_aisle:
            return (-half, self.aisle_length_m / 2.0 + half, self.aisle_length_m + 3.0 * half)
        return (-half, self.aisle_length_m + half)

    # ----------------------------------------------------------- coordinates
    def aisle_x(self, aisle):
        """x coordinate(s) of aisle centreline(s), metres."""
        return np.asarray(aisle) * self.aisle_spacing_m

    def slot_y(self, k):
        """y position(s) of slot index ``k`` on an aisle side, metres."""
        return (np.asarray(k) + 0.5) * (self.aisle_length_m / self.locations_per_side)

    def block_of(self, y):
        """Block index (0 front, 1 back) of pick position(s) ``y``.

        Always 0 without a middle cross aisle; with one, ``y <= L/2`` is the
        front block (a slot exactly at ``L/2`` is in the front block).
        """
        y = np.asarray(y, dtype=float)
        if not self.middle_cross_aisle:
            return np.zeros(y.shape, dtype=np.int64)
        return (y > self.aisle_length_m / 2.0).astype(np.int64)

    def pick_y_m(self, y):
        """Drawing-frame y of pick position(s) ``y`` (the front cross-aisle centreline is at ``-c/2``).

        ``y`` itself for one block; with a middle cross aisle, back-block picks
        are shifted back by its width: ``y + c`` for ``y > L/2``.
        """
        y = np.asarray(y, dtype=float)
        if not self.middle_cross_aisle:
            return y
        return y + self.cross_aisle_width_m * self.block_of(y)

    def slot_coordinates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All slots as ``(aisle, side, y)`` arrays of length :attr:`capacity`.

        Slot id ``s`` maps to ``aisle = s // (2 * locations_per_side)``,
        ``side = (s // locations_per_side) % 2`` (0 = left, 1 = right) and
        ``k = s % locations_per_side``; ``y`` is in metres.
        """
        slot = np.arange(self.capacity)
        lps = self.locations_per_side
        aisle = slot // (2 * lps)
        side = (slot // lps) % 2
        y = self.slot_y(slot % lps)
        return aisle, side, y

    def depot_distance_m(self, aisle, y):
        """One-way walking distance from the depot to ``(aisle, y)``, metres.

        Along the front cross aisle to the aisle, then into it:
        ``|x_aisle - depot_x| + cross_aisle_width_m / 2 + y``. With a middle
        cross aisle a back-block pick also crosses it: ``+ cross_aisle_width_m``
        (no detour is shorter: every walk needs at least the horizontal and
        the vertical offset), i.e. ``|dx| + c/2 + pick_y_m(y)``.
        """
        return (
            np.abs(self.aisle_x(aisle) - self.depot_x)
            + self.cross_aisle_width_m / 2.0
            + self.pick_y_m(y)
        )

    def travel_time_s(self, distance_m):
        """Walking time, seconds, for a distance in metres."""
        return np.asarray(distance_m, dtype=float) / self.walk_speed_m_s


def _class_sizes(n_skus: int, class_shares) -> list[int]:
    shares = np.asarray(class_shares, dtype=float)
    if shares.ndim != 1 or shares.size == 0 or np.any(~np.isfinite(shares)) or np.any(shares < 0):
        raise ValueError(f"class_shares must be non-negative numbers, got {class_shares!r}")
    if abs(shares.sum() - 1.0) > 1e-9:
        raise ValueError(f"class_shares must sum to 1, got {class_shares!r} (sum {shares.sum()})")
    bounds = np.rint(np.cumsum(shares) * n_skus).astype(int)
    bounds[-1] = n_skus
    return list(np.diff(np.concatenate(([0], bounds))))


def assign_storage(
    layout: Layout,
    n_skus: int,
    popularity,
    policy: str,
    rng: np.random.Generator,
    class_shares=(0.2, 0.3, 0.5),
) -> tuple[np.ndarray, np.ndarray]:
    """Place each SKU on its own slot; return per-SKU ``(aisle, y)`` arrays.

    Args:
        layout: the picking area.
        n_skus: catalogue size; must not exceed ``layout.capacity``.
        popularity: per-SKU demand weights (length ``n_skus``); used by
            ``"class_based"`` only (may be ``None`` for ``"random"``).
        policy: ``"random"`` -- SKUs on distinct slots drawn uniformly at
            random; ``"class_based"`` -- ABC storage: SKUs ranked by
            popularity (descending, ties by SKU index), the first
            ``class_shares[0]`` of them (class A) take the ``|A|`` slots
            nearest the depot, class B the next nearest ``|B|`` slots, and so
            on; SKUs are placed at random within their class zone. Nearness is
            :meth:`Layout.depot_distance_m` (ties between equidistant slots are
            broken at random). With ``n_skus < capacity`` the farthest slots
            stay empty.
        rng: numpy random generator.
        class_shares: fractions of the catalogue in each class (sum to 1).

    Returns:
        ``(aisle, y)``: int array of aisle indices and float array of y
        positions in metres, both indexed by SKU id.

    Raises:
        ValueError: if the catalogue does not fit or an argument is invalid.
    """
    if int(n_skus) != n_skus or n_skus < 0:
        raise ValueError(f"n_skus must be a non-negative integer, got {n_skus!r}")
    n_skus = int(n_skus)
    if n_skus > layout.capacity:
        raise ValueError(
            f"catalogue of {n_skus} SKUs does not fit the layout: capacity is "
            f"{layout.capacity} slots ({layout.n_aisles} aisles x 2 sides x "
            f"{layout.locations_per_side} locations per side)"
        )
    slot_aisle, _side, slot_y = layout.slot_coordinates()
    if policy == "random":
        slots = rng.choice(layout.capacity, size=n_skus, replace=False)
    elif policy == "class_based":
        if popularity is None:
            raise ValueError("class_based storage needs a popularity array")
        pop = np.asarray(popularity, dtype=float)
        if pop.shape != (n_skus,):
            raise ValueError(
                f"popularity must have one entry per SKU ({n_skus}), got shape {pop.shape}"
            )
        if np.any(~np.isfinite(pop)) or np.any(pop < 0):
            raise ValueError("popularity must be non-negative and finite")
        sizes = _class_sizes(n_skus, class_shares)
        dist = layout.depot_distance_m(slot_aisle, slot_y)
        # nearest slots first; random tie-break between equidistant slots
        order = np.lexsort((rng.random(layout.capacity), dist))
        ranked = np.argsort(-pop, kind="stable")  # most popular first
        slots = np.empty(n_skus, dtype=np.int64)
        start = 0
        for size in sizes:
            zone = order[start : start + size]
            slots[ranked[start : start + size]] = rng.permutation(zone)
            start += size
    else:
        raise ValueError(f"unknown storage policy {policy!r}; expected one of {STORAGE_POLICIES}")
    return slot_aisle[slots].astype(np.int64), slot_y[slots].astype(float)
