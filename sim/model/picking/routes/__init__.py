"""Picker routing in a rectangular one- or two-block warehouse (no SimPy).

:func:`route_distance` is the walking distance in metres of a tour from the depot
through every pick and back, under one of :data:`POLICIES`; :func:`route_path` its
waypoints, for plotting (their polyline length equals the distance by construction).

- :mod:`~sim.model.picking.routes.geometry`: the frame and the pieces every policy uses;
- :mod:`~sim.model.picking.routes.one_block`: return, S-shape, midpoint and largest gap
  (Hall 1993) in one block;
- :mod:`~sim.model.picking.routes.two_block`: their multi-block versions (Roodbergen &
  de Koster 2001) with a middle cross aisle;
- :mod:`~sim.model.picking.routes.optimal_one_block` and
  :mod:`~sim.model.picking.routes.optimal_two_block`: the exact shortest tour by
  dynamic programming (Ratliff & Rosenthal 1983; Roodbergen & de Koster 2001).

Optimal is never longer than any heuristic.
"""

from __future__ import annotations

import numpy as np

from sim.model.picking.layout import Layout
from sim.model.picking.routes.geometry import (
    POLICIES,
    aisles_visited,
    check_policy,
    one_block_groups,
    path_length,
)
from sim.model.picking.routes.one_block import HEURISTICS, heuristic_path
from sim.model.picking.routes.optimal_one_block import optimal_one_block
from sim.model.picking.routes.two_block import two_block_route

__all__ = ["POLICIES", "aisles_visited", "path_length", "route_distance", "route_path"]


def route_distance(layout: Layout, aisle, y, policy: str) -> float:
    """Walking distance, metres, of a tour depot -> all picks -> depot.

    Args:
        layout: the picking area.
        aisle: int array of the picks' aisle indices.
        y: float array of the picks' positions along their aisles, metres from
            the front of the pickable part (``0 <= y <= aisle_length_m``).
        policy: one of :data:`POLICIES`.

    Returns:
        Distance in metres; 0.0 for an empty tour.

    With ``layout.middle_cross_aisle`` the two-block policies described in
    the module docstring are used.
    """
    if layout.middle_cross_aisle:
        return float(two_block_route(layout, aisle, y, policy, want_path=False)[0])
    groups = one_block_groups(layout, aisle, y)  # (a bad pick is reported before a bad policy)
    check_policy(policy)
    if not groups:
        return 0.0
    f = HEURISTICS.get(policy)
    if f is not None:
        return float(f(layout, groups, sorted(groups)))
    return float(optimal_one_block(layout, groups))


def route_path(layout: Layout, aisle, y, policy: str) -> np.ndarray:
    """Waypoints ``(x, y)`` in metres of the tour, for plotting.

    Starts and ends at the depot ``(layout.depot_x, layout.depot_y)``;
    consecutive waypoints differ in one coordinate only, and the polyline
    length equals :func:`route_distance`. ``y`` uses the layout's frame (front
    cross-aisle centreline at ``-cross_aisle_width_m / 2``). Returns shape
    ``(n, 2)``; an empty tour gives the depot alone. With a middle cross
    aisle, back-block picks are drawn at ``layout.pick_y_m(y) = y + c``.
    """
    check_policy(policy)
    if layout.middle_cross_aisle:
        pts = two_block_route(layout, aisle, y, policy, want_path=True)[1]
        out = np.asarray(pts, dtype=float).reshape(-1, 2)
        out[:, 1] -= layout.cross_aisle_width_m / 2.0
        return out
    groups = one_block_groups(layout, aisle, y)
    if not groups:
        pts = [(layout.depot_x, 0.0)]
    elif policy == "optimal":
        _, pts = optimal_one_block(layout, groups, want_path=True)
    else:
        pts = heuristic_path(layout, groups, sorted(groups), policy)
    out = np.asarray(pts, dtype=float).reshape(-1, 2)
    out[:, 1] -= layout.cross_aisle_width_m / 2.0
    return out

