"""Validation of picker routing against closed forms and exact search.

No pinned seeded numbers: Monte Carlo estimates are compared with theory
inside a confidence interval computed from the sample itself, and the exact
algorithm is checked against an independent brute-force search. The checks that hold
for one block and two alike (optimality, brute force, symmetry, dominance, valid paths,
errors) run on both layouts here; test_routes_two_block.py has the two-block ones.

References
----------
* Hall, R.W. (1993). Distance approximations for routing manual pickers in a
  warehouse. IIE Transactions 25(4), 76-87.
* Ratliff, H.D. & Rosenthal, A.S. (1983). Order-picking in a rectangular
  warehouse: a solvable case of the travelling salesman problem. Operations
  Research 31(3), 507-521.
* Roodbergen, K.J. & Vis, I.F.A. (2006). A model for warehouse layout. IIE
  Transactions 38(10), 799-811.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.picking.routes import POLICIES, aisles_visited, route_distance, route_path

from .routing_helpers import (
    HEURISTICS,
    brute_force_tour,
    check_path,
    make_layout,
    make_rng,
    random_instance,
)

Z = 4.5  # half-width of the Monte Carlo confidence intervals, in standard errors
LAYOUTS = pytest.mark.parametrize("middle", [False, True], ids=["one_block", "two_blocks"])


def random_tour(rng, layout, m):
    return rng.integers(0, layout.n_aisles, m), rng.uniform(0.0, layout.aisle_length_m, m)


def assert_mean_close(sample, expected):
    sample = np.asarray(sample, dtype=float)
    se = sample.std(ddof=1) / math.sqrt(len(sample))
    assert abs(sample.mean() - expected) <= Z * se + 1e-12, (sample.mean(), expected, se)


# ---------------------------------------------------------------- (1) aisles
@pytest.mark.parametrize("m, published", [(5, 4.095), (10, 6.513), (20, 8.784)])
def test_mean_aisles_visited_matches_occupancy_formula(m, published):
    """E[#distinct aisles] = n (1 - (1 - 1/n)^m) for m uniform picks over n aisles."""
    n = 10
    theory = n * (1.0 - (1.0 - 1.0 / n) ** m)
    assert theory == pytest.approx(published, abs=6e-4)
    rng = make_rng()
    sample = [aisles_visited(rng.integers(0, n, m)) for _ in range(20000)]
    assert_mean_close(sample, theory)


def test_aisles_visited_basic():
    assert aisles_visited(np.array([], dtype=int)) == 0
    assert aisles_visited(np.array([3, 3, 1])) == 2
    assert aisles_visited([0, 1, 2]) == 3


# ---------------------------------------------------------------- (2) return
@pytest.mark.parametrize("k", [1, 2, 5, 10])
@pytest.mark.parametrize("cross", [0.0, 2.0])
def test_return_single_aisle_expected_distance(k, cross):
    """k uniform picks in one aisle of length L: E[2 max y] = 2 L k / (k + 1).

    The cross-aisle width adds 2 * c/2 = c (enter and leave the aisle once).
    """
    layout = make_layout(n=1, length=15.0, cross=cross)
    rng = make_rng()
    sample = [
        route_distance(layout, np.zeros(k, dtype=int), rng.uniform(0, 15.0, k), "return")
        for _ in range(20000)
    ]
    assert_mean_close(sample, 2 * 15.0 * k / (k + 1) + cross)


# --------------------------------------------------------------- (3) S-shape
def _stirling2(q, t):
    s = [[0] * (t + 1) for _ in range(q + 1)]
    s[0][0] = 1
    for i in range(1, q + 1):
        for j in range(1, min(i, t) + 1):
            s[i][j] = j * s[i - 1][j] + s[i - 1][j - 1]
    return s[q][t]


def s_shape_expected_distance(n, m, L, w, c):
    """Exact E[S-shape distance] for a front_left depot and uniform random storage.

    Derivation (the decomposition of Hall 1993 and Roodbergen & Vis 2006, made
    exact for the implemented convention). Picks: m i.i.d., aisle uniform on
    {0..n-1}, position y ~ U(0, L). Let K = number of distinct aisles visited,
    R = index of the farthest (rightmost) visited aisle, J = number of picks
    in aisle R, Y = max y in aisle R, and La = L + c the traversal length.
    The route walks 2 w R horizontally (out and back along the cross aisles),
    traverses every visited aisle (K * La), except that when K is odd the last
    aisle R is a return trip costing 2 (c/2 + Y) instead of La:

        D = 2 w R + La K - 1{K odd} (L - 2 Y).

    Given J = j, E[Y] = L j / (j + 1) (max of j uniforms). The joint law of
    (R, J, K): choose which j picks go to aisle r, the other m - j fall in the
    r aisles left of r and hit exactly K - 1 of them:

        P(R=r, J=j, K=k) = C(m, j) * C(r, k-1) * (k-1)! * S2(m-j, k-1) / n^m,

    with S2 the Stirling numbers of the second kind. Hence

        E[D] = sum_{r,j,k} P(r,j,k) [2 w r + La k - 1{k odd} (L - 2 L j/(j+1))].

    (Marginally E[R] = n - 1 - sum_{r=1}^{n-1} (r/n)^m -- Hall's farthest
    aisle -- and E[K] = n (1 - (1 - 1/n)^m); both are asserted below.)
    """
    la = L + c
    total_p = e_d = e_r = e_k = 0.0
    for r in range(n):
        for j in range(1, m + 1):
            q = m - j
            for k in range(1, min(r, q) + 2):
                t = k - 1
                ways = math.comb(m, j) * math.comb(r, t) * math.factorial(t) * _stirling2(q, t)
                if ways == 0:
                    continue
                p = ways / n**m
                d = 2 * w * r + la * k
                if k % 2:
                    d -= L - 2 * L * j / (j + 1)
                total_p += p
                e_d += p * d
                e_r += p * r
                e_k += p * k
    assert total_p == pytest.approx(1.0, abs=1e-12)
    assert e_r == pytest.approx(n - 1 - sum((r / n) ** m for r in range(1, n)), rel=1e-12)
    assert e_k == pytest.approx(n * (1 - (1 - 1 / n) ** m), rel=1e-12)
    return e_d


@pytest.mark.parametrize("m", [1, 3, 10, 25])
@pytest.mark.parametrize("cross", [0.0, 2.5])
def test_s_shape_expected_distance_closed_form(m, cross):
    n, L, w = 10, 20.0, 3.0
    layout = make_layout(n=n, length=L, spacing=w, cross=cross)
    theory = s_shape_expected_distance(n, m, L, w, cross)
    rng = make_rng()
    sample = [route_distance(layout, *random_tour(rng, layout, m), "s_shape") for _ in range(20000)]
    assert_mean_close(sample, theory)


# --------------------------------------------------------------- (4) optimal
@LAYOUTS
def test_optimal_never_longer_than_any_heuristic(middle):
    rng = make_rng()
    for _ in range(2000):
        layout, a, y = random_instance(rng, max_aisles=20, max_picks=25, middle=middle)
        opt = route_distance(layout, a, y, "optimal")
        for p in HEURISTICS:
            assert opt <= route_distance(layout, a, y, p) + 1e-9, (layout, a.tolist(), y.tolist(), p)


@LAYOUTS
def test_optimal_equals_brute_force_on_tiny_instances(middle):
    rng = make_rng()
    for _ in range(300):
        layout, a, y = random_instance(rng, max_aisles=5, max_picks=6, middle=middle)
        assert route_distance(layout, a, y, "optimal") == pytest.approx(
            brute_force_tour(layout, a, y), abs=1e-7
        ), (layout, a.tolist(), y.tolist())


@LAYOUTS
def test_optimal_mirror_symmetric_with_middle_depot(middle):
    rng = make_rng()
    for _ in range(300):
        layout = make_layout(n=int(rng.integers(1, 12)), depot="front_middle", cross=1.0,
                             middle=middle)
        a, y = random_tour(rng, layout, int(rng.integers(1, 12)))
        mirrored = layout.n_aisles - 1 - a
        assert route_distance(layout, a, y, "optimal") == pytest.approx(
            route_distance(layout, mirrored, y, "optimal"), abs=1e-9
        )


def test_optimal_single_aisle_at_depot_is_a_return_trip():
    layout = make_layout(cross=1.0)
    y = np.array([3.0, 7.5, 1.0])
    assert route_distance(layout, np.zeros(3, dtype=int), y, "optimal") == pytest.approx(
        2 * (7.5 + 0.5)
    )


# ---------------------------------------------------------- (5) dominance
@LAYOUTS
def test_largest_gap_never_longer_than_midpoint(middle):
    """Hall (1993): in each intermediate aisle midpoint splits at one particular
    gap, largest gap at the largest one; first/last aisles and cross-aisle
    travel are identical. So largest_gap <= midpoint for every tour (with two blocks
    the same holds sub-aisle by sub-aisle on the same multi-block skeleton)."""
    rng = make_rng()
    for _ in range(2000):
        layout, a, y = random_instance(rng, max_aisles=20, max_picks=30, middle=middle)
        assert (
            route_distance(layout, a, y, "largest_gap")
            <= route_distance(layout, a, y, "midpoint") + 1e-9
        )


def test_largest_gap_and_midpoint_vs_return():
    """Dominance over return holds in every *intermediate* aisle (the back gap
    is a candidate split, and midpoint's cost in an aisle is at most a return
    trip to its farthest front-half pick plus a back-half return trip), but
    the first and last visited aisles are traversed (La each) where return
    walks 2*y'max. So, with equal cross-aisle travel,

        split_policy - return <= sum over first & last aisles of (La - 2 y'max)

    for largest gap; it is *not* true that either is never longer than return.
    """
    rng = make_rng()
    for _ in range(3000):
        layout, a, y = random_instance(rng, max_aisles=20, max_picks=30)
        ret = route_distance(layout, a, y, "return")
        visited = np.unique(a)
        if len(visited) == 1:
            for p in ("largest_gap", "midpoint", "s_shape"):
                assert route_distance(layout, a, y, p) == pytest.approx(ret)
            continue
        yp = y + layout.cross_aisle_width_m / 2
        ends = [visited[0], visited[-1]]
        bound = sum(layout.traversal_length_m - 2 * yp[a == i].max() for i in ends)
        assert route_distance(layout, a, y, "largest_gap") - ret <= bound + 1e-9
    # explicit counterexample: picks near the front of two aisles
    layout = make_layout(n=4, length=20.0)
    a, y = np.array([0, 3]), np.array([1.0, 1.0])
    assert route_distance(layout, a, y, "return") < route_distance(layout, a, y, "largest_gap")
    assert route_distance(layout, a, y, "return") < route_distance(layout, a, y, "midpoint")


# ------------------------------------------------------------ (6) paths
@LAYOUTS
@pytest.mark.parametrize("policy", POLICIES)
def test_route_path_is_a_valid_walk_as_long_as_the_distance(policy, middle):
    rng = make_rng()
    for _ in range(300):
        check_path(*random_instance(rng, max_aisles=12, max_picks=15, middle=middle), policy)


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1, 9),
    depot=st.sampled_from(["front_left", "front_middle"]),
    cross=st.sampled_from([0.0, 1.5]),
    picks=st.lists(st.tuples(st.integers(0, 8), st.floats(0.0, 1.0, allow_nan=False)), max_size=12),
)
def test_paths_and_optimality_property(n, depot, cross, picks):
    layout = make_layout(n=n, length=12.0, spacing=2.5, cross=cross, depot=depot)
    a = np.array([p[0] % n for p in picks], dtype=int)
    y = np.array([p[1] * 12.0 for p in picks], dtype=float)
    dists = {p: route_distance(layout, a, y, p) for p in POLICIES}
    if len(a) == 0:
        assert all(d == 0.0 for d in dists.values())
        assert route_path(layout, a, y, "optimal").shape == (1, 2)
        return
    assert dists["optimal"] <= min(dists.values()) + 1e-9
    assert dists["largest_gap"] <= dists["midpoint"] + 1e-9
    for p in POLICIES:
        check_path(layout, a, y, p)


# ------------------------------------------------------------ misc API
@LAYOUTS
def test_empty_tour_and_errors(middle):
    layout = make_layout(middle=middle)
    empty_a, empty_y = np.array([], dtype=int), np.array([], dtype=float)
    for p in POLICIES:
        assert route_distance(layout, empty_a, empty_y, p) == 0.0
        assert route_path(layout, empty_a, empty_y, p).shape == (1, 2)
    with pytest.raises(ValueError, match="unknown routing policy"):
        route_distance(layout, np.array([1]), np.array([1.0]), "zigzag")
    with pytest.raises(ValueError, match="aisle index"):
        route_distance(layout, np.array([10]), np.array([1.0]), "return")
    with pytest.raises(ValueError, match="outside"):
        route_distance(layout, np.array([1]), np.array([20.5]), "optimal")
    with pytest.raises(ValueError, match="outside"):
        route_distance(layout, np.array([1]), np.array([np.nan]), "return")
    with pytest.raises(ValueError, match="integers"):
        route_distance(layout, np.array([1.5]), np.array([1.0]), "return")
    assert route_distance(layout, np.array([1.0]), np.array([1.0]), "optimal") == pytest.approx(
        route_distance(layout, np.array([1]), np.array([1.0]), "optimal")
    )
    with pytest.raises(ValueError, match="same length"):
        route_distance(layout, np.array([1, 2]), np.array([1.0]), "return")


def test_lists_accepted_and_hand_computed_example():
    """Two picks, front_left, w=3, L=20: aisles 1 (y=5) and 2 (y=15)."""
    layout = make_layout()
    a, y = [1, 2], [5.0, 15.0]
    assert route_distance(layout, a, y, "return") == pytest.approx(2 * 6 + 2 * 5 + 2 * 15)
    assert route_distance(layout, a, y, "s_shape") == pytest.approx(2 * 6 + 2 * 20)
    assert route_distance(layout, a, y, "optimal") == pytest.approx(2 * 6 + 2 * 20)
