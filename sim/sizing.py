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

# Measured on 0.5.9 (docs/sizing_measurements.md): the peak of the memory every process
# of ``fsim run`` holds together (PSS summed over the process tree, sampled every 50 ms:
# forked workers share pages with the parent) and the wall time, over 21 runs of the
# shipped scenarios (14 to 500 days, 1 to 8 replications, 1 or 2 workers, with and
# without figures, tables, event logs, stock, many SKUs); fitted by hand, within about
# 20% of each run. Re-measure when the model changes.
BASE_BYTES = 140_000_000  # Python, numpy, pandas, pyarrow, SimPy and the model loaded
# A worker process (-w N): its interpreter's own pages (the rest is shared with the
# parent it was forked from), besides the replication it runs.
WORKER_BASE_BYTES = 30_000_000
BYTES_PER_ORDER = 900  # a replication's world, tables and KPIs at its peak, per order
BYTES_PER_LINE = 60  # per order line of the replications running at once
BYTES_PER_SKU = 100  # per SKU of the replications running at once
# With stock: per order, and per SKU and site (each SKU's ledger, and the supplier
# order every SKU at or below its reorder point places at the start, with its event).
STOCK_BYTES_PER_ORDER = 180
STOCK_BYTES_PER_SKU_SITE = 1_100
# A finished replication's world lingers until Python's cycle collector runs when it
# is too small for sim.memory.give_back (under GIVE_BACK_FROM_SLOTS parcels): at most
# one, beside the next one's, in a process that runs several.
LINGERING_ORDERS_AT_MOST = 100_000
# ``fsim run`` keeps each replication's tables on disk as it finishes (writing them:
# ~36 MB of buffers) and holds a little per order and replication until the end.
TABLE_WRITE_BYTES = 36_000_000
BYTES_PER_ORDER_ON_DISK = 150
# Its figures are drawn after the run by up to 3 forked processes from a few columns of
# every replication read back: a phase of its own, after the run's.
FIGURE_BASE_BYTES = 190_000_000
FIGURE_BYTES_PER_ORDER = 1_000  # per order and replication
# Since 0.6.0 the process that draws them is forked as the run starts and imports
# matplotlib at once (sim.figure_process): its own pages, through the run and after
# (measured beside 0.6.0's runs, not refitted: 70-125 MB more than 0.5.9's path).
FIGURE_PROCESS_BYTES = 80_000_000
# With --event-log every replication's tables are held until the logs are written,
# and one replication's log is built at a time.
HELD_BYTES_PER_ORDER = 700  # per order and replication
EVENT_LOG_BYTES_PER_ORDER = 2_200
# Time: start-up, then orders a second per core (a run that keeps no table writes
# none), slower with stock and per SKU and site with stock; figures and event logs
# after the run.
STARTUP_S = 0.8
ORDERS_PER_SECOND = 80_000
ORDERS_PER_SECOND_KPIS_ONLY = 110_000
STOCK_SLOWDOWN = 2.8
STOCK_SECONDS_PER_SKU_SITE = 12e-6
FIGURE_SECONDS = 0.6
FIGURE_SECONDS_PER_ORDER = 2.5e-6  # per order and replication
EVENT_LOG_SECONDS_PER_ORDER = 25e-6  # per order and replication


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
                 on_disk: bool = False, figures: bool = False, event_logs: bool = False) -> RunEstimate:
    """The expected size of ``replications`` replications of ``scenario`` run on
    ``workers`` processes (see the constants for what each term measures).
    ``tables=False``: a run that keeps no table (KPIs only), whose memory does not grow
    with the replications; ``on_disk``: a run that keeps each replication's tables on
    disk as it finishes (``fsim run`` without event logs); ``figures``: it draws
    ``fsim run``'s figures afterwards; ``event_logs``: it writes event logs (and holds
    every replication's tables for them)."""
    hz = scenario.horizon
    orders = lines = 0.0
    for channel in scenario.demand.channels.values():
        n = expected_orders(channel, hz.days, hz.start_weekday)
        orders += n
        lines += n * expected_lines_per_order(channel.lines_per_order)
    skus = scenario.catalogue.skus
    stock = scenario.inventory is not None
    sku_sites = skus * len(scenario.sites) if stock else 0
    concurrent = max(1, min(workers, replications))
    # One replication at its peak.
    running = (orders * (BYTES_PER_ORDER + (STOCK_BYTES_PER_ORDER if stock else 0))
               + lines * BYTES_PER_LINE + skus * BYTES_PER_SKU + sku_sites * STOCK_BYTES_PER_SKU_SITE)
    if concurrent == 1:
        peak = BASE_BYTES + running
        if replications > 1:  # (the last one's world, if too small to be given back at once)
            peak += min(orders, LINGERING_ORDERS_AT_MOST) * BYTES_PER_ORDER
    else:  # the parent, and each worker: its own pages and its replication
        peak = BASE_BYTES + concurrent * (WORKER_BASE_BYTES + running)
    if tables and (on_disk or not event_logs):
        if on_disk:
            peak += TABLE_WRITE_BYTES + (replications - 1) * orders * BYTES_PER_ORDER_ON_DISK
        else:  # every replication's tables held until the end
            peak += (replications - 1) * orders * HELD_BYTES_PER_ORDER
    log_phase = 0.0
    if event_logs:  # after the run: every replication's tables, one replication's log
        log_phase = BASE_BYTES + replications * orders * HELD_BYTES_PER_ORDER + orders * EVENT_LOG_BYTES_PER_ORDER
    figure_phase = 0.0
    if figures:  # after the run: the figure workers, and the columns they read back
        figure_phase = BASE_BYTES + FIGURE_BASE_BYTES + FIGURE_PROCESS_BYTES + replications * orders * (
            FIGURE_BYTES_PER_ORDER + (STOCK_BYTES_PER_ORDER if stock else 0))
        peak += FIGURE_PROCESS_BYTES  # (beside the run, from its start)
    peak = max(peak, log_phase, figure_phase)
    rate = ORDERS_PER_SECOND if tables else ORDERS_PER_SECOND_KPIS_ONLY
    per_replication_s = orders / rate * (STOCK_SLOWDOWN if stock else 1.0) + sku_sites * STOCK_SECONDS_PER_SKU_SITE
    seconds = STARTUP_S + math.ceil(replications / concurrent) * per_replication_s
    if figures:
        seconds += FIGURE_SECONDS + replications * orders * FIGURE_SECONDS_PER_ORDER
    if event_logs:
        seconds += replications * orders * EVENT_LOG_SECONDS_PER_ORDER
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


def _cgroup_headroom(proc_cgroup: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup") -> int | None:
    """The least limit-minus-usage of this process's memory control groups: its own
    (named in /proc/self/cgroup: a batch job's or a service's, where the container does
    not make it the root) and each above it, v2 (``memory.max``) or v1
    (``memory.limit_in_bytes``); None where none sets a limit."""
    v2 = ("memory.max", "memory.current")
    v1 = ("memory.limit_in_bytes", "memory.usage_in_bytes")
    places: list[tuple[Path, tuple[str, str]]] = []
    try:
        for line in Path(proc_cgroup).read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controllers == "":  # v2 (or the unified part of a hybrid mount)
                places += [(Path(root) / path.lstrip("/"), v2), (Path(root) / "unified" / path.lstrip("/"), v2)]
            elif "memory" in controllers.split(","):
                places.append((Path(root) / "memory" / path.lstrip("/"), v1))
    except (OSError, ValueError):
        pass
    places += [(Path(root), v2), (Path(root) / "memory", v1)]  # (the root: a container's own)
    headroom = []
    seen: set[Path] = set()
    for start, (limit_name, usage_name) in places:
        here = start
        while True:  # this group and every one above it, up to the mount
            if here not in seen:
                seen.add(here)
                room = _headroom(here / limit_name, here / usage_name)
                if room is not None:
                    headroom.append(room)
            if here == Path(root) or here.parent == here or Path(root) not in here.parents:
                break
            here = here.parent
    return min(headroom) if headroom else None


def _headroom(limit_file: Path, usage_file: Path) -> int | None:
    try:
        limit = limit_file.read_text().strip()
        usage = int(usage_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if limit == "max" or not limit.isdigit() or int(limit) >= 2**60:
        return None  # no limit set
    return max(0, int(limit) - usage)


CLI_ADVICE = ("shorten horizon.days, lower orders_per_day, run fewer --replications or "
              "--workers, or pass --no-size-check to run it anyway (the estimate is rough)")


def run_advice(scenario, available_bytes: float, replications: int, workers: int = 1,
               tables: bool = True, on_disk: bool = False, figures: bool = False,
               event_logs: bool = False, precision: bool = False) -> str:
    """How to make an ``fsim run`` fit ``available_bytes``: the options that would
    (each tried alone, by the same estimate: a change that saves nothing is not
    suggested), then the changes to the scenario, and the way to run it anyway."""
    options = dict(replications=replications, workers=workers, tables=tables, on_disk=on_disk,
                   figures=figures, event_logs=event_logs)

    def fits(**change) -> bool:
        return estimate_run(scenario, **{**options, **change}).peak_memory_bytes <= available_bytes

    helps = []
    if figures and fits(figures=False):
        helps.append("--no-figures")
    if event_logs and fits(event_logs=False, on_disk=True):
        helps.append("no --event-log")
    if tables and fits(tables=False, figures=False, event_logs=False, on_disk=True):
        helps.append("--outputs kpis (the KPIs only)")
    if workers > 1 and fits(workers=1):
        helps.append("fewer --workers")
    if replications > 1 and fits(replications=1):
        helps.append("a lower --max-replications" if precision else "fewer --replications")
    first = f"it would fit with {' or with '.join(helps)}; or " if helps else ""
    skus = " or catalogue.skus" if scenario.inventory is not None else ""
    return (f"{first}shorten horizon.days, lower orders_per_day{skus}, or pass --no-size-check to run "
            "it anyway (the estimate is rough)")


TASKS_ADVICE = ("shorten horizon.days, lower orders_per_day, or pass --no-size-check to run it "
                "anyway (the estimate is rough)")


def check_tasks_fit(scenarios, executor: str, workers: int | None, scheduler: str | None = None,
                    tables: bool = False) -> None:
    """For a command that runs replications of several scenarios as tasks (``fsim
    compare``, ``fsim sweep``, ``fsim staff``): refuse, as :func:`check_fits` does, when
    its workers, each running a replication of the largest scenario at once, would not
    fit (KPIs only unless ``tables``). A cluster's workers (``scheduler``) are not on
    this machine: not checked."""
    if scheduler is not None or not scenarios:
        return
    from sim.sweep.executors import default_workers

    at_once = 1 if executor == "serial" else (workers or default_workers())
    largest = max((estimate_run(s, at_once, at_once, tables=tables) for s in scenarios),
                  key=lambda e: e.peak_memory_bytes)
    available = available_memory_bytes()
    if available is None or largest.peak_memory_bytes <= available:
        return
    raise ScenarioError([
        f"these runs are too big for this machine's memory: {at_once} replication(s) at once (one "
        f"per worker) of up to about {largest.orders_per_replication:,.0f} orders need about "
        f"{format_bytes(largest.peak_memory_bytes)}, but {format_bytes(available)} is available",
        ("run fewer --workers (each holds a replication), " if at_once > 1 else "") + TASKS_ADVICE,
    ])


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
