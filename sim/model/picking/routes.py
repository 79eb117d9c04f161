"""Picker routing in a rectangular one- or two-block warehouse (no SimPy).

All distances are in metres. See :mod:`sim.model.picking.layout` for the
geometry. Conventions used here:

* Internally ``y' = y + cross_aisle_width_m / 2`` is measured from the front
  cross-aisle centreline; the back cross-aisle centreline is at
  ``y' = La = aisle_length_m + cross_aisle_width_m``. So reaching a pick at
  ``y`` from the front cross aisle costs ``y + c/2`` and a full traversal of an
  aisle costs ``La`` (entering/leaving an aisle costs ``c/2``, ``c`` being the
  cross-aisle width).
* Horizontal moves run along a cross-aisle centreline between aisle
  centrelines ``x = i * aisle_spacing_m``; the depot is on the front
  cross-aisle centreline at ``layout.depot_x``.
* Every heuristic visits the aisles containing picks in increasing ``x`` order
  between the leftmost (``xl``) and rightmost (``xr``) visited aisle, so its
  horizontal distance is ``H = (xr - xl) + |xd - xl| + |xr - xd|``
  (``= 2 * xr`` for the ``front_left`` depot).

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
    exact shortest tour: Ratliff & Rosenthal (1983) dynamic programme over
    the aisles (degree-parity / connectivity states of the partial tour
    subgraph, horizontal edge multiplicity 0/1/2 on each cross aisle, and the
    six in-aisle configurations: none, traverse once, traverse twice, split
    at the largest interior gap, from the front only, from the back only).
    A ``front_middle`` depot that lies between two aisles is a node on the
    front cross aisle without an aisle of its own.

References: Hall, R.W. (1993), IIE Transactions 25(4) 76-87; Ratliff, H.D. &
Rosenthal, A.S. (1983), Operations Research 31(3) 507-521; Roodbergen, K.J. &
Vis, I.F.A. (2006), IIE Transactions 38(10) 799-811.

Note: neither midpoint nor largest gap dominates return (both traverse the
first and last visited aisles even when their picks are near the front);
optimal is never longer than any heuristic.

Two blocks (``layout.middle_cross_aisle``)
------------------------------------------
Frame: ``y'`` from the front cross-aisle centreline; the middle and back
cross-aisle centrelines are at ``M = L/2 + c`` and ``B = L + 2c``; a pick at
``y`` is at ``y' = y + c/2`` in the front block (``y <= L/2``) and
``y' = y + 3c/2`` in the back block. The *left pick aisle* is the leftmost
aisle with a pick in either block. With picks in the front block only, every
policy reduces to its one-block version below the middle cross aisle (the
middle cross aisle acting as the back one); a tour whose picks are all in
one aisle is a return route under every heuristic (as for one block).

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
    Exact shortest tour: the dynamic programme of Ratliff & Rosenthal (1983)
    generalised to three nodes per column (front, middle, back cross aisle),
    as in Roodbergen & de Koster (2001), "Routing order pickers in a
    warehouse with a middle aisle", EJOR 133(1) 32-43: states are degree
    parities plus the component partition of the three frontier nodes (24
    reachable states), horizontal edges 0/1/2 per cross aisle, and the six
    Ratliff-Rosenthal configurations per sub-aisle. Time O(n_aisles + picks)
    with a constant of a few hundred dictionary updates per aisle.

The heuristic distances are the lengths of their waypoint lists, so
:func:`route_path` and :func:`route_distance` agree by construction.
"""

from __future__ import annotations

import math
import operator
from itertools import pairwise

import numpy as np

from sim.model.picking.layout import Layout

POLICIES = ("s_shape", "return", "midpoint", "largest_gap", "optimal")

_INF = math.inf


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------
def _as_lists(layout: Layout, aisle, y) -> tuple[list, list]:
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


def _groups(layout: Layout, aisle, y) -> dict:
    """Map aisle index -> list of y' (metres from the front cross-aisle centreline)."""
    a, ys = _as_lists(layout, aisle, y)
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


def _horizontal(xd: float, xl: float, xr: float) -> float:
    return (xr - xl) + abs(xd - xl) + abs(xr - xd)


# --------------------------------------------------------------------------
# heuristics: distances
# --------------------------------------------------------------------------
def _return(layout, groups, aisles):
    w = layout.aisle_spacing_m
    h = _horizontal(layout.depot_x, aisles[0] * w, aisles[-1] * w)
    return h + 2.0 * sum(max(groups[i]) for i in aisles)


def _s_shape(layout, groups, aisles):
    w = layout.aisle_spacing_m
    la = layout.traversal_length_m
    k = len(aisles)
    h = _horizontal(layout.depot_x, aisles[0] * w, aisles[-1] * w)
    if k % 2 == 0:
        return h + k * la
    return h + (k - 1) * la + 2.0 * max(groups[aisles[-1]])


def _midpoint_parts(layout, ys):
    """(front turn y', back turn y') of an intermediate aisle under midpoint."""
    return _block_parts("midpoint", 0.0, layout.traversal_length_m, ys)


def _largest_gap_parts(layout, ys):
    """(front turn y', back turn y') of an intermediate aisle under largest gap."""
    return _block_parts("largest_gap", 0.0, layout.traversal_length_m, ys)


def _split_policy(layout, groups, aisles, parts):
    if len(aisles) == 1:
        return _return(layout, groups, aisles)
    w = layout.aisle_spacing_m
    la = layout.traversal_length_m
    total = _horizontal(layout.depot_x, aisles[0] * w, aisles[-1] * w) + 2.0 * la
    for i in aisles[1:-1]:
        front, back = parts(layout, groups[i])
        total += 2.0 * (front + la - back)
    return total


# --------------------------------------------------------------------------
# optimal: Ratliff & Rosenthal (1983) dynamic programme
# --------------------------------------------------------------------------
# In-aisle configurations: (degree added to front node a, to back node b,
# whether they connect a and b).
_NONE, _T1, _T2, _SPLIT, _FRONT, _BACK = range(6)
_VDEG = ((0, 0, False), (1, 1, True), (2, 2, True), (2, 2, False), (2, 0, False), (0, 2, False))


def _cls_add(c: int, k: int) -> int:
    """Degree class (0 none, 1 odd, 2 even > 0) after adding k to class c."""
    if c == 0 and k == 0:
        return 0
    return 1 if ((1 if c == 1 else 0) + k) % 2 else 2


def _build_transitions():
    """For each state, the valid (n_horizontal, v, new_state, left_a_used, hb, ht).

    State = ca * 6 + cb * 2 + conn: degree classes of the frontier nodes
    (front node a, back node b of the current column) and whether they are in
    the same component of the partial tour subgraph.
    """
    table: list[list[tuple]] = [[] for _ in range(18)]
    for ca in range(3):
        for cb in range(3):
            for conn in (0, 1):
                if conn and not (ca and cb):
                    continue
                s = ca * 6 + cb * 2 + conn
                for hb in range(3):
                    fa = _cls_add(ca, hb)
                    if fa == 1:
                        continue
                    for ht in range(3):
                        fb = _cls_add(cb, ht)
                        if fb == 1:
                            continue
                        for v, (va, vb, vc) in enumerate(_VDEG):
                            parent = [0, 1, 2, 3]

                            def find(i, parent=parent):
                                while parent[i] != i:
                                    i = parent[i]
                                return i

                            def union(i, j, parent=parent, find=find):
                                parent[find(i)] = find(j)

                            if conn:
                                union(0, 1)
                            if hb:
                                union(0, 2)
                            if ht:
                                union(1, 3)
                            if vc:
                                union(2, 3)
                            na = _cls_add(va, hb)
                            nb = _cls_add(vb, ht)
                            # a component left behind would be closed off: invalid
                            if fa and find(0) not in (find(2), find(3)):
                                continue
                            if fb and find(1) not in (find(2), find(3)):
                                continue
                            nconn = 1 if (na and nb and find(2) == find(3)) else 0
                            ns = na * 6 + nb * 2 + nconn
                            table[s].append((hb + ht, v, ns, fa > 0, hb, ht))
    return tuple(tuple(t) for t in table)


_TRANS = _build_transitions()
# valid final states: both frontier nodes even, a single component
_FINAL = {
    ca * 6 + cb * 2 + conn
    for ca in (0, 2)
    for cb in (0, 2)
    for conn in (0, 1)
    if (ca or cb) and (conn == (1 if (ca and cb) else 0))
}


def _columns(layout: Layout, groups: dict):
    """Columns (x, sorted y' list or None for the virtual depot column, is_depot)."""
    w = layout.aisle_spacing_m
    xd = layout.depot_x
    lo = min(groups)
    hi = max(groups)
    d_aisle = xd / w
    d_idx = round(d_aisle)
    on_aisle = abs(d_aisle - d_idx) < 1e-9
    if on_aisle:
        lo = min(lo, d_idx)
        hi = max(hi, d_idx)
    else:
        lo = min(lo, math.ceil(d_aisle))
        hi = max(hi, math.floor(d_aisle))
    cols = []
    for i in range(lo, hi + 1):
        if not on_aisle and i - 1 < d_aisle < i:
            cols.append((xd, None, True))
        g = groups.get(i)
        cols.append((i * w, sorted(g) if g else [], on_aisle and i == d_idx))
    if not on_aisle and d_aisle > hi:
        cols.append((xd, None, True))
    return cols


def _vcosts(ys, la):
    """Cost of each in-aisle configuration (inf where not applicable), plus split point:
    the one-block aisle is the sub-aisle from the front (0) to the back (``la``)."""
    return _sub_vcosts(ys, 0.0, la)


def _optimal(layout: Layout, groups: dict, want_path: bool = False):
    la = layout.traversal_length_m
    cols = _columns(layout, groups)
    vc0, _ = _vcosts(cols[0][1], la)
    dp: dict = {}
    back: list = [None]
    for v, (va, vb, vconn) in enumerate(_VDEG):
        c = vc0[v]
        if c < _INF:
            s = va * 6 + vb * 2 + (1 if (vconn and va and vb) else 0)
            if c < dp.get(s, _INF):
                dp[s] = c
                if want_path:
                    back[0] = back[0] or {}
                    back[0][s] = (None, 0, 0, v)
    for j in range(1, len(cols)):
        x_prev, _, depot_prev = cols[j - 1]
        x, ys, _ = cols[j]
        dx = x - x_prev
        vcost, _ = _vcosts(ys, la)
        new: dict = {}
        choice: dict = {}
        for s, c0 in dp.items():
            for nh, v, ns, left_a_used, hb, ht in _TRANS[s]:
                vc = vcost[v]
                if vc == _INF or (depot_prev and not left_a_used):
                    continue
                c = c0 + nh * dx + vc
                if c < new.get(ns, _INF):
                    new[ns] = c
                    if want_path:
                        choice[ns] = (s, hb, ht, v)
        dp = new
        back.append(choice)
    depot_last = cols[-1][2]
    best, best_s = _INF, None
    for s, c in dp.items():
        if s in _FINAL and c < best and not (depot_last and s // 6 == 0):
            best, best_s = c, s
    if not want_path:
        return best
    return best, _optimal_path(layout, cols, back, best_s)


def _optimal_path(layout: Layout, cols, back, s_final) -> list:
    """Reconstruct the optimal tour's edges and walk an Euler circuit from the depot."""
    la = layout.traversal_length_m
    edges: list[tuple] = []  # (node_u, node_v); nodes are (x, y') tuples
    s = s_final
    for j in range(len(cols) - 1, -1, -1):
        s_prev, hb, ht, v = back[j][s]
        x, ys, _ = cols[j]
        fa, ba = (x, 0.0), (x, la)
        if v in (_T1, _T2):
            for _ in range(v):  # _T1 == 1, _T2 == 2 copies
                edges.append((fa, ba))
        elif v == _FRONT:
            edges += [(fa, (x, ys[-1]))] * 2
        elif v == _BACK:
            edges += [(ba, (x, ys[0]))] * 2
        elif v == _SPLIT:
            _, k = _vcosts(ys, la)
            edges += [(fa, (x, ys[k]))] * 2 + [(ba, (x, ys[k + 1]))] * 2
        if j > 0:
            xp = cols[j - 1][0]
            edges += [((xp, 0.0), fa)] * hb + [((xp, la), ba)] * ht
        s = s_prev
    return _euler(edges, (layout.depot_x, 0.0))


# --------------------------------------------------------------------------
# heuristics: paths (waypoints in (x, y') coordinates)
# --------------------------------------------------------------------------
def _heuristic_path(layout: Layout, groups: dict, aisles: list, policy: str) -> list:
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
        at_front = True
        for n, i in enumerate(aisles):
            x = i * w
            if n == k - 1 and k % 2 == 1:
                pts += [(x, 0.0), (x, max(groups[i])), (x, 0.0)]
            elif at_front:
                pts += [(x, 0.0), (x, la)]
                at_front = False
            else:
                pts += [(x, la), (x, 0.0)]
                at_front = True
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


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------
_HEURISTICS = {
    "return": _return,
    "s_shape": _s_shape,
    "midpoint": lambda lay, g, a: _split_policy(lay, g, a, _midpoint_parts),
    "largest_gap": lambda lay, g, a: _split_policy(lay, g, a, _largest_gap_parts),
}


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
        return float(_two_block(layout, aisle, y, policy, want_path=False)[0])
    groups = _groups(layout, aisle, y)
    if not groups:
        if policy not in POLICIES:
            raise ValueError(f"unknown routing policy {policy!r}; expected one of {POLICIES}")
        return 0.0
    f = _HEURISTICS.get(policy)
    if f is not None:
        return float(f(layout, groups, sorted(groups)))
    if policy == "optimal":
        return float(_optimal(layout, groups))
    raise ValueError(f"unknown routing policy {policy!r}; expected one of {POLICIES}")


def route_path(layout: Layout, aisle, y, policy: str) -> np.ndarray:
    """Waypoints ``(x, y)`` in metres of the tour, for plotting.

    Starts and ends at the depot ``(layout.depot_x, layout.depot_y)``;
    consecutive waypoints differ in one coordinate only, and the polyline
    length equals :func:`route_distance`. ``y`` uses the layout's frame (front
    cross-aisle centreline at ``-cross_aisle_width_m / 2``). Returns shape
    ``(n, 2)``; an empty tour gives the depot alone. With a middle cross
    aisle, back-block picks are drawn at ``layout.pick_y_m(y) = y + c``.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown routing policy {policy!r}; expected one of {POLICIES}")
    if layout.middle_cross_aisle:
        pts = _two_block(layout, aisle, y, policy, want_path=True)[1]
        out = np.asarray(pts, dtype=float).reshape(-1, 2)
        out[:, 1] -= layout.cross_aisle_width_m / 2.0
        return out
    groups = _groups(layout, aisle, y)
    if not groups:
        pts = [(layout.depot_x, 0.0)]
    elif policy == "optimal":
        _, pts = _optimal(layout, groups, want_path=True)
    else:
        pts = _heuristic_path(layout, groups, sorted(groups), policy)
    out = np.asarray(pts, dtype=float).reshape(-1, 2)
    out[:, 1] -= layout.cross_aisle_width_m / 2.0
    return out


def path_length(path: np.ndarray) -> float:
    """Polyline length, metres, of a waypoint array of shape ``(n, 2)``."""
    path = np.asarray(path, dtype=float)
    if len(path) < 2:
        return 0.0
    return float(np.sum(np.hypot(*np.diff(path, axis=0).T)))


# ==========================================================================
# two blocks: a middle cross aisle (Layout.middle_cross_aisle)
# ==========================================================================
# Internal frame as above: y' from the front cross-aisle centreline. The
# cross-aisle centrelines ("nodes" of a column) are at y' = 0 (front),
# M = L/2 + c (middle) and B = L + 2c (back); a front-block pick (y <= L/2)
# is at y' = y + c/2, a back-block pick at y' = y + 3c/2.


def _groups2(layout: Layout, aisle, y) -> tuple[dict, dict]:
    """(front-block, back-block) maps aisle index -> list of y'."""
    a, ys = _as_lists(layout, aisle, y)
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


def _levels(layout: Layout) -> tuple[float, float]:
    """(M, B): y' of the middle and back cross-aisle centrelines."""
    b = layout.traversal_length_m
    return b / 2.0, b


def _poly_len(pts) -> float:
    """Length of a rectilinear waypoint list."""
    total = 0.0
    for (x0, y0), (x1, y1) in pairwise(pts):
        total += abs(x1 - x0) + abs(y1 - y0)
    return total


def _block_parts(policy: str, lo: float, hi: float, ys: list) -> tuple[float, float]:
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
    m_y, b_y = _levels(layout)
    far = {i: max(g0.get(i, []) + g1.get(i, [])) for i in set(g0) | set(g1)}
    aisles = sorted(far)
    if len(aisles) == 1:
        return _return_path2(w, xd, far)
    pts = [(xd, 0.0)]
    if not g1:  # only the front block: one-block S-shape below the middle cross aisle
        at_front = True
        for n, i in enumerate(aisles):
            x = i * w
            if n == len(aisles) - 1 and len(aisles) % 2 == 1:
                pts += [(x, 0.0), (x, far[i]), (x, 0.0)]
            elif at_front:
                pts += [(x, 0.0), (x, m_y)]
                at_front = False
            else:
                pts += [(x, m_y), (x, 0.0)]
                at_front = True
        pts.append((xd, 0.0))
        return pts
    xl = aisles[0]
    pts += [(xl * w, 0.0), (xl * w, m_y)]  # left pick aisle up to the farthest block
    back = sorted(g1)
    at_mid = True
    for n, i in enumerate(back):
        x = i * w
        if n == len(back) - 1 and len(back) % 2 == 1:
            pts += [(x, m_y), (x, max(g1[i])), (x, m_y)]
        elif at_mid:
            pts += [(x, m_y), (x, b_y)]
            at_mid = False
        else:
            pts += [(x, b_y), (x, m_y)]
            at_mid = True
    xc = back[-1]
    front = sorted(i for i in g0 if i != xl)
    if not front:
        pts += [(xc * w, m_y), (xc * w, 0.0)]
    else:
        if abs(front[-1] - xc) < abs(front[0] - xc):
            front.reverse()  # start at the nearer end of the block
        at_mid = True
        for n, i in enumerate(front):
            x = i * w
            if n == len(front) - 1 and len(front) % 2 == 0:
                pts += [(x, 0.0), (x, max(g0[i])), (x, 0.0)]
            elif at_mid:
                pts += [(x, m_y), (x, 0.0)]
                at_mid = False
            else:
                pts += [(x, 0.0), (x, m_y)]
                at_mid = True
    pts.append((xd, 0.0))
    return pts


def _split_path2(layout: Layout, g0: dict, g1: dict, policy: str) -> list:
    """Multi-block largest gap (Roodbergen & de Koster 2001) or its midpoint variant."""
    w = layout.aisle_spacing_m
    xd = layout.depot_x
    m_y, b_y = _levels(layout)
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
        inner = [(i * w, _block_parts(policy, lo, hi, g[i])) for i in sorted(g) if xl < i < xr]
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


# ------------------------------------------------------------ optimal (exact)
# Exact shortest tour by dynamic programming over the columns (aisles), the
# two-block generalisation of Ratliff & Rosenthal (1983) by Roodbergen & de
# Koster (2001, EJOR 133): a column has three nodes (front, middle, back
# cross aisle); a state records the degree class (0 none, 1 odd, 2 even > 0)
# of each node of the current column and which of them lie in the same
# component of the partial tour subgraph. Between columns each cross aisle
# gets 0, 1 or 2 copies of its horizontal edge; within a column each of the
# two sub-aisles takes one of the six Ratliff-Rosenthal configurations
# (_VDEG). A node left behind must have even degree and its component must
# continue to the right. Transition tables are generated once from these
# rules (union-find), not written by hand.
_K = 3  # nodes per column


def _canon(classes, labels) -> tuple:
    """Canonical state: classes + component labels numbered by first appearance."""
    remap: dict = {}
    out = []
    for c, lab in zip(classes, labels, strict=True):
        if c == 0:
            out.append(0)
        else:
            out.append(remap.setdefault(lab, len(remap) + 1))
    return tuple(classes) + tuple(out)


def _find(parent, i):
    while parent[i] != i:
        i = parent[i]
    return i


def _h_step(state, h):
    """Horizontal edges h (per cross aisle) from the column of ``state`` to the next.

    Returns ``(new_state, old_front_used)`` or ``None`` if invalid.
    """
    cls, lab = state[:_K], state[_K:]
    fin = [_cls_add(cls[i], h[i]) for i in range(_K)]
    if 1 in fin:
        return None
    parent = list(range(2 * _K))
    for i in range(_K):
        for j in range(i):
            if cls[i] and cls[j] and lab[i] == lab[j]:
                parent[_find(parent, i)] = _find(parent, j)
    for i in range(_K):
        if h[i]:
            parent[_find(parent, i)] = _find(parent, _K + i)
    new_roots = {_find(parent, _K + j) for j in range(_K) if h[j]}
    for i in range(_K):
        if fin[i] and _find(parent, i) not in new_roots:
            return None  # a component would be closed off
    labels = [_find(parent, _K + i) for i in range(_K)]
    return _canon(list(h), labels), fin[0] > 0


def _v_step(state, b, v):
    """Sub-aisle configuration v between nodes b and b + 1 of the current column."""
    cls, lab = list(state[:_K]), list(state[_K:])
    da, db, conn = _VDEG[v]
    fresh = 100
    for node, d in ((b, da), (b + 1, db)):
        if d and cls[node] == 0:
            lab[node] = fresh + node  # a new component
        cls[node] = _cls_add(cls[node], d)
    if conn:
        old, new = lab[b + 1], lab[b]
        lab = [new if (cls[i] and lab[i] == old) else lab[i] for i in range(_K)]
    return _canon(cls, lab)


def _build_tables2():
    zero = (0,) * (2 * _K)
    hs = [(a, b, c) for a in range(3) for b in range(3) for c in range(3)]
    seen = {zero}
    todo = [zero]
    vt: dict = {}
    ht: dict = {}
    while todo:
        s = todo.pop()
        for b in range(_K - 1):
            row = []
            for v in range(6):
                ns = _v_step(s, b, v)
                row.append(ns)
                if ns not in seen:
                    seen.add(ns)
                    todo.append(ns)
            vt[(s, b)] = tuple(row)
        row = []
        for h in hs:
            r = _h_step(s, h)
            if r is None:
                continue
            ns, used = r
            row.append((ns, sum(h), h, used))
            if ns not in seen:
                seen.add(ns)
                todo.append(ns)
        ht[s] = tuple(row)
    final = {s for s in seen if any(s[:_K]) and all(c != 1 for c in s[:_K]) and max(s[_K:]) == 1}
    return vt, ht, final, zero


_VT2, _HT2, _FINAL2, _ZERO2 = _build_tables2()


def _columns2(layout: Layout, g0: dict, g1: dict):
    """Columns (x, [front ys or None, back ys or None], is_depot), left to right."""
    w = layout.aisle_spacing_m
    xd = layout.depot_x
    occupied = set(g0) | set(g1)
    lo, hi = min(occupied), max(occupied)
    d_aisle = xd / w
    d_idx = round(d_aisle)
    on_aisle = abs(d_aisle - d_idx) < 1e-9
    if on_aisle:
        lo, hi = min(lo, d_idx), max(hi, d_idx)
    else:
        lo, hi = min(lo, math.ceil(d_aisle)), max(hi, math.floor(d_aisle))
    cols = []
    virtual = (xd, (None, None), True)
    for i in range(lo, hi + 1):
        if not on_aisle and i - 1 < d_aisle < i:
            cols.append(virtual)
        is_depot = on_aisle and i == d_idx
        ys = (sorted(g0.get(i, [])), sorted(g1.get(i, [])))
        cols.append((xd if is_depot else i * w, ys, is_depot))
    if not on_aisle and d_aisle > hi:
        cols.append(virtual)
    return cols


def _sub_vcosts(ys, lo: float, hi: float):
    """Costs of the six sub-aisle configurations, plus the interior split index."""
    if ys is None:
        return (0.0, _INF, _INF, _INF, _INF, _INF), None
    ln = hi - lo
    if not ys:
        return (0.0, ln, 2.0 * ln, _INF, _INF, _INF), None
    split, split_at = _INF, None
    if len(ys) > 1:
        gap = -1.0
        for j in range(len(ys) - 1):
            g = ys[j + 1] - ys[j]
            if g > gap:
                gap, split_at = g, j
        split = 2.0 * (ln - gap)
    return (_INF, ln, 2.0 * ln, split, 2.0 * (ys[-1] - lo), 2.0 * (hi - ys[0])), split_at


def _optimal2(layout: Layout, g0: dict, g1: dict, want_path: bool = False):
    m_y, b_y = _levels(layout)
    levels = (0.0, m_y, b_y)
    cols = _columns2(layout, g0, g1)
    dp = {_ZERO2: 0.0}
    stages: list = []  # (kind, column index, extra, choice dict)
    for j, (x, ys, _) in enumerate(cols):
        if j:
            dx = x - cols[j - 1][0]
            depot_prev = cols[j - 1][2]
            new: dict = {}
            choice: dict = {}
            for s, c0 in dp.items():
                for ns, nh, h, used in _HT2[s]:
                    if depot_prev and not used:
                        continue
                    c = c0 + nh * dx
                    if c < new.get(ns, _INF):
                        new[ns] = c
                        if want_path:
                            choice[ns] = (s, h)
            dp = new
            stages.append(("h", j, None, choice))
        for b in range(_K - 1):
            vcost, _ = _sub_vcosts(ys[b], levels[b], levels[b + 1])
            usable = [v for v in range(6) if vcost[v] < _INF]
            new = {}
            choice = {}
            for s, c0 in dp.items():
                row = _VT2[(s, b)]
                for v in usable:
                    ns = row[v]
                    c = c0 + vcost[v]
                    if c < new.get(ns, _INF):
                        new[ns] = c
                        if want_path:
                            choice[ns] = (s, v)
            dp = new
            stages.append(("v", j, b, choice))
    depot_last = cols[-1][2]
    best, best_s = _INF, None
    for s, c in dp.items():
        if s in _FINAL2 and c < best and not (depot_last and s[0] == 0):
            best, best_s = c, s
    if not want_path:
        return best
    edges: list = []
    s = best_s
    for kind, j, b, choice in reversed(stages):
        s_prev, ch = choice[s]
        x, ys, _ = cols[j]
        if kind == "h":
            xp = cols[j - 1][0]
            for lev, mult in zip(levels, ch, strict=True):
                edges += [((xp, lev), (x, lev))] * mult
        else:
            lo, hi, yb = levels[b], levels[b + 1], ys[b]
            u, t = (x, lo), (x, hi)
            if ch in (_T1, _T2):
                edges += [(u, t)] * ch
            elif ch == _FRONT:
                edges += [(u, (x, yb[-1]))] * 2
            elif ch == _BACK:
                edges += [(t, (x, yb[0]))] * 2
            elif ch == _SPLIT:
                _, k = _sub_vcosts(yb, lo, hi)
                edges += [(u, (x, yb[k]))] * 2 + [(t, (x, yb[k + 1]))] * 2
        s = s_prev
    return best, _euler(edges, (layout.depot_x, 0.0))


def _euler(edges: list, start) -> list:
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


def _two_block(layout: Layout, aisle, y, policy: str, want_path: bool):
    """Distance (and waypoints in the y' frame) of a two-block tour."""
    if policy not in POLICIES:
        raise ValueError(f"unknown routing policy {policy!r}; expected one of {POLICIES}")
    g0, g1 = _groups2(layout, aisle, y)
    if not g0 and not g1:
        return 0.0, [(layout.depot_x, 0.0)]
    if policy == "optimal":
        if want_path:
            return _optimal2(layout, g0, g1, want_path=True)
        return _optimal2(layout, g0, g1), None
    if policy == "return":
        far = {i: max(g0.get(i, []) + g1.get(i, [])) for i in set(g0) | set(g1)}
        pts = _return_path2(layout.aisle_spacing_m, layout.depot_x, far)
    elif policy == "s_shape":
        pts = _s_shape_path2(layout, g0, g1)
    else:
        pts = _split_path2(layout, g0, g1, policy)
    return _poly_len(pts), pts
