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

from functools import partial

import numpy as np
import pytest

from sim.model.picking.layout import Layout, assign_storage
from sim.model.picking.routes import POLICIES, route_distance

from . import routing_helpers
from .routing_helpers import make_rng, warehouse_graph

# Two blocks unless told otherwise. (Tests that hold for one and two blocks alike are
# in test_routes.py, run on both.)
make_layout = partial(routing_helpers.make_layout, middle=True)
random_instance = partial(routing_helpers.random_instance, middle=True)


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


# ------------------------------------------------ (b) dominance and reductions
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
