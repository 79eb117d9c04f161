"""The exact shortest tour in a one-block warehouse: the dynamic programme of Ratliff &
Rosenthal (1983), Operations Research 31(3) 507-521, over the aisles (degree-parity /
connectivity states of the partial tour subgraph, horizontal edge multiplicity 0/1/2 on
each cross aisle, and the six in-aisle configurations: none, traverse once, traverse
twice, split at the largest interior gap, from the front only, from the back only). A
``front_middle`` depot that lies between two aisles is a node on the front cross aisle
without an aisle of its own. The configurations and their costs are shared with the
two-block programme (:mod:`~sim.model.picking.routes.optimal_two_block`).
"""

from __future__ import annotations

import math

from sim.model.picking.layout import Layout
from sim.model.picking.routes.geometry import INF, euler_tour

# In-aisle configurations: (degree added to front node a, to back node b,
# whether they connect a and b).
NONE, T1, T2, SPLIT, FRONT, BACK = range(6)
VDEG = ((0, 0, False), (1, 1, True), (2, 2, True), (2, 2, False), (2, 0, False), (0, 2, False))


def cls_add(c: int, k: int) -> int:
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
                    fa = cls_add(ca, hb)
                    if fa == 1:
                        continue
                    for ht in range(3):
                        fb = cls_add(cb, ht)
                        if fb == 1:
                            continue
                        for v, (va, vb, vc) in enumerate(VDEG):
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
                            na = cls_add(va, hb)
                            nb = cls_add(vb, ht)
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
    return sub_vcosts(ys, 0.0, la)


def optimal_one_block(layout: Layout, groups: dict, want_path: bool = False):
    la = layout.traversal_length_m
    cols = _columns(layout, groups)
    vc0, _ = _vcosts(cols[0][1], la)
    dp: dict = {}
    back: list = [None]
    for v, (va, vb, vconn) in enumerate(VDEG):
        c = vc0[v]
        if c < INF:
            s = va * 6 + vb * 2 + (1 if (vconn and va and vb) else 0)
            if c < dp.get(s, INF):
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
                if vc == INF or (depot_prev and not left_a_used):
                    continue
                c = c0 + nh * dx + vc
                if c < new.get(ns, INF):
                    new[ns] = c
                    if want_path:
                        choice[ns] = (s, hb, ht, v)
        dp = new
        back.append(choice)
    depot_last = cols[-1][2]
    best, best_s = INF, None
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
        if v in (T1, T2):
            for _ in range(v):  # T1 == 1, T2 == 2 copies
                edges.append((fa, ba))
        elif v == FRONT:
            edges += [(fa, (x, ys[-1]))] * 2
        elif v == BACK:
            edges += [(ba, (x, ys[0]))] * 2
        elif v == SPLIT:
            _, k = _vcosts(ys, la)
            edges += [(fa, (x, ys[k]))] * 2 + [(ba, (x, ys[k + 1]))] * 2
        if j > 0:
            xp = cols[j - 1][0]
            edges += [((xp, 0.0), fa)] * hb + [((xp, la), ba)] * ht
        s = s_prev
    return euler_tour(edges, (layout.depot_x, 0.0))

def sub_vcosts(ys, lo: float, hi: float):
    """Costs of the six sub-aisle configurations, plus the interior split index."""
    if ys is None:
        return (0.0, INF, INF, INF, INF, INF), None
    ln = hi - lo
    if not ys:
        return (0.0, ln, 2.0 * ln, INF, INF, INF), None
    split, split_at = INF, None
    if len(ys) > 1:
        gap = -1.0
        for j in range(len(ys) - 1):
            g = ys[j + 1] - ys[j]
            if g > gap:
                gap, split_at = g, j
        split = 2.0 * (ln - gap)
    return (INF, ln, 2.0 * ln, split, 2.0 * (ys[-1] - lo), 2.0 * (hi - ys[0])), split_at

