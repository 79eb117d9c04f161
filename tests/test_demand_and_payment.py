"""Demand follows its rates and profiles; payment declines at the configured rate."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.demand import generate_orders, hourly_rate
from sim.model.payment import authorise
from sim.rng import Streams
from sim.scenario.schema import Channel, Payment

from .conftest import tiny


def test_hourly_rate_integrates_to_orders_per_day():
    ch = Channel(orders_per_day=240, hour_of_day_profile=[0] * 8 + [1] * 16,
                 day_of_week_profile=[2, 1, 1, 1, 1, 0, 0])
    rate = hourly_rate(ch, days=7, start_weekday="mon")
    assert rate.sum() == pytest.approx(240 * 7)
    assert rate[:8].sum() == 0 and rate[24 * 5:].sum() == 0
    assert rate[:24].sum() == pytest.approx(2 * rate[24:48].sum())


def test_generated_orders_follow_profile_and_moq():
    scenario = tiny({"horizon.days": 40, "horizon.warmup_days": 0,
                     "demand.channels.web.hour_of_day_profile": [0] * 12 + [1] * 12})
    orders = generate_orders(scenario, Streams(1, 0))
    web = orders.channel == 0
    hours = orders.placed_h[web] % 24
    assert (hours >= 12).all()
    n_web = web.sum()
    expected = 300 * 40
    assert abs(n_web - expected) < 5 * np.sqrt(expected)
    assert np.all(np.diff(orders.placed_h) >= 0)
    wholesale = orders.channel == 1
    assert (orders.below_moq[wholesale] == (orders.units[wholesale] < 12)).all()
    assert not orders.below_moq[web].any()


def test_payment_declines_at_configured_rate():
    cfg = Payment(decline_prob=0.1, soft_decline_share=0.5, retry_prob=1.0, max_attempts=2,
                  auth_time_s=2, retry_delay_min=30)
    out = authorise(cfg, np.arange(200_000, dtype=np.uint64), Streams(3, 0))
    # Fail: hard on attempt 1 (0.05), or soft then declined again on attempt 2 (0.05*0.1).
    p_fail = 0.1 * 0.5 + 0.1 * 0.5 * 0.1
    assert out.failed.mean() == pytest.approx(p_fail, abs=5 * np.sqrt(p_fail / 200_000))
    retried = out.attempts == 2
    assert retried.mean() == pytest.approx(0.05, abs=0.003)
    assert np.allclose(out.delay_h[~retried], 2 / 3600)
    assert np.allclose(out.delay_h[retried], 4 / 3600 + 0.5)
