"""How big a run will be, before it starts: expected orders and order lines, peak
memory and wall time; and a check that the memory fits the machine.

The expected counts are exact expectations of the demand model (a Poisson process
whose rate is ``orders_per_day`` shaped by hour-of-day and day-of-week weights, each
normalised to mean 1, with a horizon that may end mid-hour). Memory and time are
rough: a fixed base plus so much per order, per order line and per SKU, measured on
the current model (see the constants). They are meant to tell a run of an hour or
a terabyte from a normal one, not to budget a run to the megabyte.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from sim.errors import ScenarioError
from sim.units import HOURS_PER_DAY

# Measured on the model of 0.4 (before the orders/shipments rewrite) with
# ``/usr/bin/time -v fsim run scenarios/baseline.yaml -q --no-figures`` (peak resident
# memory, user + system CPU) at horizon.days = 7, 14, 28, 56, 112 with -r 1, at 28 days
# with -r 2 and -r 4, at 28 days with 4 lines per order, and at 7 days with 500,000
# SKUs; least squares over those runs (figures in docs/sizing_measurements.md; a 365-day
# run needed 805 MB against 1,041 MB estimated: longer runs are overestimated). The
# per-order figure covers everything a replication holds per order, working state and
# result tables alike: the results of every replication stay in memory until written
# (unless the run keeps no table: ``estimate_run(tables=False)``).
# Re-measured on the 0.5 model (one row per order, parcels in a columnar table) with
# the same command at horizon.days = 14, 28, 56, 112, 224 (27,889 to
# 448,072 orders): least squares gave 194 MB + 1,089 B per order and 19,700 orders/s
# per core. Re-measure when the model changes.
BASE_BYTES = 195_000_000  # Python, numpy, pandas, pyarrow, SimPy and the model loaded
# A worker process (-w N): its interpreter's own pages (a forked worker shares the
# rest with the parent; measured 170 MB resident per worker at -r 2 -w 2, 28 days).
WORKER_BASE_BYTES = 100_000_000
BYTES_PER_ORDER = 1_100  # per order and replication, until the results are written
BYTES_PER_LINE = 60  # per order line of the replications running at once
BYTES_PER_SKU = 60  # per SKU of the replications running at once
ORDERS_PER_SECOND = 20_000  # one replication on one core (measured: 21,600)
# ``fsim run`` keeps each replication's tables on disk as it finishes and combines them
# from there; its figures read back a few columns of every replication. Measured
# (0.5.4): 34 MB more peak per replication of 69,806 orders, ``fsim run
# scenarios/baseline.yaml -r 6`` against ``-r 1`` (418 MB against 257 MB).
BYTES_PER_ORDER_ON_DISK = 500


@dataclass(frozen=True)
class RunEstimate:
    """The expected size of a run. Counts are per replication; memory is the estimated
    peak over all processes, in bytes; time in seconds of wall clock."""

    replications: int
    workers: int
    orders_per_replication: float
    lines_per_replication: float
    skus: int
    peak_memory_bytes: float
    wall_time_s: float

    @property
    def orders_total(self) -> float:
        return self.orders_per_replication * self.replications

    def describe(self) -> str:
        """One line for the user, e.g. ``about 70,000 orders per replication x 3
        replications; about 1.2 GB of memory and 20 s``."""
        reps = f"{self.replications:,} replication{'s' if self.replications != 1 else ''}"
        return (f"about {self.orders_per_replication:,.0f} orders per replication x {reps}; "
                f"about {format_bytes(self.peak_memory_bytes)} of memory and "
                f"{format_seconds(self.wall_time_s)}")


def expected_orders(channel, days: float, start_weekday: str) -> float:
    """The expected number of orders a channel places over ``days`` (the mean of the
    Poisson process of :mod:`sim.model.demand`): ``orders_per_day / 24`` per hour,
    times the hour's and the weekday's weight (each profile normalised to mean 1),
    summed over the hours of the horizon, a last partial hour counting its fraction."""
    from sim.scenario.schema import WEEKDAYS

    hod = _normalised(channel.hour_of_day_profile, 24)
    dow = _normalised(channel.day_of_week_profile, 7)
    first = WEEKDAYS.index(start_weekday)
    per_hour = channel.orders_per_day / HOURS_PER_DAY
    week = [per_hour * hod[h % 24] * dow[(h // 24 + first) % 7] for h in range(168)]
    hours = days * HOURS_PER_DAY
    whole = math.floor(hours)
    weeks, rest = divmod(whole, 168)
    return weeks * sum(week) + sum(week[:rest]) + (hours - whole) * week[rest]


def _normalised(weights: list[float] | None, n: int) -> list[float]:
    if weights is None:
        return [1.0] * n
    mean = sum(weights) / len(weights)
    return [w / mean for w in weights]


def expected_lines_per_order(dist) -> float:
    """Mean lines of an order: the model draws ``max(lines, 1)``, so E[max(L, 1)] =
    E[L] + P(L = 0)."""
    return dist.mean + _p_zero(dist)


def _p_zero(dist) -> float:
    """P(count = 0) for the count distributions of :mod:`sim.dists`."""
    kind = dist.dist
    if kind == "constant":
        return float(dist.value == 0)
    if kind == "poisson":
        return math.exp(-dist.mean) if dist.shift == 0 else 0.0
    if kind == "uniform":
        return 1 / (dist.high - dist.low + 1) if dist.low == 0 else 0.0
    if kind == "empirical":
        weights = dist.weights or [1.0] * len(dist.values)
        return sum(w for v, w in zip(dist.values, weights, strict=True) if v == 0) / sum(weights)
    return 0.0  # geometric: 1, 2, 3...


def estimate_run(scenario, replications: int, workers: int = 1, tables: bool = True,
                 on_disk: bool = False) -> RunEstimate:
    """The expected size of ``replications`` replications of ``scenario`` run on
    ``workers`` processes; ``tables=False``: a run that keeps no table (KPIs only), whose
    memory does not grow with the replications; ``on_disk``: a run that keeps each
    replication's tables on disk as it finishes (``fsim run``), whose memory grows with
    the replications only by what its figures read back."""
    hz = scenario.horizon
    orders = lines = 0.0
    for channel in scenario.demand.channels.values():
        n = expected_orders(channel, hz.days, hz.start_weekday)
        orders += n
        lines += n * expected_lines_per_order(channel.lines_per_order)
    skus = scenario.catalogue.skus
    concurrent = max(1, min(workers, replications))
    running = lines * BYTES_PER_LINE + skus * BYTES_PER_SKU
    # Replications whose per-order results this process holds at once: all of them
    # until written; without tables only the one it runs (none with workers).
    held = replications if tables and not on_disk else (1 if concurrent == 1 else 0)
    peak = BASE_BYTES + held * orders * BYTES_PER_ORDER + concurrent * running
    if tables and on_disk:
        peak += replications * orders * BYTES_PER_ORDER_ON_DISK
    if concurrent > 1:  # each worker process: its own pages and its replication's
        peak += concurrent * (WORKER_BASE_BYTES + orders * BYTES_PER_ORDER)
    seconds = replications * orders / ORDERS_PER_SECOND / concurrent
    return RunEstimate(replications=replications, workers=workers,
                       orders_per_replication=orders, lines_per_replication=lines, skus=skus,
                       peak_memory_bytes=peak, wall_time_s=seconds)


def available_memory_bytes() -> int | None:
    """Memory this process may still use, in bytes: the kernel's MemAvailable, or less
    where a control group (a container) sets a lower limit; ``os.sysconf`` where there
    is no /proc; None if nothing says."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    found += [n for n in (_cgroup_headroom(),) if n is not None]
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None
    return min(found)


def _cgroup_headroom() -> int | None:
    """Limit minus usage of this process's memory control group (v2, then v1)."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or not limit.isdigit() or int(limit) >= 2**60:
            return None  # no limit set
        return max(0, int(limit) - usage)
    return None


CLI_ADVICE = ("shorten horizon.days, lower orders_per_day, run fewer --replications or "
              "--workers, or pass --no-size-check to run it anyway (the estimate is rough)")


def check_fits(estimate: RunEstimate, available_bytes: int | None = None,
               advice: str = CLI_ADVICE) -> None:
    """Raise :class:`ScenarioError` (exit code 2) when the run's estimated peak memory
    exceeds ``available_bytes`` (default: :func:`available_memory_bytes`), with the
    figures and ``advice``: how to make it fit (by default the command line's options,
    and the way to run it anyway)."""
    available = available_memory_bytes() if available_bytes is None else available_bytes
    if available is None or estimate.peak_memory_bytes <= available:
        return
    raise ScenarioError([
        f"this run is too big for this machine's memory: {estimate.describe()}, but "
        f"{format_bytes(available)} is available",
        advice,
    ])


def format_bytes(n: float) -> str:
    """``1.2 GB`` (decimal units, 3 significant figures at most)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.3g} {unit}" if n / size < 1000 else f"{n / size:,.0f} {unit}"
    return f"{n:,.0f} bytes"


def format_seconds(s: float) -> str:
    """``40 s``, ``12 min``, ``3.5 h``, ``2.1 days``."""
    if s < 90:
        return f"{max(s, 1):.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.0f} min"
    if s < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:,.1f} days"
