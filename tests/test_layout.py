"""Layout geometry and storage assignment."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from sim.model.picking.layout import assign_storage
from sim.model.picking.routes import route_distance
from sim.shares import zipf_popularity

from .routing_helpers import make_layout

Z = 4.5  # CI half-width in standard errors
SEED = int(os.environ.get("LAYOUT_TEST_SEED", "2026"))  # determinism only; nothing pinned


# ------------------------------------------------------------------ geometry
def test_capacity_and_slot_coordinates():
    layout = make_layout(n=7, length=12.0, lps=4)
    assert layout.capacity == 7 * 2 * 4
    aisle, side, y = layout.slot_coordinates()
    assert len(aisle) == len(side) == len(y) == layout.capacity
    assert np.array_equal(np.bincount(aisle), np.full(7, 8))
    assert np.array_equal(np.bincount(side), np.full(2, 28))
    # slot k sits at the centre of its slot: (k + 0.5) * L / lps
    assert np.allclose(np.unique(y), (np.arange(4) + 0.5) * 3.0)
    assert np.all((y > 0) & (y < 12.0))
    # each (aisle, side, y) is a distinct slot
    assert len({(a, s, v) for a, s, v in zip(aisle, side, y, strict=True)}) == layout.capacity


def test_depot_position():
    assert make_layout(n=10).depot_x == 0.0
    assert make_layout(n=11, depot="front_middle").depot_x == pytest.approx(15.0)  # aisle 5
    assert make_layout(n=10, depot="front_middle").depot_x == pytest.approx(13.5)  # between 4, 5
    assert make_layout(cross=3.0).depot_y == -1.5
    assert make_layout(cross=3.0).traversal_length_m == 23.0


def test_depot_distance_and_travel_time():
    layout = make_layout(cross=2.0, depot="front_middle", n=5, walk=1.2)  # depot at x = 6
    assert layout.depot_distance_m(0, 4.0) == pytest.approx(6 + 1 + 4)
    assert layout.depot_distance_m(2, 4.0) == pytest.approx(1 + 4)
    assert layout.travel_time_s(12.0) == pytest.approx(10.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": 2.5},
        {"lps": True},
        {"length": 0.0},
        {"spacing": -1.0},
        {"lps": 0},
        {"cross": -0.5},
        {"depot": "back_left"},
    ],
)
def test_invalid_layout_rejected(kwargs):
    with pytest.raises(ValueError):
        make_layout(**kwargs)


def test_layout_is_frozen():
    layout = make_layout()
    with pytest.raises(AttributeError):
        layout.n_aisles = 3


# ------------------------------------------------------------------ zipf
def test_zipf_popularity():
    p = zipf_popularity(100, 1.0)
    assert p.sum() == pytest.approx(1.0)
    assert np.all(np.diff(p) < 0)
    assert p[0] / p[9] == pytest.approx(10.0)
    assert np.allclose(zipf_popularity(5, 0.0), 0.2)
    with pytest.raises(ValueError):
        zipf_popularity(0, 1.0)
    with pytest.raises(ValueError):
        zipf_popularity(10, -1.0)


# ------------------------------------------------------------------ storage
@pytest.mark.parametrize("policy", ["random", "class_based"])
def test_storage_uses_distinct_valid_slots(policy):
    layout = make_layout(n=6, lps=5)
    rng = np.random.default_rng(SEED)
    for n_skus in (1, 17, layout.capacity):
        aisle, y = assign_storage(layout, n_skus, zipf_popularity(n_skus, 1.0), policy, rng)
        assert aisle.shape == y.shape == (n_skus,)
        assert aisle.dtype.kind == "i" and np.all((aisle >= 0) & (aisle < 6))
        assert np.all(np.isin(y, layout.slot_y(np.arange(5))))
        # at most 2 SKUs (one per side) share an (aisle, y) position
        _, counts = np.unique(np.stack([aisle, y]), axis=1, return_counts=True)
        assert counts.max() <= 2


def test_random_storage_is_uniform_over_aisles():
    """Chi-square goodness of fit of the aisle of SKU 0 over many assignments."""
    from scipy.stats import chisquare

    layout = make_layout(n=8, lps=5)
    rng = np.random.default_rng(SEED)
    first_aisles = [assign_storage(layout, 30, None, "random", rng)[0][0] for _ in range(4000)]
    assert chisquare(np.bincount(first_aisles, minlength=8)).pvalue > 1e-4


def test_class_based_zones_nested_by_depot_distance():
    for depot in ("front_left", "front_middle"):
        layout = make_layout(n=9, lps=6, cross=2.0, depot=depot)
        rng = np.random.default_rng(SEED)
        n = 90
        pop = rng.permutation(zipf_popularity(n, 0.8))  # popularity not sorted by id
        aisle, y = assign_storage(layout, n, pop, "class_based", rng, class_shares=(0.2, 0.3, 0.5))
        dist = layout.depot_distance_m(aisle, y)
        ranked = np.argsort(-pop, kind="stable")
        a_cls, b_cls, c_cls = ranked[:18], ranked[18:45], ranked[45:]
        assert dist[a_cls].max() <= dist[b_cls].min() + 1e-12
        assert dist[b_cls].max() <= dist[c_cls].min() + 1e-12
        # the catalogue occupies the n slots nearest the depot
        sa, _, sy = layout.slot_coordinates()
        all_d = np.sort(layout.depot_distance_m(sa, sy))
        assert dist.max() <= all_d[n - 1] + 1e-12


def _mean_tour_distance(layout, aisle, y, pop, policy, rng, n_orders=1500, lines=10):
    skus = rng.choice(len(pop), size=(n_orders, lines), p=pop)
    d = np.array([route_distance(layout, aisle[s], y[s], policy) for s in skus])
    return d.mean(), d.var(ddof=1) / n_orders


@pytest.mark.parametrize("policy", ["return", "s_shape", "largest_gap", "optimal"])
def test_class_based_beats_random_under_skewed_demand(policy):
    layout = make_layout(n=10, lps=10)
    rng = np.random.default_rng(SEED)
    n = layout.capacity
    pop = zipf_popularity(n, 1.0)
    a_r, y_r = assign_storage(layout, n, pop, "random", rng)
    a_c, y_c = assign_storage(layout, n, pop, "class_based", rng)
    m_r, v_r = _mean_tour_distance(layout, a_r, y_r, pop, policy, rng)
    m_c, v_c = _mean_tour_distance(layout, a_c, y_c, pop, policy, rng)
    assert m_c + Z * math.sqrt(v_r + v_c) < m_r


def test_class_based_no_gain_under_uniform_demand():
    """Null check: with uniform demand, orders hit uniformly random slots under
    both policies, so the mean tour length is the same (within the CI)."""
    layout = make_layout(n=10, lps=10)
    rng = np.random.default_rng(SEED)
    n = layout.capacity
    pop = zipf_popularity(n, 0.0)
    a_r, y_r = assign_storage(layout, n, pop, "random", rng)
    a_c, y_c = assign_storage(layout, n, pop, "class_based", rng)
    m_r, v_r = _mean_tour_distance(layout, a_r, y_r, pop, "s_shape", rng, n_orders=4000)
    m_c, v_c = _mean_tour_distance(layout, a_c, y_c, pop, "s_shape", rng, n_orders=4000)
    assert abs(m_c - m_r) <= Z * math.sqrt(v_r + v_c)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("policy", ["random", "class_based"])
def test_catalogue_too_large_raises(policy):
    layout = make_layout(n=2, lps=10)  # capacity 40
    with pytest.raises(ValueError, match=r"100 SKUs.*capacity is 40 slots"):
        assign_storage(layout, 100, zipf_popularity(100, 1.0), policy, np.random.default_rng(SEED))


def test_storage_argument_errors():
    layout = make_layout()
    rng = np.random.default_rng(SEED)
    with pytest.raises(ValueError, match="unknown storage policy"):
        assign_storage(layout, 10, None, "dedicated", rng)
    with pytest.raises(ValueError, match="popularity"):
        assign_storage(layout, 10, np.ones(9), "class_based", rng)
    with pytest.raises(ValueError, match="popularity"):
        assign_storage(layout, 10, None, "class_based", rng)
    with pytest.raises(ValueError, match="sum to 1"):
        assign_storage(layout, 10, np.ones(10), "class_based", rng, class_shares=(0.5, 0.6))
