"""Picker routing in a rectangular single-block warehouse (no SimPy).

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
    mid = layout.traversal_length_m / 2.0
    front = 0.0
    back = layout.traversal_length_m
    for v in ys:
        if v <= mid:
            if v > front:
                front = v
        elif v < back:
            back = v
    return front, back


def _largest_gap_parts(layout, ys):
    """(front turn y', back turn y') of an intermediate aisle under largest gap."""
    s = sorted(ys)
    la = layout.traversal_length_m
    best = s[0]  # gap between front cross aisle and first pick: all from back
    front, back = 0.0, s[0]
    for lo, hi in pairwise(s):
        if hi - lo > best:
            best = hi - lo
            front, back = lo, hi
    if la - s[-1] > best:  # gap behind the last pick: all from front
        front, back = s[-1], la
    return front, back


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
    """Cost of each in-aisle configuration (inf where not applicable), plus split point."""
    if ys is None:  # virtual depot column: no aisle
        return (0.0, _INF, _INF, _INF, _INF, _INF), None
    if not ys:
        return (0.0, la, 2.0 * la, _INF, _INF, _INF), None
    split = _INF
    split_at = None
    if len(ys) > 1:
        gap = -1.0
        for j in range(len(ys) - 1):
            g = ys[j + 1] - ys[j]
            if g > gap:
                gap, split_at = g, j
        split = 2.0 * (la - gap)
    return (_INF, la, 2.0 * la, split, 2.0 * ys[-1], 2.0 * (la - ys[0])), split_at


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
    adj: dict = {}
    for idx, (u, v) in enumerate(edges):
        adj.setdefault(u, []).append((v, idx))
        adj.setdefault(v, []).append((u, idx))
    used = [False] * len(edges)
    start = (layout.depot_x, 0.0)
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
    """
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
    ``(n, 2)``; an empty tour gives the depot alone.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown routing policy {policy!r}; expected one of {POLICIES}")
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
