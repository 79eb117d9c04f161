"""Two-block warehouse (a middle cross aisle): geometry and routing.

Checked against theory and independent computations only (no pinned seeded
numbers): path validity, an explicit-graph brute force for the exact tour and
for depot distances, dominance (optimal <= every heuristic; a zero-width
middle cross aisle only adds shortcuts), and reductions to the one-block case.

References: Roodbergen, K.J. & de Koster, R. (2001). Routing methods for
warehouses with multiple cross aisles. IJPR 39(9), 1865-1883; Roodbergen &
de Koster (2001). Routing order pickers in a warehouse with a middle aisle.
EJOR 133(1), 32-43.
"""

from __future__ import annotations

import itertools
import math
import os

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from sim.model.picking.layout import Layout, assign_storage
from sim.model.picking.routes import POLICIES, path_length, route_distance, route_path

HEURISTICS = tuple(p for p in POLICIES if p != "optimal")
SEED = int(os.environ.get("ROUTES_TEST_SEED", "2026"))  # determinism only; nothing pinned


def make_rng():
    return np.random.default_rng(SEED)


def make_layout(n=10, length=20.0, spacing=3.0, cross=0.0, depot="front_left", lps=10, middle=True):
    return Layout(
        n_aisles=n,
        aisle_length_m=length,
        aisle_spacing_m=spacing,
        locations_per_side=lps,
        walk_speed_m_s=1.0,
        cross_aisle_width_m=cross,
        depot=depot,
        middle_cross_aisle=middle,
    )


def random_instance(rng, max_aisles=8, max_picks=12, cross=None):
    layout = make_layout(
        n=int(rng.integers(1, max_aisles + 1)),
        length=float(rng.uniform(2.0, 30.0)),
        spacing=float(rng.uniform(0.5, 6.0)),
        cross=float(rng.choice([0.0, rng.uniform(0.1, 4.0)])) if cross is None else cross,
        depot=str(rng.choice(["front_left", "front_middle"])),
        lps=int(rng.integers(1, 8)),
    )
    m = int(rng.integers(1, max_picks + 1))
    a = rng.integers(0, layout.n_aisles, m)
    u = rng.random()
    if u < 0.25:  # slot grid (odd lps puts a slot exactly at L/2), with duplicates
        y = layout.slot_y(rng.integers(0, layout.locations_per_side, m))
    elif u < 0.35:  # picks exactly at the ends and the middle of the pickable length
        y = rng.choice([0.0, layout.aisle_length_m / 2, layout.aisle_length_m], m)
    elif u < 0.5:  # one block only
        half = layout.aisle_length_m / 2
        y = rng.uniform(0.0, half, m) if rng.random() < 0.5 else rng.uniform(half, 2 * half, m)
    else:
        y = rng.uniform(0.0, layout.aisle_length_m, m)
    return layout, a, np.asarray(y, dtype=float)


# ------------------------------------------------------------ explicit graph
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
    """Shortest closed walk depot -> all picks -> depot: Dijkstra + all visiting orders."""
    dist, depot, picks = warehouse_graph(layout, list(zip(aisle.tolist(), y.tolist(), strict=True)))
    best = math.inf
    for perm in itertools.permutations(sorted(set(picks))):
        tour = (depot, *perm, depot)
        best = min(best, sum(dist[p, q] for p, q in itertools.pairwise(tour)))
    return best


# ------------------------------------------------------------ (a) geometry
def test_default_is_one_block_and_geometry_of_two():
    one = make_layout(middle=False, cross=2.0)
    assert (
        Layout(
            n_aisles=3,
            aisle_length_m=10.0,
            aisle_spacing_m=2.0,
            locations_per_side=4,
            walk_speed_m_s=1.0,
        ).middle_cross_aisle
        is False
    )
    assert one.n_blocks == 1 and one.traversal_length_m == pytest.approx(22.0)
    assert one.cross_aisle_y_m == pytest.approx((-1.0, 21.0))
    two = make_layout(cross=2.0)
    assert two.n_blocks == 2
    assert two.traversal_length_m == pytest.approx(20.0 + 4.0)  # L + 2c
    assert two.block_length_m == pytest.approx(12.0)  # L/2 + c
    assert two.cross_aisle_y_m == pytest.approx((-1.0, 11.0, 23.0))
    # y <= L/2 is the front block, and the back block is shifted back by c
    y = np.array([0.0, 9.9, 10.0, 10.1, 20.0])
    assert two.block_of(y).tolist() == [0, 0, 0, 1, 1]
    assert two.pick_y_m(y) == pytest.approx([0.0, 9.9, 10.0, 12.1, 22.0])
    assert one.pick_y_m(y) == pytest.approx(y)
    # capacity and slots unchanged; the middle slot of an odd lps is in the front block
    odd = make_layout(lps=5)
    assert odd.capacity == 10 * 2 * 5
    _, _, sy = odd.slot_coordinates()
    assert np.any(sy == 10.0) and np.all(odd.block_of(sy[sy == 10.0]) == 0)
    with pytest.raises(ValueError, match="middle_cross_aisle"):
        make_layout(middle="yes")


def test_depot_distance_equals_graph_shortest_path():
    rng = make_rng()
    for _ in range(40):
        layout = make_layout(
            n=int(rng.integers(1, 9)),
            length=float(rng.uniform(2, 30)),
            spacing=float(rng.uniform(0.5, 6)),
            cross=float(rng.choice([0.0, 1.7])),
            depot=str(rng.choice(["front_left", "front_middle"])),
            lps=int(rng.integers(1, 6)),
            middle=bool(rng.random() < 0.8),
        )
        sa, _, sy = layout.slot_coordinates()
        pts = list(zip(sa.tolist(), sy.tolist(), strict=True))
        pts += [
            (int(a), float(v))
            for a, v in zip(sa, rng.uniform(0, layout.aisle_length_m, len(sa)), strict=True)
        ]
        dist, depot, nodes = warehouse_graph(layout, pts)
        a = np.array([p[0] for p in pts])
        y = np.array([p[1] for p in pts])
        assert layout.depot_distance_m(a, y) == pytest.approx(dist[depot, nodes], abs=1e-9)
        # a single pick: every policy walks there and back along a shortest path
        for p in POLICIES:
            assert route_distance(layout, a[:1], y[:1], p) == pytest.approx(
                2 * dist[depot, nodes[0]]
            )


def test_class_based_storage_works_with_two_blocks():
    layout = make_layout(cross=2.0)
    rng = make_rng()
    pop = np.arange(50, 0, -1, dtype=float)
    a, y = assign_storage(layout, 50, pop, "class_based", rng)
    d = layout.depot_distance_m(a, y)
    # the 10 class-A SKUs sit on the 10 nearest slots of the two-block layout
    sa, _, sy = layout.slot_coordinates()
    nearest = np.sort(layout.depot_distance_m(sa, sy))
    assert np.max(d[:10]) <= nearest[9] + 1e-9


# ------------------------------------------------------------ (b) paths
def check_path(layout, a, y, policy):
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


@pytest.mark.parametrize("policy", POLICIES)
def test_paths_valid_for_every_policy(policy):
    rng = make_rng()
    for _ in range(400):
        check_path(*random_instance(rng, max_aisles=12, max_picks=15), policy)


def test_empty_tour_and_errors():
    layout = make_layout()
    e_a, e_y = np.array([], dtype=int), np.array([], dtype=float)
    for p in POLICIES:
        assert route_distance(layout, e_a, e_y, p) == 0.0
        assert route_path(layout, e_a, e_y, p).shape == (1, 2)
    with pytest.raises(ValueError, match="unknown routing policy"):
        route_distance(layout, np.array([1]), np.array([1.0]), "zigzag")
    with pytest.raises(ValueError, match="outside"):
        route_distance(layout, np.array([1]), np.array([20.5]), "optimal")


# ------------------------------------------------------------ (c) optimal
def test_optimal_never_longer_than_any_heuristic():
    rng = make_rng()
    for _ in range(2000):
        layout, a, y = random_instance(rng, max_aisles=15, max_picks=20)
        opt = route_distance(layout, a, y, "optimal")
        for p in HEURISTICS:
            assert opt <= route_distance(layout, a, y, p) + 1e-9, (
                layout,
                a.tolist(),
                y.tolist(),
                p,
            )


def test_optimal_equals_brute_force_on_tiny_instances():
    rng = make_rng()
    for _ in range(300):
        layout, a, y = random_instance(rng, max_aisles=5, max_picks=6)
        assert route_distance(layout, a, y, "optimal") == pytest.approx(
            brute_force_tour(layout, a, y), abs=1e-7
        ), (layout, a.tolist(), y.tolist())


def test_optimal_mirror_symmetric_with_middle_depot():
    rng = make_rng()
    for _ in range(200):
        layout = make_layout(n=int(rng.integers(1, 12)), depot="front_middle", cross=1.0)
        m = int(rng.integers(1, 12))
        a, y = rng.integers(0, layout.n_aisles, m), rng.uniform(0, layout.aisle_length_m, m)
        assert route_distance(layout, a, y, "optimal") == pytest.approx(
            route_distance(layout, layout.n_aisles - 1 - a, y, "optimal"), abs=1e-9
        )


# ------------------------------------------------------------ (d) dominance
def test_zero_width_middle_cross_aisle_never_lengthens_optimal():
    """With c = 0 the two-block graph is the one-block graph plus horizontal
    shortcuts at mid-aisle, so the shortest tour cannot get longer; it gets
    strictly shorter on some instances."""
    rng = make_rng()
    shorter = 0
    for _ in range(1500):
        layout, a, y = random_instance(rng, max_aisles=12, max_picks=15, cross=0.0)
        one = make_layout(
            n=layout.n_aisles,
            length=layout.aisle_length_m,
            spacing=layout.aisle_spacing_m,
            depot=layout.depot,
            middle=False,
        )
        d2 = route_distance(layout, a, y, "optimal")
        d1 = route_distance(one, a, y, "optimal")
        assert d2 <= d1 + 1e-9
        shorter += d2 < d1 - 1e-9
    assert shorter > 0


def test_front_block_only_reduces_to_one_block_with_half_aisles():
    """Picks only in the front block: every policy equals its one-block version
    in a warehouse whose aisles end at the middle cross aisle (pickable length
    L/2, same cross-aisle width). For optimal this is a theorem (projecting a
    walk onto the front block never lengthens it); for the heuristics it is
    the documented construction."""
    rng = make_rng()
    for _ in range(500):
        layout, a, y = random_instance(rng, max_aisles=12, max_picks=15)
        y = np.minimum(y, layout.aisle_length_m / 2) * rng.uniform(0.0, 1.0, len(y))
        half = make_layout(
            n=layout.n_aisles,
            length=layout.aisle_length_m / 2,
            spacing=layout.aisle_spacing_m,
            cross=layout.cross_aisle_width_m,
            depot=layout.depot,
            middle=False,
        )
        for p in POLICIES:
            assert route_distance(layout, a, y, p) == pytest.approx(
                route_distance(half, a, y, p), abs=1e-9
            ), p


def test_return_closed_form():
    """Return never uses the middle or back cross aisle: H + sum 2 (c/2 + pick_y_m(y_max))."""
    rng = make_rng()
    for _ in range(300):
        layout, a, y = random_instance(rng, max_aisles=12, max_picks=15)
        w, xd = layout.aisle_spacing_m, layout.depot_x
        xl, xr = a.min() * w, a.max() * w
        h = (xr - xl) + abs(xd - xl) + abs(xr - xd)
        yp = layout.pick_y_m(y) + layout.cross_aisle_width_m / 2
        expected = h + sum(2 * yp[a == i].max() for i in np.unique(a))
        assert route_distance(layout, a, y, "return") == pytest.approx(expected)


def test_largest_gap_never_longer_than_midpoint():
    """Same multi-block route skeleton; in each intermediate sub-aisle midpoint
    splits at one particular gap, largest gap at the largest one."""
    rng = make_rng()
    for _ in range(1500):
        layout, a, y = random_instance(rng, max_aisles=15, max_picks=25)
        assert (
            route_distance(layout, a, y, "largest_gap")
            <= route_distance(layout, a, y, "midpoint") + 1e-9
        )


def test_hand_computed_example():
    """front_left, w = 3, L = 20, c = 2 (M = 12, B = 24 from the front centreline).

    Picks: aisle 1 at y = 5 (front block, y' = 6), aisle 2 at y = 15 (back
    block, y' = 18).
    * return: 2*6 + 2*6 + 2*18 = 60.
    * S-shape: depot -> aisle 1 (3), up to middle (12), along middle to aisle 2
      (3), return trip into the back block (2*6), down aisle 2 (12), back to the
      depot (6): 48.
    * largest gap: depot -> aisle 1 (3), up to the back (24), along the back to
      aisle 2 (3), down aisle 2's back block (12), along the middle back to the
      left pick aisle (3), down its front block (12), to the depot (3): 60.
    * optimal: the S-shape tour (48) is optimal: the tour must reach y' = 18 in
      aisle 2 (2 * 18 vertical at least) and aisle 1 (2 * 3 horizontal at
      least each way) -> 36 + 12 = 48.
    """
    layout = make_layout(cross=2.0)
    a, y = np.array([1, 2]), np.array([5.0, 15.0])
    assert route_distance(layout, a, y, "return") == pytest.approx(60.0)
    assert route_distance(layout, a, y, "s_shape") == pytest.approx(48.0)
    assert route_distance(layout, a, y, "optimal") == pytest.approx(48.0)
    assert route_distance(layout, a, y, "midpoint") == pytest.approx(60.0)
    assert route_distance(layout, a, y, "largest_gap") == pytest.approx(60.0)
