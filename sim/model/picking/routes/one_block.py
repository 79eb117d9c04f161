"""Routing heuristics in a one-block warehouse: distances and waypoints.

Every heuristic visits the aisles containing picks in increasing ``x`` order between the
leftmost (``xl``) and rightmost (``xr``) visited aisle, so its horizontal distance is
``H = (xr - xl) + |xd - xl| + |xr - xd|`` (``= 2 * xr`` for the ``front_left`` depot).
Policies (``k`` = number of distinct aisles with picks):

``"return"``
    each visited aisle is entered and left from the front, walking to its
    farthest pick: ``H + sum_aisles 2 * max y'``.
``"s_shape"``
    every visited aisle is traversed completely, alternating front->back and
    back->front; if ``k`` is odd the *last* (rightmost) visited aisle is
    entered and left from the front, walking to its farthest pick (the usual
    convention of Hall 1993 and Roodbergen & Vis 2006). ``k == 1`` is thus a
    return route. With a ``front_middle`` depot the sweep still runs from the
    leftmost to the rightmost visited aisle.
``"midpoint"``
    Hall (1993): the first and last visited aisles are traversed; in every
    other visited aisle picks with ``y <= aisle_length_m / 2`` are picked from
    the front cross aisle and picks beyond the midpoint from the back cross
    aisle, each as a return trip. ``k == 1`` is a return route.
``"largest_gap"``
    Hall (1993): like midpoint, but each intermediate aisle is split at its
    largest gap (between adjacent picks, or between the front / back
    cross-aisle centreline and the nearest pick); the part in front of the gap
    is picked from the front, the part behind it from the back. ``k == 1`` is a
    return route. By construction ``largest_gap <= midpoint`` for every tour.
``"optimal"``
    the exact shortest tour: :mod:`~sim.model.picking.routes.optimal_one_block`.

Note: neither midpoint nor largest gap dominates return (both traverse the first and
last visited aisles even when their picks are near the front).

References: Hall, R.W. (1993), IIE Transactions 25(4) 76-87; Roodbergen, K.J. &
Vis, I.F.A. (2006), IIE Transactions 38(10) 799-811.
"""

from __future__ import annotations

from sim.model.picking.layout import Layout
from sim.model.picking.routes.geometry import block_parts, horizontal_m, s_shape_sweep


def _return(layout, groups, aisles):
    w = layout.aisle_spacing_m
    h = horizontal_m(layout.depot_x, aisles[0] * w, aisles[-1] * w)
    return h + 2.0 * sum(max(groups[i]) for i in aisles)


def _s_shape(layout, groups, aisles):
    w = layout.aisle_spacing_m
    la = layout.traversal_length_m
    k = len(aisles)
    h = horizontal_m(layout.depot_x, aisles[0] * w, aisles[-1] * w)
    if k % 2 == 0:
        return h + k * la
    return h + (k - 1) * la + 2.0 * max(groups[aisles[-1]])


def _midpoint_parts(layout, ys):
    """(front turn y', back turn y') of an intermediate aisle under midpoint."""
    return block_parts("midpoint", 0.0, layout.traversal_length_m, ys)


def _largest_gap_parts(layout, ys):
    """(front turn y', back turn y') of an intermediate aisle under largest gap."""
    return block_parts("largest_gap", 0.0, layout.traversal_length_m, ys)


def _split_policy(layout, groups, aisles, parts):
    if len(aisles) == 1:
        return _return(layout, groups, aisles)
    w = layout.aisle_spacing_m
    la = layout.traversal_length_m
    total = horizontal_m(layout.depot_x, aisles[0] * w, aisles[-1] * w) + 2.0 * la
    for i in aisles[1:-1]:
        front, back = parts(layout, groups[i])
        total += 2.0 * (front + la - back)
    return total


def heuristic_path(layout: Layout, groups: dict, aisles: list, policy: str) -> list:
    w = layout.aisle_spacing_m
    la = layout.traversal_length_m
    xd = layout.depot_x
    pts = [(xd, 0.0)]
    k = len(aisles)
    if policy == "return" or k == 1:
        for i in aisles:
            x = i * w
            pts += [(x, 0.0), (x, max(groups[i])), (x, 0.0)]
    elif policy == "s_shape":
        pts += s_shape_sweep(aisles, w, lambda i: max(groups[i]), 0.0, la, 0.0)
    else:
        parts = _midpoint_parts if policy == "midpoint" else _largest_gap_parts
        inner = [(i * w, parts(layout, groups[i])) for i in aisles[1:-1]]
        # front parts left of the depot on the way out ...
        for x, (front, _) in reversed(inner):
            if x < xd and front > 0.0:
                pts += [(x, 0.0), (x, front), (x, 0.0)]
        xl, xr = aisles[0] * w, aisles[-1] * w
        pts += [(xl, 0.0), (xl, la)]
        for x, (_, bk) in inner:
            if bk < la:
                pts += [(x, la), (x, bk), (x, la)]
        pts += [(xr, la), (xr, 0.0)]
        # ... and the others on the way back
        for x, (front, _) in reversed(inner):
            if x >= xd and front > 0.0:
                pts += [(x, 0.0), (x, front), (x, 0.0)]
    pts.append((xd, 0.0))
    return pts


HEURISTICS = {
    "return": _return,
    "s_shape": _s_shape,
    "midpoint": lambda lay, g, a: _split_policy(lay, g, a, _midpoint_parts),
    "largest_gap": lambda lay, g, a: _split_policy(lay, g, a, _largest_gap_parts),
}

