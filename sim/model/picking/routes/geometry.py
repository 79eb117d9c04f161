"""Shared geometry of picker routing: the frame, pick lists, distances of waypoint
lists and the split of an aisle between its cross aisles.

All distances are in metres. See :mod:`sim.model.picking.layout` for the warehouse.
Conventions used by every routing module:

* Internally ``y' = y + cross_aisle_width_m / 2`` is measured from the front
  cross-aisle centreline; the back cross-aisle centreline is at
  ``y' = La = aisle_length_m + cross_aisle_width_m``. So reaching a pick at
  ``y`` from the front cross aisle costs ``y + c/2`` and a full traversal of an
  aisle costs ``La`` (entering/leaving an aisle costs ``c/2``, ``c`` being the
  cross-aisle width).
* Horizontal moves run along a cross-aisle centreline between aisle
  centrelines ``x = i * aisle_spacing_m``; the depot is on the front
  cross-aisle centreline at ``layout.depot_x``.
* With a middle cross aisle (two blocks) the cross-aisle centrelines ("nodes" of a
  column) are at y' = 0 (front), M = L/2 + c (middle) and B = L + 2c (back); a
  front-block pick (y <= L/2) is at y' = y + c/2, a back-block pick at y' = y + 3c/2.
"""

from __future__ import annotations

import math
import operator
from itertools import pairwise

import numpy as np

from sim.model.picking.layout import Layout

POLICIES = ("s_shape", "return", "midpoint", "largest_gap", "optimal")

INF = math.inf


def check_policy(policy: str) -> None:
    """Raise ValueError unless ``policy`` is one of :data:`POLICIES`."""
    if policy not in POLICIES:
        raise ValueError(f"unknown routing policy {policy!r}; expected one of {POLICIES}")


def pick_lists(layout: Layout, aisle, y) -> tuple[list, list]:
    """A tour's picks as plain lists (aisle indices, y in metres), checked against the
    layout: integer aisles in range, y within the pickable length."""
    if isinstance(aisle, np.ndarray):
        if aisle.dtype.kind not in "iu":
            as_int = aisle.astype(np.int64)
            if aisle.size and not np.array_equal(as_int, aisle):
                raise ValueError(f"aisle indices must be integers, got {aisle!r}")
            aisle = as_int
        a = aisle.tolist()
    else:
        a = [operator.index(v) for v in aisle]
    ys = y.tolist() if isinstance(y, np.ndarray) else [float(v) for v in y]
    if len(a) != len(ys):
        raise ValueError(f"aisle and y must have the same length ({len(a)} != {len(ys)})")
    if a:
        if min(a) < 0 or max(a) >= layout.n_aisles:
            raise ValueError(f"aisle index out of range [0, {layout.n_aisles}): {a}")
        tol = 1e-9 * layout.aisle_length_m
        total = sum(ys)
        if total != total or min(ys) < -tol or max(ys) > layout.aisle_length_m + tol:
            raise ValueError(f"pick y outside [0, {layout.aisle_length_m}] m: {ys}")
    return a, ys


def one_block_groups(layout: Layout, aisle, y) -> dict:
    """Map aisle index -> list of y' (metres from the front cross-aisle centreline)."""
    a, ys = pick_lists(layout, aisle, y)
    half = layout.cross_aisle_width_m / 2.0
    groups: dict = {}
    for ai, yi in zip(a, ys, strict=True):
        g = groups.get(ai)
        if g is None:
            groups[ai] = [yi + half]
        else:
            g.append(yi + half)
    return groups


def aisles_visited(aisle) -> int:
    """Number of distinct aisles among a tour's pick aisles."""
    if isinstance(aisle, np.ndarray):
        aisle = aisle.tolist()
    return len(set(aisle))


def horizontal_m(xd: float, xl: float, xr: float) -> float:
    """Cross-aisle walking from the depot at ``xd`` to the leftmost and rightmost visited
    aisles ``xl`` and ``xr`` and back: (xr - xl) + |xd - xl| + |xr - xd|."""
    return (xr - xl) + abs(xd - xl) + abs(xr - xd)


def two_block_groups(layout: Layout, aisle, y) -> tuple[dict, dict]:
    """(front-block, back-block) maps aisle index -> list of y'."""
    a, ys = pick_lists(layout, aisle, y)
    c = layout.cross_aisle_width_m
    half_l = layout.aisle_length_m / 2.0
    g0: dict = {}
    g1: dict = {}
    for ai, yi in zip(a, ys, strict=True):
        if yi <= half_l:
            g0.setdefault(ai, []).append(yi + c / 2.0)
        else:
            g1.setdefault(ai, []).append(yi + 1.5 * c)
    return g0, g1


def levels(layout: Layout) -> tuple[float, float]:
    """(M, B): y' of the middle and back cross-aisle centrelines."""
    b = layout.traversal_length_m
    return b / 2.0, b


def poly_len(pts) -> float:
    """Length of a rectilinear waypoint list."""
    total = 0.0
    for (x0, y0), (x1, y1) in pairwise(pts):
        total += abs(x1 - x0) + abs(y1 - y0)
    return total


def block_parts(policy: str, lo: float, hi: float, ys: list) -> tuple[float, float]:
    """(front turn, back turn) y' of an intermediate aisle in the block [lo, hi].

    The part of the aisle up to the front turn is picked from the block's
    front cross aisle (``lo``), the part from the back turn from its back
    cross aisle (``hi``); no pick lies strictly between. ``"midpoint"`` splits
    at the block's middle (a pick exactly there is picked from the front),
    ``"largest_gap"`` at the largest gap (ties: front gap, then the first
    interior gap, then the back gap -- as in the one-block code).
    """
    if policy == "midpoint":
        mid = (lo + hi) / 2.0
        front, back = lo, hi
        for v in ys:
            if v <= mid:
                if v > front:
                    front = v
            elif v < back:
                back = v
        return front, back
    s = sorted(ys)
    best = s[0] - lo
    front, back = lo, s[0]
    for a, b in pairwise(s):
        if b - a > best:
            best = b - a
            front, back = a, b
    if hi - s[-1] > best:
        front, back = s[-1], hi
    return front, back


def s_shape_sweep(aisles: list, w: float, far, start: float, other: float,
                  end: float) -> list:
    """Waypoints (x, y') of an S-shaped sweep through ``aisles`` (indices, in the order
    visited; ``w`` the aisle spacing): each aisle is traversed from the cross aisle at
    ``start`` to the one at ``other``, then the next one back, alternately, and the sweep
    finishes on the cross aisle at ``end``: where the count of aisles would leave the
    picker on the other one, the last aisle is instead a return trip from ``end`` to its
    farthest pick, ``far(aisle)``."""
    pts: list = []
    here, k = start, len(aisles)
    for n, i in enumerate(aisles):
        x = i * w
        if n == k - 1 and here == end:
            pts += [(x, here), (x, far(i)), (x, here)]
        else:
            there = other if here == start else start
            pts += [(x, here), (x, there)]
            here = there
    return pts


def path_length(path: np.ndarray) -> float:
    """Polyline length, metres, of a waypoint array of shape ``(n, 2)``."""
    path = np.asarray(path, dtype=float)
    if len(path) < 2:
        return 0.0
    return float(np.sum(np.hypot(*np.diff(path, axis=0).T)))


def euler_tour(edges: list, start) -> list:
    """Euler circuit (Hierholzer) of a connected even multigraph, from ``start``."""
    adj: dict = {}
    for idx, (u, v) in enumerate(edges):
        adj.setdefault(u, []).append((v, idx))
        adj.setdefault(v, []).append((u, idx))
    used = [False] * len(edges)
    stack, circuit = [start], []
    while stack:
        u = stack[-1]
        nbrs = adj.get(u, [])
        while nbrs and used[nbrs[-1][1]]:
            nbrs.pop()
        if nbrs:
            v, idx = nbrs.pop()
            used[idx] = True
            stack.append(v)
        else:
            circuit.append(stack.pop())
    circuit.reverse()
    return circuit

