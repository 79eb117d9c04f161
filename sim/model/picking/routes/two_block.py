"""Routing heuristics in a two-block warehouse (``layout.middle_cross_aisle``).

The *left pick aisle* is the leftmost aisle with a pick in either block. With picks in
the front block only, every policy reduces to its one-block version below the middle
cross aisle (the middle cross aisle acting as the back one); a tour whose picks are all
in one aisle is a return route under every heuristic (as for one block).

``"return"``
    The one-block return policy, unchanged: each aisle with picks is entered
    and left from the front cross aisle, walking (across the middle cross
    aisle if needed) to its farthest pick. Return is not among the
    multi-block heuristics of Roodbergen & de Koster (2001); this is the
    closest documented variant (the picker uses the front cross aisle only).
``"s_shape"``
    Multi-block S-shape after Roodbergen & de Koster (2001, IJPR 39(9)):
    from the depot to the left pick aisle, through it up to the front (the
    middle cross aisle) of the farthest block with picks; in the back block
    the aisles with back-block picks are traversed left to right alternately
    (middle->back, back->middle), and if their number is odd the last one is
    a return trip from the middle cross aisle. Then the front block, entered
    from its back: its aisles with picks (not counting the left pick aisle,
    already traversed) are visited starting from the end nearer to the
    picker, traversed alternately (middle->front, front->middle); if their
    number is even the last is a return trip from the front cross aisle. With
    no such aisle the picker walks down the aisle it stands in. Finally back
    to the depot along the front cross aisle.
``"largest_gap"``
    Multi-block largest gap after Roodbergen & de Koster (2001): from the
    depot to the left pick aisle and through it to the back of the farthest
    block; then block by block, farthest first, each block is routed like a
    one-block largest-gap route whose first aisle is the left pick aisle:
    along the block's back cross aisle to the right, entering each
    intermediate aisle up to its largest gap (in that block) and returning;
    through the block's rightmost aisle with picks in it to the block's front
    cross aisle (down the left pick aisle if there is none); back along that
    cross aisle to the left pick aisle, entering each intermediate aisle from
    the front up to its largest gap. In the front block the front parts left
    of the depot are picked on the way out (as for one block), and the route
    ends at the depot.
``"midpoint"``
    Not defined for several blocks in the literature; implemented as the
    multi-block largest-gap route above with Hall's midpoint split applied
    per block (each sub-aisle is split at the middle of its block, a pick
    exactly there picked from the block's front). Hence
    ``largest_gap <= midpoint`` on every tour, as for one block.
``"optimal"``
    The exact shortest tour: :mod:`~sim.model.picking.routes.optimal_two_block`.

The distances are the lengths of the waypoint lists.
"""

from __future__ import annotations

from sim.model.picking.layout import Layout
from sim.model.picking.routes.geometry import (
    block_parts,
    check_policy,
    levels,
    poly_len,
    s_shape_sweep,
    two_block_groups,
)
from sim.model.picking.routes.optimal_two_block import optimal_two_block


def _return_path2(w: float, xd: float, g: dict) -> list:
    """Every aisle entered and left from the front cross aisle (g: aisle -> farthest y')."""
    pts = [(xd, 0.0)]
    for i in sorted(g):
        x = i * w
        pts += [(x, 0.0), (x, g[i]), (x, 0.0)]
    pts.append((xd, 0.0))
    return pts


def _s_shape_path2(layout: Layout, g0: dict, g1: dict) -> list:
    w = layout.aisle_spacing_m
    xd = layout.depot_x
    m_y, b_y = levels(layout)
    far = {i: max(g0.get(i, []) + g1.get(i, [])) for i in set(g0) | set(g1)}
    aisles = sorted(far)
    if len(aisles) == 1:
        return _return_path2(w, xd, far)
    pts = [(xd, 0.0)]
    if not g1:  # only the front block: one-block S-shape below the middle cross aisle
        return pts + s_shape_sweep(aisles, w, far.__getitem__, 0.0, m_y, 0.0) + [(xd, 0.0)]
    xl = aisles[0]
    pts += [(xl * w, 0.0), (xl * w, m_y)]  # left pick aisle up to the farthest block
    back = sorted(g1)  # across the back block, ending on the middle cross aisle
    pts += s_shape_sweep(back, w, lambda i: max(g1[i]), m_y, b_y, m_y)
    xc = back[-1]
    front = sorted(i for i in g0 if i != xl)
    if not front:
        pts += [(xc * w, m_y), (xc * w, 0.0)]
    else:
        if abs(front[-1] - xc) < abs(front[0] - xc):
            front.reverse()  # start at the nearer end of the block
        pts += s_shape_sweep(front, w, lambda i: max(g0[i]), m_y, 0.0, 0.0)
    pts.append((xd, 0.0))
    return pts


def _split_path2(layout: Layout, g0: dict, g1: dict, policy: str) -> list:
    """Multi-block largest gap (Roodbergen & de Koster 2001) or its midpoint variant."""
    w = layout.aisle_spacing_m
    xd = layout.depot_x
    m_y, b_y = levels(layout)
    aisles = sorted(set(g0) | set(g1))
    if len(aisles) == 1:
        i = aisles[0]
        return _return_path2(w, xd, {i: max(g0.get(i, []) + g1.get(i, []))})
    xl = aisles[0]
    # blocks from the farthest one to the front one: (lo, hi, groups)
    blocks = [(m_y, b_y, g1), (0.0, m_y, g0)] if g1 else [(0.0, m_y, g0)]
    plans = []
    for lo, hi, g in blocks:
        xr = max([i for i in g if i != xl], default=xl)
        inner = [(i * w, block_parts(policy, lo, hi, g[i])) for i in sorted(g) if xl < i < xr]
        plans.append((lo, hi, xr * w, inner))
    pts = [(xd, 0.0)]
    inner0 = plans[-1][3]
    for x, (f, _) in reversed(inner0):  # front-block front parts left of the depot
        if x < xd and f > 0.0:
            pts += [(x, 0.0), (x, f), (x, 0.0)]
    x_l = xl * w
    pts += [(x_l, 0.0), (x_l, blocks[0][1])]  # left pick aisle up to the farthest block's back
    for n, (lo, hi, x_r, inner) in enumerate(plans):
        last = n == len(plans) - 1
        for x, (_, bk) in inner:  # along the block's back cross aisle, left to right
            if bk < hi:
                pts += [(x, hi), (x, bk), (x, hi)]
        pts += [(x_r, hi), (x_r, lo)]  # through the block's rightmost pick aisle
        for x, (f, _) in reversed(inner):  # along its front cross aisle, right to left
            if f > lo and not (last and x < xd):
                pts += [(x, lo), (x, f), (x, lo)]
        if not last:
            pts.append((x_l, lo))
    pts.append((xd, 0.0))
    return pts


def two_block_route(layout: Layout, aisle, y, policy: str, want_path: bool):
    """Distance (and waypoints in the y' frame) of a two-block tour."""
    check_policy(policy)
    g0, g1 = two_block_groups(layout, aisle, y)
    if not g0 and not g1:
        return 0.0, [(layout.depot_x, 0.0)]
    if policy == "optimal":
        if want_path:
            return optimal_two_block(layout, g0, g1, want_path=True)
        return optimal_two_block(layout, g0, g1), None
    if policy == "return":
        far = {i: max(g0.get(i, []) + g1.get(i, [])) for i in set(g0) | set(g1)}
        pts = _return_path2(layout.aisle_spacing_m, layout.depot_x, far)
    elif policy == "s_shape":
        pts = _s_shape_path2(layout, g0, g1)
    else:
        pts = _split_path2(layout, g0, g1, policy)
    return poly_len(pts), pts
