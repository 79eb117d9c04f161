"""Packing and parcel economics: box choice, billable weight, rates, damage, schema errors.

Property and reference tests only: random inputs are checked against brute force or
closed forms, never against pinned seeded numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from sim.model import packaging as pk
from sim.scenario.packaging import Box, DamageModel, Dunnage, PackagingConfig, RateTable

BOXES = [
    {"name": "M", "length_cm": 30, "width_cm": 20, "height_cm": 10, "max_weight_kg": 10, "cost": 0.5},
    {"name": "XS", "length_cm": 15, "width_cm": 10, "height_cm": 5, "max_weight_kg": 2, "cost": 0.2},
    {"name": "L", "length_cm": 40, "width_cm": 30, "height_cm": 20, "max_weight_kg": 20, "cost": 0.9},
    {"name": "Tube", "length_cm": 90, "width_cm": 8, "height_cm": 8, "max_weight_kg": 5, "cost": 0.7},
    {"name": "S", "length_cm": 20, "width_cm": 15, "height_cm": 10, "max_weight_kg": 5, "cost": 0.3},
]
DUNNAGE = {"kind": "bubble_wrap", "time_per_fragile_unit_s": {"dist": "exponential", "mean": 12},
           "cost_per_fragile_unit": 0.05, "volume_per_fragile_unit_cm3": 150, "protection": 0.7}
RATES = {"weight_breaks_kg": [1, 2, 5, 10, 20, 30, 70],
         "prices": [[4, 5, 7, 9, 14, 20, 45], [5, 6, 9, 12, 18, 26, 60]]}


def cfg(**kw) -> PackagingConfig:
    return PackagingConfig(**{"boxes": BOXES, "dunnage": DUNNAGE, **kw})


def random_orders(rng: np.random.Generator, n: int):
    volume = rng.uniform(0, 26000, n)
    weight = rng.uniform(0, 22, n)
    longest = rng.uniform(1, 95, n)
    fragile = rng.integers(0, 6, n)
    return volume, weight, longest, fragile


# --- box choice ----------------------------------------------------------------------


def brute_force_box(c: PackagingConfig, volume, weight, longest, fragile) -> int:
    per = c.dunnage.volume_per_fragile_unit_cm3 if c.dunnage else 0.0
    best, best_vol = -1, math.inf
    for i, b in enumerate(c.boxes):
        fits = (volume + per * fragile <= c.fill_factor * b.volume_cm3
                and weight <= b.max_weight_kg and longest <= b.longest_cm)
        if fits and b.volume_cm3 < best_vol:
            best, best_vol = i, b.volume_cm3
    return best


@pytest.mark.parametrize("fill_factor", [0.5, 0.8, 1.0])
@pytest.mark.parametrize("with_dunnage", [True, False])
def test_chosen_box_is_smallest_feasible(fill_factor, with_dunnage):
    c = cfg(fill_factor=fill_factor, dunnage=DUNNAGE if with_dunnage else None)
    rng = np.random.default_rng()
    orders = random_orders(rng, 2000)
    got = pk.choose_boxes(c, *orders)
    want = [brute_force_box(c, *o) for o in zip(*orders, strict=True)]
    np.testing.assert_array_equal(got, want)
    assert (got == pk.NO_BOX).any() and (got >= 0).any()  # both cases exercised


def test_order_fitting_no_box_gets_minus_one():
    c = cfg()
    # Too big, too heavy, too long, NaN, and one that fits S (the smallest feasible).
    box = pk.choose_boxes(c, np.array([30000.0, 100, 100, np.nan, 2000]),
                          np.array([1.0, 25, 1, 1, 3]), np.array([10.0, 10, 100, 10, 18]),
                          np.array([0, 0, 0, 0, 0]))
    assert box.tolist() == [-1, -1, -1, -1, 4]
    assert np.isnan(pk.packaging_cost(c, box, np.zeros(5))[:4]).all()
    assert np.isnan(pk.fill_ratio(c, box, np.ones(5))[:4]).all()
    assert np.isnan(pk.box_dims_cm(c, box)[:4]).all()
    assert pk.box_usage(c, box) == {"M": 0, "XS": 0, "L": 0, "Tube": 0, "S": 1}


def test_exact_fit_and_dunnage_pushes_to_bigger_box():
    c = cfg(fill_factor=0.8)
    # XS holds 0.8 * 750 = 600 cm3: 600 fits; 450 + one fragile unit (150 cm3) too; two don't.
    box = pk.choose_boxes(c, np.array([600.0, 450, 450]), np.ones(3), np.full(3, 15.0),
                          np.array([0, 1, 2]))
    assert [c.boxes[i].name for i in box] == ["XS", "XS", "S"]


def test_long_item_goes_to_tube():
    c = cfg()
    box = pk.choose_boxes(c, np.array([500.0]), np.array([1.0]), np.array([80.0]), np.array([0]))
    assert c.boxes[box[0]].name == "Tube"


def test_fill_ratio_and_packaging_cost():
    c = cfg()
    box = np.array([0, 2])  # M (6000 cm3, 0.5), L (24000 cm3, 0.9)
    np.testing.assert_allclose(pk.fill_ratio(c, box, np.array([3000.0, 6000])), [0.5, 0.25])
    np.testing.assert_allclose(pk.packaging_cost(c, box, np.array([0, 4])), [0.5, 0.9 + 4 * 0.05])
    np.testing.assert_allclose(pk.packaging_cost(cfg(dunnage=None), box, np.array([0, 4])), [0.5, 0.9])


# --- order totals --------------------------------------------------------------------


def test_order_totals_match_loop():
    rng = np.random.default_rng()
    n_sku, n = 50, 300
    sku_vol, sku_w = rng.uniform(10, 2000, n_sku), rng.uniform(0.01, 3, n_sku)
    sku_long, sku_frag = rng.uniform(1, 60, n_sku), rng.random(n_sku) < 0.3
    lines = rng.integers(0, 5, n)  # includes empty orders
    line_start = np.concatenate(([0], np.cumsum(lines)))
    line_sku = rng.integers(0, n_sku, line_start[-1])
    line_units = rng.integers(1, 4, line_start[-1])
    vol, w, longest, frag = pk.order_totals(line_start, line_sku, line_units, sku_vol, sku_w,
                                            sku_long, sku_frag)
    for i in range(n):
        s = slice(line_start[i], line_start[i + 1])
        sk, u = line_sku[s], line_units[s]
        assert vol[i] == pytest.approx((u * sku_vol[sk]).sum())
        assert w[i] == pytest.approx((u * sku_w[sk]).sum())
        assert longest[i] == (sku_long[sk].max() if len(sk) else 0.0)
        assert frag[i] == (u * sku_frag[sk]).sum()
    assert frag.dtype == np.int64


def test_order_totals_rejects_bad_line_start():
    with pytest.raises(ValueError, match="line_start"):
        pk.order_totals(np.array([0, 3]), np.array([0, 1]), np.array([1, 1]),
                        np.ones(2), np.ones(2), np.ones(2), np.zeros(2, bool))


# --- dunnage -------------------------------------------------------------------------


def test_dunnage_time_mean_matches_distribution():
    c = cfg()
    rng = np.random.default_rng()
    fragile = rng.integers(0, 4, 20000)
    t = pk.dunnage_time_s(c, fragile, rng.random(int(fragile.sum())))
    assert (t[fragile == 0] == 0).all()
    per_unit = t.sum() / fragile.sum()
    mean = c.dunnage.time_per_fragile_unit_s.mean
    se = mean / math.sqrt(fragile.sum())  # exponential: sd = mean
    assert abs(per_unit - mean) < 5 * se


def test_no_dunnage_means_no_time_no_cost():
    c = cfg(dunnage=None)
    assert (pk.dunnage_time_s(c, np.array([0, 3]), np.random.default_rng().random(3)) == 0).all()
    assert (pk.dunnage_cost(c, np.array([0, 3])) == 0).all()
    assert c.protection == 0


# --- billable weight and shipping ----------------------------------------------------


def test_billable_weight_hand_cases():
    dims = np.array([[30, 20, 10], [30, 20, 10], [40, 30, 20], [np.nan] * 3])
    got = pk.billable_weight_kg(np.array([0.5, 3.0, 2.0, 1.0]), dims, 5000)
    # 6000 / 5000 = 1.2 kg; 24000 / 5000 = 4.8 kg
    np.testing.assert_allclose(got[:3], [1.2, 3.0, 4.8])
    assert np.isnan(got[3])
    assert pk.billable_weight_kg(np.array([0.5]), dims[:1], 6000)[0] == pytest.approx(1.0)


def test_shipping_cost_picks_break_and_zone():
    rate = RateTable(**RATES)
    w = np.array([0.2, 1.0, 1.0001, 4.9, 5.0, 70.0, 70.5, np.nan])
    np.testing.assert_allclose(pk.shipping_cost(rate, 0, w)[:6], [4, 4, 5, 7, 7, 45])
    np.testing.assert_allclose(pk.shipping_cost(rate, 1, w)[:6], [5, 5, 6, 9, 9, 60])
    assert np.isnan(pk.shipping_cost(rate, 0, w)[6:]).all()  # over max rejected; NaN weight
    last = RateTable(**RATES, over_max="last_price")
    got = pk.shipping_cost(last, np.array([0, 1]), np.array([70.5, 500]))
    np.testing.assert_allclose(got, [45, 60])
    assert np.isnan(pk.shipping_cost(last, 0, np.array([np.nan]))[0])
    with pytest.raises(ValueError, match="zone"):
        pk.shipping_cost(rate, np.array([0, 2]), np.array([1.0, 1.0]))


@pytest.mark.parametrize("over_max", ["reject", "last_price"])
def test_shipping_cost_non_decreasing_in_weight(over_max):
    rate = RateTable(**RATES, over_max=over_max)
    w = np.sort(np.random.default_rng().uniform(0, 100, 5000))
    for zone in range(rate.zones):
        cost = pk.shipping_cost(rate, zone, w)
        ok = ~np.isnan(cost)
        assert (np.diff(cost[ok]) >= 0).all()
        assert ok[w <= 70].all()
        assert ok.all() if over_max == "last_price" else not ok[w > 70].any()


def test_end_to_end_shipping_of_chosen_boxes():
    c, rate = cfg(), RateTable(**RATES)
    box = pk.choose_boxes(c, np.array([4700.0]), np.array([0.4]), np.array([25.0]), np.array([0]))
    assert c.boxes[box[0]].name == "M"  # Tube's usable 0.8 x 5760 = 4608 cm3 is too small
    bw = pk.billable_weight_kg(np.array([0.4]), pk.box_dims_cm(c, box), rate.dim_divisor_cm3_per_kg)
    assert bw[0] == pytest.approx(c.boxes[box[0]].volume_cm3 / 5000)


# --- damage --------------------------------------------------------------------------


def test_damage_probability_properties():
    m = DamageModel(base_prob=0.01, fragile_unit_prob=0.05)
    units = np.arange(0, 30)
    p = pk.damage_probability(m, units, 0.3)
    assert p[0] == pytest.approx(0.01)  # 0 fragile units -> base
    assert (np.diff(p) > 0).all()  # monotone in fragile units
    np.testing.assert_allclose(pk.damage_probability(m, units, 1.0), 0.01)  # full protection
    assert (pk.damage_probability(m, units, 0.0) >= p).all()  # less protection, more damage
    assert ((p >= 0) & (p <= 1)).all()
    want = 1 - (1 - 0.01) * (1 - 0.05 * 0.7) ** 4
    assert pk.damage_probability(m, np.array([4]), 0.3)[0] == pytest.approx(want)


# --- load-time warnings --------------------------------------------------------------


def test_unfit_skus_and_warning_line():
    c = cfg()
    vol = np.array([100.0, 30000, 100, 100, 19150, 19100])
    weight = np.array([0.1, 1, 25, 1, 1, 1])
    longest = np.array([5.0, 10, 10, 100, 10, 10])
    fragile = np.array([0, 0, 0, 0, 1, 0], dtype=bool)  # 19150 + 150 > 0.8 * 24000 = 19200
    got = dict(pk.unfit_skus(c, vol, weight, longest, fragile))
    assert sorted(got) == [1, 2, 3, 4]
    assert "cm3" in got[1] and "'L'" in got[1]
    assert "dunnage" not in got[1] and "with dunnage" in got[4]
    assert "kg" in got[2]
    assert "longest" in got[3] and "'Tube'" in got[3]
    assert 5 not in got
    assert pk.unfit_skus(c, vol[:1], weight[:1], longest[:1]) == []
    line = pk.format_unfit_warning(c, "SKU-42", got[1], site="north")
    assert "SKU-42" in line and "'L'" in line and "north" in line


def test_unfit_mixed_reason():
    # Tube is long but weak and thin; L is big but short: a 60 cm, 8 kg item fits neither.
    c = cfg()
    got = pk.unfit_skus(c, np.array([1000.0]), np.array([8.0]), np.array([60.0]))
    assert len(got) == 1 and "together" in got[0][1]


# --- schema --------------------------------------------------------------------------


def _error_text(cls, data) -> str:
    with pytest.raises(ValidationError) as e:
        cls(**data)
    return str(e.value)


@pytest.mark.parametrize("field", ["base_prob", "fragile_unit_prob"])
@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_damage_probability_out_of_range(field, value):
    text = _error_text(DamageModel, {field: value})
    assert field in text and ("greater than or equal to 0" in text or "less than or equal to 1" in text)


@pytest.mark.parametrize("value", [-0.2, 1.2])
def test_protection_out_of_range(value):
    text = _error_text(Dunnage, {**DUNNAGE, "protection": value})
    assert "protection" in text


@pytest.mark.parametrize("value", [0, 1.1])
def test_fill_factor_out_of_range(value):
    assert "fill_factor" in _error_text(PackagingConfig, {"boxes": BOXES, "fill_factor": value})


def test_breaks_not_increasing():
    text = _error_text(RateTable, {**RATES, "weight_breaks_kg": [1, 2, 2, 10, 20, 30, 70]})
    assert "weight_breaks_kg" in text and "strictly increasing" in text


def test_row_length_mismatch():
    text = _error_text(RateTable, {**RATES, "prices": [[4, 5, 7], RATES["prices"][1]]})
    assert "prices" in text and "zone 0" in text and "(7)" in text


def test_prices_decreasing_or_negative():
    assert "non-decreasing" in _error_text(RateTable, {**RATES, "prices": [[4, 3, 7, 9, 14, 20, 45]]})
    assert ">= 0" in _error_text(RateTable, {**RATES, "prices": [[-1, 3, 7, 9, 14, 20, 45]]})


def test_duplicate_box_names():
    text = _error_text(PackagingConfig, {"boxes": [*BOXES, {**BOXES[0], "cost": 9}]})
    assert "boxes" in text and "unique" in text and "'M'" in text


def test_box_bounds_and_unknown_keys():
    assert "height_cm" in _error_text(Box, {**BOXES[0], "height_cm": 0})
    assert "cost" in _error_text(Box, {**BOXES[0], "cost": -1})
    assert "colour" in _error_text(Box, {**BOXES[0], "colour": "brown"})
    assert "boxes" in _error_text(PackagingConfig, {"boxes": []})


def test_valid_config_round_trip():
    c = cfg()
    assert PackagingConfig.model_validate(c.model_dump(by_alias=True)) == c
    assert c.fill_factor == 0.8 and RateTable(**RATES).dim_divisor_cm3_per_kg == 5000
    assert c.dunnage.time_per_fragile_unit_s.mean == 12
