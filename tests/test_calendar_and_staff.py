"""Shifts, breaks, pick-ups and business days; workers that respect their duty hours."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.calendar import add_business_days, pickup_times, shift_duty_intervals
from sim.model.clock import RELEASE, call_at
from sim.model.queues import Arrivals, TimedItems, WorkQueue
from sim.model.staff import Crew, Pool
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


def test_workers_on_duty_averaged_over_intervals():
    """The time series' on-duty counts: the exact average over each interval (by hand:
    one worker 0-8 and 24-32 h, another 4-12 h)."""
    from sim.kpis.pools import _mean_over_steps

    spans = np.array([(0, 8), (24, 32), (4, 12)], dtype=float)
    edges = np.array([0, 4, 8, 12, 24, 32, 33], dtype=float)
    assert _mean_over_steps(spans[:, 0], spans[:, 1], edges).tolist() == [1, 2, 1, 0, 1, 0]
    halves = np.array([0, 6, 12], dtype=float)  # 0-6 h: 6 h + 2 h; 6-12 h: 2 h + 6 h
    assert _mean_over_steps(spans[:, 0], spans[:, 1], halves).tolist() == pytest.approx([8 / 6, 8 / 6])


def test_pickups_and_business_days():
    got = pickup_times([12.0, 18.0], ["fri", "mon"], "mon", until_h=8 * 24)
    assert got.tolist() == [12, 18, 4 * 24 + 12, 4 * 24 + 18, 7 * 24 + 12, 7 * 24 + 18]
    # Day 4 is a Friday: one business day later is Monday (day 7); Saturday rolls first.
    assert add_business_days(np.array([4, 5, 0]), np.array([1, 1, 0]), "mon").tolist() == [7, 8, 0]
    assert add_business_days(np.array([0]), np.array([1]), "fri").tolist() == [3]
    # A carrier counts transit from the business day after the pick-up: Saturday (5) or
    # Sunday (6) plus one day is Monday (7), as Friday (4) plus one ("UPS Ground on
    # Saturday": picked up on Saturday for delivery on Monday); weekdays as before.
    days, one, two = np.array([4, 5, 6, 7]), np.ones(4, dtype=int), np.full(4, 2)
    assert add_business_days(days, one, "mon", weekend_counts_from="friday").tolist() == [7, 7, 7, 8]
    assert add_business_days(days, two, "mon", weekend_counts_from="friday").tolist() == [8, 8, 8, 9]
    assert add_business_days(days, one, "mon").tolist() == [7, 8, 8, 8]  # (a promise: from Monday)


def test_a_saturday_pick_up_delivers_a_one_day_parcel_on_monday():
    """Saturday pick-ups made the warehouse faster but no parcel arrive sooner: transit
    counted from the Monday, so a Saturday pick-up arrived with Monday's."""
    import sim
    from sim.model.world import run_replication

    from .conftest import SCENARIOS

    s = sim.load_scenario(SCENARIOS / "baseline.yaml", {
        "horizon.days": 14, "horizon.warmup_days": 2,
        "carriers.ground.pickup_days": ["mon", "tue", "wed", "thu", "fri", "sat"]})
    sh = run_replication(s, 0, 3).shipments
    shipped_day = (sh["shipped_h"] // 24).to_numpy()
    delivered_day = (sh["delivered_h"] // 24).to_numpy()
    saturday = (shipped_day % 7 == 5) & (sh["transit_business_days"] == 1).to_numpy() & sh["delivered_h"].notna().to_numpy()
    assert saturday.sum() > 100
    assert ((delivered_day[saturday] - shipped_day[saturday]) == 2).all()  # Monday


def _trace(duty, arrivals, service_h, lazy=False, workers=1):
    """Run a crew on one queue; return [(event, order, worker, time)]. ``lazy``: the
    orders come as known arrivals (no event each) instead of being put in one by one."""
    env = simpy.Environment()
    log = []
    if lazy:
        queue = WorkQueue(env, arrivals=Arrivals(np.asarray(arrivals, dtype=float),
                                                 np.arange(len(arrivals)), lambda o, t: None))
    else:
        queue = WorkQueue(env)
        for order, t in enumerate(arrivals):
            call_at(env, t, RELEASE, lambda _e, order=order: queue.put(order))

    def start(order, w, _now):
        log.append(("start", order, w, env.now))
        return service_h

    def finish(order, started, w, _now):
        log.append(("end", order, w, env.now))

    Crew(env, Pool("s", "pickers", duty=[duty] * workers), queue, start, finish, 0)
    env.run(until=100)
    return log


@pytest.mark.parametrize("lazy", [False, True])
def test_worker_finishes_a_job_but_starts_none_off_duty(lazy):
    log = _trace(duty=[(1, 3), (10, 12)], arrivals=[0, 0.5, 2.5, 2.8], service_h=1.0, lazy=lazy)
    assert log == [
        ("start", 0, 0, 1), ("end", 0, 0, 2),
        ("start", 1, 0, 2), ("end", 1, 0, 3),      # finished at the shift's end
        ("start", 2, 0, 10), ("end", 2, 0, 11),    # waited for the next shift
        ("start", 3, 0, 11), ("end", 3, 0, 12),
    ]


@pytest.mark.parametrize("lazy", [False, True])
def test_idle_worker_goes_home_at_shift_end(lazy):
    log = _trace(duty=[(0, 2), (5, 6)], arrivals=[3], service_h=0.5, lazy=lazy)
    assert log == [("start", 0, 0, 5), ("end", 0, 0, 5.5)]


@pytest.mark.parametrize("lazy", [False, True])
def test_always_on_duty(lazy):
    log = _trace(duty=[(0, math.inf)], arrivals=[7.25], service_h=2, lazy=lazy)
    assert log == [("start", 0, 0, 7.25), ("end", 0, 0, 9.25)]


@pytest.mark.parametrize("lazy", [False, True])
def test_ties_are_settled_by_rule_not_by_event_order(lazy):
    """Work released at the instant a shift ends waits for the next shift (no job is
    begun at the end of a duty interval), work released at the instant a shift starts
    is taken at once, and a job that ends at the instant of a release lets the lowest
    numbered free worker take the new work."""
    log = _trace(duty=[(0, 2), (4, 6)], arrivals=[2.0, 4.0], service_h=0.5, lazy=lazy)
    assert log == [("start", 0, 0, 4), ("end", 0, 0, 4.5), ("start", 1, 0, 4.5), ("end", 1, 0, 5.0)]
    # Two workers; worker 1 is busy until 1.0 exactly, when order 1 is released while
    # worker 0 is free: worker 0 (the lowest number) takes it.
    # (Who does what, when, is the rule's; the order the log lines were written in at
    # one instant is not.)
    log = _trace(duty=[(0, 10)], arrivals=[0.0, 0.0, 1.0, 1.0], service_h=1.0, lazy=lazy, workers=2)
    assert sorted(log, key=lambda e: (e[3], e[0] == "start", e[1])) == [
        ("start", 0, 0, 0), ("start", 1, 1, 0),
        ("end", 0, 0, 1.0), ("end", 1, 1, 1.0),
        ("start", 2, 0, 1.0), ("start", 3, 1, 1.0),
        ("end", 2, 0, 2.0), ("end", 3, 1, 2.0)]


@pytest.mark.parametrize("lazy", [False, True])
def test_workers_coming_on_duty_together_take_work_lowest_number_first(lazy):
    """Worker 1's duty at 5.0 was scheduled before worker 0's (its previous interval
    started first); at 5.0 both come on duty and worker 0, the lower number, takes the
    order waiting since 3.0: the rule, not the order the events were created in."""
    env = simpy.Environment()
    log = []
    if lazy:
        queue = WorkQueue(env, arrivals=Arrivals(np.array([3.0]), np.array([0]), None))
    else:
        queue = WorkQueue(env)
        call_at(env, 3.0, RELEASE, lambda _e: queue.put(0))
    duty = [[(1.0, 2.0), (5.0, 10.0)], [(0.0, 1.0), (5.0, 10.0)]]
    Crew(env, Pool("s", "pickers", duty=duty), queue, lambda order, w, now: log.append((order, w, now)) or 1.0,
         lambda *a: None, 0)
    env.run(until=10)
    assert log == [(0, 0, 5.0)]


@pytest.mark.parametrize("n_workers", [1, 3])
def test_fifo_order(n_workers):
    env = simpy.Environment()
    queue = WorkQueue(env)
    started = []
    for order in range(5):
        queue.put(order)

    def start(order, w, _now):
        started.append(order)
        return 1.0

    Crew(env, Pool("s", "pickers", duty=[[(0, math.inf)]] * n_workers), queue, start,
         lambda *a: None, 0)
    env.run(until=10)
    assert started == [0, 1, 2, 3, 4]


def test_priorities_first_then_release_time():
    env = simpy.Environment()
    prio = {0: 0, 1: 5, 2: 0, 3: 5}
    queue = WorkQueue(env, priority_of=prio.__getitem__)
    for order, t in enumerate([0.0, 0.1, 0.05, 0.2]):
        call_at(env, t, RELEASE, lambda _e, order=order: queue.put(order))
    started = []
    call_at(env, 1.0, RELEASE, lambda _e: None)

    def start(order, w, _now):
        started.append(order)
        return 1.0

    Crew(env, Pool("s", "pickers", duty=[[(0.5, math.inf)]]), queue, start, lambda *a: None, 0)
    env.run(until=10)
    assert started == [1, 3, 0, 2]


def test_busy_time_counts_only_on_duty_hours():
    """Utilisation is the share of on-duty time spent busy: a job that runs past the end
    of a shift (overtime) counts only up to it. Hand-computed cases."""
    from sim.kpis.pools import busy_on_duty, on_duty_until

    duty = [(0.0, 4.0), (5.0, 8.0)]
    t = np.array([-1.0, 0.0, 2.0, 4.5, 6.0, 9.0])
    assert on_duty_until(duty, t, 0.0, 10.0).tolist() == [0.0, 0.0, 2.0, 4.0, 5.0, 7.0]
    assert on_duty_until(duty, t, 1.0, 6.0).tolist() == [0.0, 0.0, 1.0, 3.0, 4.0, 4.0]
    jobs_w = np.array([0, 0, 1])
    start, end = np.array([3.0, 4.5, 0.0]), np.array([4.5, 5.5, 1.0])
    # Worker 0: 3-4.5 -> 1 h on duty; 4.5-5.5 -> 0.5 h; worker 1 (always on): 1 h.
    got = busy_on_duty({0: duty, 1: [(0.0, math.inf)]}, jobs_w, start, end, 0.0, 10.0)
    assert got == pytest.approx(2.5)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 65536])
def test_timed_items_are_taken_in_time_order_across_chunks(chunk, monkeypatch):
    """Items due at known times are read a chunk at a time: whatever the chunk size, each
    is taken once, in time order (ties in the order given), by the first look at or
    after its time (at it only when inclusive), and ``peek`` is always the next one."""
    monkeypatch.setattr(TimedItems, "CHUNK", chunk)
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0, 100, 300))
    times[10:13] = times[10]  # a tie
    timed = TimedItems(times, np.arange(300))
    taken = []
    for now in np.r_[np.linspace(0, 101, 57), times[10]]:
        inclusive = bool(int(now) % 2)
        got = timed.take(now, inclusive)
        assert all(t < now or (inclusive and t == now) for _, t in got)
        taken += got
        assert timed.peek == timed.next_h() and (timed.peek > now or (not inclusive and timed.peek == now))
    assert [item for item, _ in taken] == list(range(300))
