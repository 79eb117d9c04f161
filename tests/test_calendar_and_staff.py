"""Shifts, breaks, pick-ups and business days; workers that respect their duty hours."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.calendar import add_business_days, on_duty_count, pickup_times, shift_duty_intervals
from sim.model.queues import WorkQueue
from sim.model.staff import worker
from sim.scenario.schema import Shift


def test_shift_with_break_and_weekdays():
    shift = Shift(start_h=6, end_h=14, days=["mon", "wed"], breaks=[{"start_h": 10, "minutes": 30}])
    got = shift_duty_intervals(shift, "mon", until_h=7 * 24)
    assert got == [(6, 10), (10.5, 14), (54, 58), (58.5, 62)]


def test_night_shift_crosses_midnight_and_touching_intervals_merge():
    night = Shift(start_h=22, end_h=30, days=["sun"])
    got = shift_duty_intervals(night, "mon", until_h=8 * 24)
    # The Sunday before day 0 still reaches into Monday morning.
    assert got == [(0, 6), (6 * 24 + 22, 7 * 24 + 6)]
    always = Shift(start_h=0, end_h=24, days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    assert shift_duty_intervals(always, "mon", until_h=72) == [(0, 72)]


def test_on_duty_count():
    duty = [[(0, 8), (24, 32)], [(4, 12)]]
    t = np.array([0, 3.9, 4, 7.99, 8, 11.99, 12, 25])
    assert on_duty_count(duty, t).tolist() == [1, 1, 2, 2, 1, 1, 0, 1]


def test_pickups_and_business_days():
    got = pickup_times([12.0, 18.0], ["fri", "mon"], "mon", until_h=8 * 24)
    assert got.tolist() == [12, 18, 4 * 24 + 12, 4 * 24 + 18, 7 * 24 + 12, 7 * 24 + 18]
    # Day 4 is a Friday: one business day later is Monday (day 7); Saturday rolls first.
    assert add_business_days(np.array([4, 5, 0]), np.array([1, 1, 0]), "mon").tolist() == [7, 8, 0]
    assert add_business_days(np.array([0]), np.array([1]), "fri").tolist() == [3]


def _trace(duty, arrivals, service_h):
    """Run one worker on one queue; return [(event, order, time)]."""
    env = simpy.Environment()
    queue = WorkQueue(env)
    log = []

    def serve(order, worker_id):
        log.append(("start", order, env.now))
        yield env.timeout(service_h)
        log.append(("end", order, env.now))

    def feed():
        for order, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            queue.put(order)

    env.process(worker(env, duty, queue, serve, 0))
    env.process(feed())
    env.run(until=100)
    return log


def test_worker_finishes_a_job_but_starts_none_off_duty():
    log = _trace(duty=[(1, 3), (10, 12)], arrivals=[0, 0.5, 2.5, 2.8], service_h=1.0)
    assert log == [
        ("start", 0, 1), ("end", 0, 2),
        ("start", 1, 2), ("end", 1, 3),      # finished at the shift's end
        ("start", 2, 10), ("end", 2, 11),    # waited for the next shift
        ("start", 3, 11), ("end", 3, 12),
    ]


def test_idle_worker_goes_home_at_shift_end():
    log = _trace(duty=[(0, 2), (5, 6)], arrivals=[3], service_h=0.5)
    assert log == [("start", 0, 5), ("end", 0, 5.5)]


def test_always_on_duty():
    log = _trace(duty=[(0, math.inf)], arrivals=[7.25], service_h=2)
    assert log == [("start", 0, 7.25), ("end", 0, 9.25)]


@pytest.mark.parametrize("n_workers", [1, 3])
def test_fifo_order(n_workers):
    env = simpy.Environment()
    queue = WorkQueue(env)
    started = []

    def serve(order, worker_id):
        started.append(order)
        yield env.timeout(1)

    for _ in range(5):
        queue.put(len(queue) + len(started))
    for w in range(n_workers):
        env.process(worker(env, [(0, math.inf)], queue, serve, w))
    env.run(until=10)
    assert started == [0, 1, 2, 3, 4]
