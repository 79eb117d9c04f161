"""Direction checks: more pickers never lengthen the mean pick wait; a higher error
rate never raises picking accuracy."""

from __future__ import annotations

import numpy as np

import sim

from .conftest import tiny


def _pick_wait(scenario, reps=3):
    result = sim.run(scenario, replications=reps, seed=21)
    return result.kpis["pick_wait_hours_mean"].to_numpy()


def test_more_pickers_never_lengthen_the_mean_pick_wait():
    waits = []
    for pickers in (1, 2, 3, 5, 8):
        scenario = tiny({"warehouses.west.staff.pickers": pickers,
                         "warehouses.east.staff.pickers": pickers,
                         "demand.channels.web.orders_per_day": 500})
        waits.append(_pick_wait(scenario))
    means = [w.mean() for w in waits]
    # With common random numbers the comparison holds replication by replication.
    for fewer, more in zip(waits, waits[1:], strict=False):
        assert (more <= fewer + 1e-12).all(), means
    assert means[0] > means[-1]


def test_higher_error_rate_never_raises_accuracy():
    acc = []
    for p in (0.0, 0.01, 0.05, 0.2):
        scenario = tiny({"warehouses.west.picking.error_prob_per_line": p,
                         "warehouses.east.picking.error_prob_per_line": p})
        acc.append(sim.run(scenario, replications=2, seed=8).kpis["picking_accuracy_pct"].to_numpy())
    assert (acc[0] == 100).all()
    for lo, hi in zip(acc[1:], acc, strict=False):
        assert (lo <= hi).all()
    assert np.mean(acc[-1]) < 99
