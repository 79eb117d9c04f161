"""The model's events on SimPy's calendar: ranks settle simultaneous events, and the
SimPy behaviour sim.model.clock relies on (it builds events the way simpy.Timeout does,
through two private attributes) is pinned here."""

from __future__ import annotations

import simpy
from simpy.events import NORMAL, URGENT

from sim.model.clock import (
    DUTY_START,
    JOB_DONE,
    LATER,
    PICKUP,
    RELEASE,
    WAVE,
    call_at,
    job_done_rank,
)


def test_simultaneous_events_run_rank_by_rank_whatever_their_creation_order():
    env = simpy.Environment()
    seen = []
    # Created in the reverse of the order they must run in.
    for name, rank in [("later", LATER), ("pickup", PICKUP), ("duty", DUTY_START), ("wave", WAVE),
                       ("release", RELEASE), ("done w2", job_done_rank(0, 2)),
                       ("done w1", job_done_rank(0, 1)), ("done crew0", JOB_DONE)]:
        call_at(env, 5.0, rank, lambda _e, name=name: seen.append((name, env.now)))
    env.run()
    assert [n for n, _ in seen] == ["done crew0", "done w1", "done w2", "release", "wave", "duty",
                                    "pickup", "later"]
    assert {t for _, t in seen} == {5.0}
    assert job_done_rank(0, 99_999) < job_done_rank(1, 0) < RELEASE


def test_the_simpy_behaviour_the_clock_relies_on():
    """SimPy orders its calendar by (time, priority, creation) and processes an event
    whose ``_ok`` is True and ``_value`` set, calling its callbacks; its own urgent
    events (a process starting, the end of run(until)) use priority 0, ours 1 and up."""
    assert (URGENT, NORMAL) == (0, 1) and JOB_DONE >= NORMAL
    env = simpy.Environment()
    event = call_at(env, 2.0, RELEASE, lambda _e: None)
    assert event._ok is True and event._value is None  # noqa: SLF001 (pinned on purpose)
    assert env._queue[0][:2] == (2.0, RELEASE)  # noqa: SLF001
    hit = []
    call_at(env, 3.0, LATER, lambda e: hit.append((env.now, e.value)))
    env.run(until=3.0)
    assert hit == []  # the end of run(until=3) comes first, at 3.0
    env.run(until=4.0)
    assert hit == [(3.0, None)]
    assert simpy.__version__.split(".")[0] == "4"


def test_a_call_is_on_the_calendar_exactly_as_env_schedule_puts_an_event():
    """Call writes env.schedule out (SimPy's private ``_queue``, ``_now``, ``_eid``): the
    calendar entry, and the events' order among SimPy's own, must be the same."""
    from simpy.events import Event

    from sim.model.clock import Call

    env = simpy.Environment()
    env.run(until=1.5)  # (a clock that is not at zero)
    plain = Event(env)
    plain._ok, plain._value = True, None  # noqa: SLF001 (as Timeout does)
    env.schedule(plain, RELEASE, 2.0)
    call = Call(env, 3.5, RELEASE, lambda _e: None)  # (at 3.5: 2 h from now)
    entries = {id(entry[3]): entry for entry in env._queue}  # noqa: SLF001
    (t0, p0, id0, e0), (t1, p1, id1, e1) = entries[id(plain)], entries[id(call)]
    assert (t0, p0, e0) == (3.5, RELEASE, plain) and (t1, p1, e1) == (3.5, RELEASE, call)
    assert id1 == id0 + 1  # the same counter: creation order among equals is kept
    seen = []
    plain.callbacks.append(lambda _e: seen.append("plain"))
    call.callbacks.append(lambda _e: seen.append("call"))
    timeout = env.timeout(2.0)  # SimPy's own event, created last, same time and priority 1
    timeout.callbacks.append(lambda _e: seen.append("timeout"))
    env.run()
    assert seen == ["timeout", "plain", "call"]  # priority 1 (NORMAL) before RELEASE (2)
    assert env.now == 3.5
