"""The exact shortest tour in a two-block warehouse: the dynamic programme of Ratliff &
Rosenthal (1983) generalised to three nodes per column (front, middle, back cross
aisle), as in Roodbergen & de Koster (2001), "Routing order pickers in a warehouse with
a middle aisle", EJOR 133(1) 32-43.

The programme runs over the columns (aisles), left to right. A state records the degree class (0 none, 1 odd, 2 even > 0)
of each node of the current column and which of them lie in the same
component of the partial tour subgraph. Between columns each cross aisle
gets 0, 1 or 2 copies of its horizontal edge; within a column each of the
two sub-aisles takes one of the six Ratliff-Rosenthal configurations
(``VDEG``). A node left behind must have even degree and its component must
continue to the right. Transition tables are generated once from these
rules (union-find), not written by hand. There are 24 reachable states; time O(n_aisles + picks) with a constant of a few hundred
dictionary updates per aisle.
"""

from __future__ import annotations

import math
from functools import cache

from sim.model.picking.layout import Layout
from sim.model.picking.routes.geometry import INF, euler_tour, levels
from sim.model.picking.routes.optimal_one_block import (
    BACK,
    FRONT,
    SPLIT,
    T1,
    T2,
    VDEG,
    cls_add,
    sub_vcosts,
)

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
    fin = [cls_add(cls[i], h[i]) for i in range(_K)]
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
    da, db, conn = VDEG[v]
    fresh = 100
    for node, d in ((b, da), (b + 1, db)):
        if d and cls[node] == 0:
            lab[node] = fresh + node  # a new component
        cls[node] = cls_add(cls[node], d)
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
# The moves of each kind of stage, per state: (new state, index into the stage's costs,
# choice). Between columns the cost is the number of horizontal edges times the
# distance; from the depot's column only moves that use its front node are allowed.
_H_MOVES = {s: tuple((ns, nh, h) for ns, nh, h, _ in row) for s, row in _HT2.items()}
_H_MOVES_FROM_DEPOT = {s: tuple((ns, nh, h) for ns, nh, h, used in row if used)
                       for s, row in _HT2.items()}


@cache
def _v_moves(b: int, usable: tuple) -> dict:
    """Within a column, sub-aisle ``b`` (0 front block, 1 back block) in one of the
    ``usable`` configurations; the cost is the configuration's."""
    return {s: tuple((_VT2[(s, b)][v], v, v) for v in usable) for s in _HT2}


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



def _stages(cols: list, node_y: tuple):
    """The programme's stages, left to right: (moves, costs, (kind, column, sub-aisle)),
    kind "h" between two columns and "v" for each sub-aisle of a column."""
    for j, (x, ys, _) in enumerate(cols):
        if j:
            dx = x - cols[j - 1][0]
            moves = _H_MOVES_FROM_DEPOT if cols[j - 1][2] else _H_MOVES
            yield moves, [n * dx for n in range(2 * _K + 1)], ("h", j, None)
        for b in range(_K - 1):
            vcost, _ = sub_vcosts(ys[b], node_y[b], node_y[b + 1])
            usable = tuple(v for v in range(6) if vcost[v] < INF)
            yield _v_moves(b, usable), vcost, ("v", j, b)


def optimal_two_block(layout: Layout, g0: dict, g1: dict, want_path: bool = False):
    m_y, b_y = levels(layout)
    node_y = (0.0, m_y, b_y)  # front, middle and back cross aisle
    cols = _columns2(layout, g0, g1)
    dp = {_ZERO2: 0.0}
    stages: list = []  # (kind, column index, sub-aisle, choice dict)
    for moves, cost, where in _stages(cols, node_y):
        new: dict = {}
        choice: dict = {}
        for s, c0 in dp.items():
            for ns, k, why in moves[s]:
                c = c0 + cost[k]
                if c < new.get(ns, INF):  # the first of equal costs stays
                    new[ns] = c
                    if want_path:
                        choice[ns] = (s, why)
        dp = new
        stages.append((*where, choice))
    depot_last = cols[-1][2]
    best, best_s = INF, None
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
            for lev, mult in zip(node_y, ch, strict=True):
                edges += [((xp, lev), (x, lev))] * mult
        else:
            lo, hi, yb = node_y[b], node_y[b + 1], ys[b]
            u, t = (x, lo), (x, hi)
            if ch in (T1, T2):
                edges += [(u, t)] * ch
            elif ch == FRONT:
                edges += [(u, (x, yb[-1]))] * 2
            elif ch == BACK:
                edges += [(t, (x, yb[0]))] * 2
            elif ch == SPLIT:
                _, k = sub_vcosts(yb, lo, hi)
                edges += [(u, (x, yb[k]))] * 2 + [(t, (x, yb[k + 1]))] * 2
        s = s_prev
    return best, euler_tour(edges, (layout.depot_x, 0.0))

