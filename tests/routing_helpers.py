"""What the routing tests share: layouts, random tours, an independent brute-force
shortest tour on the explicit warehouse graph, and a check that a drawn path is a valid
walk through every pick. Nothing here calls the routing code except :func:`check_path`,
which checks its output."""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from sim.model.picking.layout import Layout
from sim.model.picking.routes import POLICIES, path_length, route_distance, route_path

HEURISTICS = tuple(p for p in POLICIES if p != "optimal")
# The assertions compare with theory, never with stored numbers; the seed only makes CI
# deterministic. Set ROUTES_TEST_SEED to re-run with other samples.
SEED = int(os.environ.get("ROUTES_TEST_SEED", "2026"))


def make_rng():
    return np.random.default_rng(SEED)


def make_layout(n=10, length=20.0, spacing=3.0, cross=0.0, depot="front_left", lps=10,
                middle=False, walk=1.0):
    return Layout(
        n_aisles=n,
        aisle_length_m=length,
        aisle_spacing_m=spacing,
        locations_per_side=lps,
        walk_speed_m_s=walk,
        cross_aisle_width_m=cross,
        depot=depot,
        middle_cross_aisle=middle,
    )


def random_instance(rng, max_aisles=8, max_picks=12, cross=None, middle=False):
    """A random layout (one block, or two with ``middle``) and tour (aisles, y)."""
    layout = make_layout(
        n=int(rng.integers(1, max_aisles + 1)),
        length=float(rng.uniform(2.0, 30.0)),
        spacing=float(rng.uniform(0.5, 6.0)),
        cross=float(rng.choice([0.0, rng.uniform(0.1, 4.0)])) if cross is None else cross,
        depot=str(rng.choice(["front_left", "front_middle"])),
        lps=int(rng.integers(1, 8)),
        middle=middle,
    )
    m = int(rng.integers(1, max_picks + 1))
    a = rng.integers(0, layout.n_aisles, m)
    u = rng.random()
    if u < 0.25:  # slot grid (odd lps puts a slot exactly at L/2), with duplicates
        y = layout.slot_y(rng.integers(0, layout.locations_per_side, m))
    elif u < 0.35:  # picks exactly at the ends and the middle of the pickable length
        y = rng.choice([0.0, layout.aisle_length_m / 2, layout.aisle_length_m], m)
    elif u < 0.5:  # one half of the aisles only (one block, with a middle cross aisle)
        half = layout.aisle_length_m / 2
        y = rng.uniform(0.0, half, m) if rng.random() < 0.5 else rng.uniform(half, 2 * half, m)
    else:
        y = rng.uniform(0.0, layout.aisle_length_m, m)
    return layout, a, np.asarray(y, dtype=float)


def warehouse_graph(layout, points):
    """Shortest-path distances on the explicit aisle / cross-aisle graph.

    Built independently of the routing code, from the geometry in the layout
    docstring: nodes where every aisle meets each cross-aisle centreline
    (y = ``layout.cross_aisle_y_m``), the depot on the front one, and a node
    per point ``(aisle, y)`` at its drawn position ``layout.pick_y_m(y)``;
    edges along the aisle and cross-aisle centrelines. Returns
    ``(dist, depot_node, point_nodes)``.
    """
    w = layout.aisle_spacing_m
    levels = layout.cross_aisle_y_m
    nodes: dict = {}

    def node(key):
        return nodes.setdefault(key, len(nodes))

    edges = []
    for lev_i, _ in enumerate(levels):
        xs = sorted(
            {i * w for i in range(layout.n_aisles)} | ({layout.depot_x} if lev_i == 0 else set())
        )
        for x0, x1 in itertools.pairwise(xs):
            edges.append((node(("c", lev_i, x0)), node(("c", lev_i, x1)), x1 - x0))
    point_keys = []
    for a, y in points:
        point_keys.append(("p", int(a), float(layout.pick_y_m(y))))
    for i in range(layout.n_aisles):
        on_aisle = sorted({k[2] for k in point_keys if k[1] == i})
        stops = [(lev, ("c", li, i * w)) for li, lev in enumerate(levels)]
        stops += [(v, ("p", i, v)) for v in on_aisle]
        stops.sort(key=lambda t: (t[0], t[1][0] == "p"))
        for (h0, k0), (h1, k1) in itertools.pairwise(stops):
            edges.append((node(k0), node(k1), h1 - h0))
    u, v, d = (np.array(t) for t in zip(*edges, strict=True))
    d = np.maximum(d, 1e-300)  # zero-length edges must stay edges
    g = coo_matrix((d, (u, v)), shape=(len(nodes), len(nodes))).tocsr()
    dist = shortest_path(g, directed=False)
    return dist, nodes[("c", 0, layout.depot_x)], [nodes[k] for k in point_keys]


def brute_force_tour(layout, aisle, y):
    """Shortest closed walk depot -> all picks -> depot: Dijkstra on the explicit graph,
    then every visiting order of the picks."""
    dist, depot, picks = warehouse_graph(layout, list(zip(aisle.tolist(), y.tolist(), strict=True)))
    best = math.inf
    for perm in itertools.permutations(sorted(set(picks))):
        tour = (depot, *perm, depot)
        best = min(best, sum(dist[p, q] for p, q in itertools.pairwise(tour)))
    return best


def check_path(layout, a, y, policy):
    """The drawn path of a tour is a walk from the depot back to it, along aisle and
    cross-aisle centrelines only, through every pick, as long as the distance."""
    path = route_path(layout, a, y, policy)
    dist = route_distance(layout, a, y, policy)
    assert path_length(path) == pytest.approx(dist, abs=1e-9)
    depot = (layout.depot_x, layout.depot_y)
    assert tuple(path[0]) == pytest.approx(depot) and tuple(path[-1]) == pytest.approx(depot)
    step = np.diff(path, axis=0)
    horiz = np.abs(step[:, 1]) < 1e-12
    vert = np.abs(step[:, 0]) < 1e-12
    assert np.all(horiz | vert)  # rectilinear
    x0, y0, x1, y1 = path[:-1, 0], path[:-1, 1], path[1:, 0], path[1:, 1]
    levels = np.array(layout.cross_aisle_y_m)
    moving_h = horiz & ~vert
    # horizontal moves only along a cross-aisle centreline ...
    assert np.all(np.min(np.abs(y0[moving_h, None] - levels[None, :]), axis=1) < 1e-9)
    # ... vertical moves only along an aisle centreline, between front and back cross aisle
    moving_v = vert & ~horiz
    xi = x0[moving_v] / layout.aisle_spacing_m
    assert np.all(np.abs(xi - np.rint(xi)) < 1e-9)
    assert np.all(
        (np.minimum(y0, y1) >= levels[0] - 1e-9) & (np.maximum(y0, y1) <= levels[-1] + 1e-9)
    )
    # every pick lies on the path at its drawn position
    for ai, yi in zip(a.tolist(), layout.pick_y_m(y).tolist(), strict=True):
        x = ai * layout.aisle_spacing_m
        on = (np.minimum(x0, x1) <= x + 1e-9) & (x - 1e-9 <= np.maximum(x0, x1))
        on &= (np.minimum(y0, y1) <= yi + 1e-9) & (yi - 1e-9 <= np.maximum(y0, y1))
        assert on.any(), (policy, ai, yi)
    return dist
