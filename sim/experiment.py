"""Replications: run a scenario N times (in parallel processes if asked) and collect
per-order records, per-replication KPIs, time series and the summary.

Replication ``r`` of seed ``s`` uses ``SeedSequence(s, spawn_key=(r, ...))`` whatever
process runs it, so ``workers=1`` and ``workers=N`` give identical results.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial

import numpy as np
import pandas as pd

from sim import __version__, memory
from sim.kpis import replication_kpis
from sim.kpis.pools import SATURATION_MEANING, pool_timeseries, saturated_pools_text
from sim.kpis.registry import base_of
from sim.model.warnings import scenario_warnings
from sim.model.world import RunResult, run_replication
from sim.processes import progress_slots, report_progress, stop_now, worker_pool
from sim.scenario.loader import scenario_to_yaml
from sim.scenario.schema import Scenario
from sim.stats import summarise_kpis

PROGRESS_POLL_S = 1.0  # how often a run with worker processes reads their progress
TIMESERIES_STEP_H = 0.25  # the grid of timeseries.parquet (queues and staff, for figures)

# (replications finished, replications in all, fraction of the current one done)
ProgressCallback = Callable[[int, int, float], None]


@dataclass
class ReplicationOutput:
    """What one replication sends back to the parent process."""

    replication: int
    orders: pd.DataFrame
    shipments: pd.DataFrame
    kpis: dict[str, float]
    lower_bounds: dict[str, float]  # censored KPIs: a lower bound of their value
    saturated: list[str]  # saturated pools, "site.role"
    timeseries: pd.DataFrame
    tours: pd.DataFrame
    label_jobs: pd.DataFrame
    warnings: list[str]
    inventory: pd.DataFrame
    stock_levels: pd.DataFrame
    pid: int  # the process that ran it (shows whether a run really went parallel)
    seed: int = 0
    end_h: float = 0.0
    shipment_lines: pd.DataFrame = field(default_factory=pd.DataFrame)
    supplier_orders: pd.DataFrame = field(default_factory=pd.DataFrame)

    # The tables that grow with the orders (the inventory statement, a few rows per
    # site, is kept).
    TABLES = ("orders", "shipments", "timeseries", "tours", "label_jobs", "stock_levels",
              "shipment_lines", "supplier_orders")

    def drop_tables(self) -> None:
        """Let go of the tables that grow with the orders, once the caller has kept them
        elsewhere (``fsim run`` keeps each replication on disk, and combines the tables
        from there: :func:`sim.outputs.write_results`); the KPIs, warnings and the
        inventory statement stay."""
        for name in self.TABLES:
            setattr(self, name, pd.DataFrame())


@dataclass
class Result:
    """The outcome of :func:`run`.

    ``orders``: one row per customer order and replication (README, orders.parquet);
    ``shipments``: one row per parcel sent (README, shipments.parquet);
    ``kpis``: one row per replication (one column per KPI; NaN where undefined or
    censored: ``lower_bounds[r]`` gives a bound for each censored one); ``timeseries``: staff pools over time;
    ``tours``: one row per picking tour; ``label_jobs``: one row per bulk label print;
    ``inventory``: the inventory statement per site; ``stock_levels``: units on hand;
    ``summary``: the dict written to ``summary.json``.
    """

    scenario: Scenario
    orders: pd.DataFrame
    shipments: pd.DataFrame
    kpis: pd.DataFrame
    timeseries: pd.DataFrame
    lower_bounds: list[dict[str, float]] = field(default_factory=list)
    saturated: list[list[str]] = field(default_factory=list)  # per replication
    tours: pd.DataFrame = field(default_factory=pd.DataFrame)
    label_jobs: pd.DataFrame = field(default_factory=pd.DataFrame)
    inventory: pd.DataFrame = field(default_factory=pd.DataFrame)
    stock_levels: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: dict = field(default_factory=dict)
    worker_pids: list[int] = field(default_factory=list)  # per replication
    # For event logs (sim.eventlog): the lines of each parcel, supplier orders, and the
    # end of the run in hours.
    shipment_lines: pd.DataFrame = field(default_factory=pd.DataFrame)
    supplier_orders: pd.DataFrame = field(default_factory=pd.DataFrame)
    end_h: float = 0.0


def run_one(scenario: Scenario, replication: int, seed: int,
            progress: Callable[[float], None] | None = None, tables: bool = True) -> ReplicationOutput:
    """Run and measure one replication (no I/O, no global state: any process can).
    ``tables=False``: send back the KPIs and warnings only, every table empty (a run
    that writes no table holds none, however many replications it runs)."""
    result = run_replication(scenario, replication, seed, progress)
    kpis = replication_kpis(result, scenario)
    if tables:
        timeseries = pool_timeseries(result, scenario.sites, TIMESERIES_STEP_H)
    else:
        result = RunResult(replication, seed, pd.DataFrame(), pd.DataFrame(), end_h=result.end_h,
                           warnings=result.warnings)
        timeseries = pd.DataFrame()
    memory.trim()  # (the KPIs' temporaries)
    return ReplicationOutput(
        replication=replication,
        orders=result.orders,
        shipments=result.shipments,
        kpis={"replication": replication, **kpis.values},
        lower_bounds=kpis.lower_bounds,
        saturated=kpis.saturated,
        timeseries=timeseries,
        tours=result.tours,
        label_jobs=result.label_jobs,
        warnings=result.warnings,
        inventory=result.inventory,
        stock_levels=result.stock_levels,
        pid=os.getpid(),
        seed=seed,
        end_h=result.end_h,
        shipment_lines=result.shipment_lines,
        supplier_orders=result.supplier_orders,
    )


def replication_kpis_only(scenario: Scenario, replication: int, seed: int) -> dict[str, float]:
    """The KPIs of one replication and nothing else (a small picklable dict, not the
    per-order tables). Deterministic in (scenario, replication, seed), whatever process
    runs it."""
    return replication_measures(scenario, replication, seed).values


def replication_measures(scenario: Scenario, replication: int, seed: int):
    """The KPIs of one replication with what qualifies them (a :class:`sim.kpis.Kpis`:
    ``values``, ``lower_bounds`` of the censored ones, ``saturated`` pools, the model's
    ``warnings``): what a sweep or comparison task sends back."""
    result = run_replication(scenario, replication, seed)
    measured = replication_kpis(result, scenario)
    measured.warnings = list(result.warnings)
    return measured


def scenario_sha256(scenario: Scenario) -> str:
    return hashlib.sha256(scenario_to_yaml(scenario).encode("utf-8")).hexdigest()


def run(scenario: Scenario, replications: int = 1, seed: int | None = None, workers: int = 1,
        progress: ProgressCallback | None = None, provenance: dict | None = None,
        done: dict[int, ReplicationOutput] | None = None,
        on_replication: Callable[[ReplicationOutput], None] | None = None,
        tables: bool = True) -> Result:
    """Run ``replications`` independent replications of ``scenario``.

    ``seed`` defaults to the scenario's own; ``workers > 1`` runs replications in that
    many processes (results are identical to ``workers=1``). ``provenance``: what the
    caller knows of where the scenario came from (``scenario_file``, ``overrides``,
    ``command``), recorded in the summary with the versions and times of the run.
    ``done``: replications already run (a resumed run), by number; ``on_replication``
    is called with each replication as soon as it finishes (to keep it).
    ``tables=False``: the result's tables are empty, its KPIs and summary complete
    (memory does not grow with the replications; see :func:`run_one`).
    """
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")  # (numpy's own said less)
    seed = scenario.seed if seed is None else int(seed)
    outputs: list[ReplicationOutput] = list((done or {}).values())
    todo = [r for r in range(replications) if r not in (done or {})]

    def finished(out: ReplicationOutput) -> None:
        outputs.append(out)
        if on_replication is not None:
            on_replication(out)
        if progress:
            progress(len(outputs), replications, 0.0)

    if workers == 1 or len(todo) <= 1:
        for r in todo:
            def within(frac: float) -> None:
                progress(len(outputs), replications, frac)
            finished(run_one(scenario, r, seed, within if progress else None, tables))
    else:
        # The workers write each replication's progress into shared memory, which is
        # read here while waiting: the display moves within replications too.
        shared = progress_slots(replications) if progress else None
        pool = worker_pool(min(workers, len(todo)), shared)
        try:
            futures = {pool.submit(run_one, scenario, r, seed, partial(report_progress, r) if progress else None,
                                   tables): r for r in todo}
            pending = set(futures)
            while pending:
                ended, pending = wait(pending, timeout=PROGRESS_POLL_S, return_when=FIRST_COMPLETED)
                for fut in ended:
                    finished(fut.result())
                running = sum(shared[futures[f]] for f in pending) if progress else 0.0
                if running > 0:  # (0: none has begun; its end is reported when it ends)
                    progress(len(outputs), replications, running)
        except BaseException:
            # Interrupted (or a replication failed): stop the others now, not at the end.
            stop_now(pool)
            raise
        pool.shutdown()
    result = collect(scenario, seed, outputs)
    result.summary["provenance"] = {
        "scenario_file": None, "overrides": {}, "command": None, **(provenance or {}),
        "scenario_sha256": result.summary["scenario_sha256"],
        "seed": seed, "replications": replications, "workers": workers,
        "sim_version": __version__, "python_version": platform.python_version(),
        "platform": platform.platform(), "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": round(time.perf_counter() - clock, 3),
    }
    return result


def _censored_names(names: list[str], sites: list[str], channels: list[str]) -> str:
    """Censored KPIs, briefly: the pooled ones, then per site or channel, each's
    percentiles of one quantity together (``east: lead_time_hours_p50/p90``)."""
    groups: dict[str, list[str]] = {"": []}
    for name in names:
        base, site, channel = base_of(name, sites, channels)
        groups.setdefault(site or channel, []).append(base)

    def brief(bases: list[str]) -> str:
        quantities: dict[str, list[str]] = {}
        for base in bases:
            stem, _, q = base.rpartition("_")
            key, tail = (stem, q) if q.startswith("p") and q[1:].isdigit() else (base, "")
            quantities.setdefault(key, []).append(tail)
        return ", ".join(key + ("_" + "/".join(tails) if any(tails) else "")
                         for key, tails in quantities.items())

    pooled_bases = groups.pop("")
    pooled = brief(pooled_bases) if pooled_bases else ""
    split = "; ".join(f"{group}: {brief(bases)}" for group, bases in groups.items())
    return pooled + ("; " if pooled and split else "") + (f"per site or channel, {split}" if split else "")


def _state_warnings(kpis: dict, saturated: dict[str, int], replications: int,
                    sites: list[str], channels: list[str]) -> list[str]:
    """Warnings about what the KPIs cannot show on their own: orders unfinished at the
    end of the run, censored percentiles (pooled, per site, per channel), saturated
    pools."""
    out = []
    unfinished = kpis["orders_undelivered_at_end"]["mean"] or 0
    if unfinished > 0:
        placed = kpis["orders_placed"]["mean"]
        out.append(f"{unfinished:,.0f} of {placed:,.0f} orders placed after warm-up (mean per "
                   "replication) were not delivered by the end of the run; they count as late once "
                   "due, and in the lead-time percentiles as at least their age at the end "
                   "(completion_pct)")
    censored = sorted(k for k, v in kpis.items() if v.get("censored"))
    if censored:  # pooled, then per site or channel (a site's may be censored alone)
        out.append("censored (they fall among unfinished orders; only a lower bound is known): "
                   + _censored_names(censored, sites, channels))
    if saturated:
        out.append(f"saturated staff pools, which cannot keep up ({SATURATION_MEANING}): "
                   f"{saturated_pools_text(saturated, replications)}; more staff there, or fewer "
                   "orders routed to the site (fsim run --strict exits 3)")
    return out


def merge_warnings(per_replication: list[list[str]]) -> list[str]:
    """One line per kind of warning: warnings that differ only in their numbers are
    reported once (numbers from the first replication that gave it), with a count."""
    first: dict[str, str] = {}
    count: dict[str, int] = {}
    for warnings in per_replication:
        for w in warnings:
            key = re.sub(r"\d+(\.\d+)?", "#", w)
            first.setdefault(key, w)
            count[key] = count.get(key, 0) + 1
    return [first[k] + (f" (in {count[k]} replications; numbers from the first)"
                        if count[k] > 1 else "") for k in first]


def summarise_replications(scenario: Scenario, seed: int, kpis: pd.DataFrame,
                           lower_bounds: list[dict[str, float]], saturated: list[list[str]],
                           warnings: list[str] = ()) -> dict:
    """summary.json's body from the per-replication KPIs (one row per replication),
    their lower bounds and saturated pools: the same for ``fsim run`` and for runs that
    keep KPIs only (comparisons)."""
    saturated_any = sorted({p for reps in saturated for p in reps})
    summary = {
        "scenario": scenario.name,
        "seed": seed,
        "replications": len(kpis),
        "sim_version": __version__,
        "scenario_sha256": scenario_sha256(scenario),
        "horizon_days": scenario.horizon.days,
        "warmup_days": scenario.horizon.warmup_days,
        "kpis": summarise_kpis(kpis, lower_bounds),
        "saturated_pools": {p: sum(p in reps for reps in saturated) for p in saturated_any},
        "warnings": scenario_warnings(scenario) + list(warnings),
    }
    summary["warnings"] += _state_warnings(summary["kpis"], summary["saturated_pools"], len(kpis),
                                           list(scenario.sites), list(scenario.demand.channels))
    return summary


def collect(scenario: Scenario, seed: int, outputs: list[ReplicationOutput]) -> Result:
    """Assemble replications (in any order) into a :class:`Result`."""
    outputs = sorted(outputs, key=lambda o: o.replication)
    # One replication needs no concatenation (a copy of the biggest table).
    orders = outputs[0].orders if len(outputs) == 1 else pd.concat(
        [o.orders for o in outputs], ignore_index=True)
    shipments = outputs[0].shipments if len(outputs) == 1 else pd.concat(
        [o.shipments for o in outputs], ignore_index=True)
    kpis = pd.DataFrame([o.kpis for o in outputs])
    kpis["replication"] = kpis["replication"].astype(int)
    lower_bounds = [o.lower_bounds for o in outputs]
    saturated = [o.saturated for o in outputs]
    timeseries = pd.concat([o.timeseries for o in outputs], ignore_index=True)
    tours = pd.concat([o.tours for o in outputs], ignore_index=True)
    label_jobs = pd.concat([o.label_jobs for o in outputs], ignore_index=True)
    inventory = pd.concat([o.inventory for o in outputs], ignore_index=True)
    stock_levels = pd.concat([o.stock_levels for o in outputs], ignore_index=True)
    shipment_lines = pd.concat([o.shipment_lines for o in outputs], ignore_index=True)
    supplier_orders = pd.concat([o.supplier_orders for o in outputs], ignore_index=True)
    summary = summarise_replications(scenario, seed, kpis, lower_bounds, saturated,
                                     merge_warnings([o.warnings for o in outputs]))
    return Result(scenario=scenario, orders=orders, shipments=shipments, kpis=kpis,
                  timeseries=timeseries, lower_bounds=lower_bounds, saturated=saturated,
                  tours=tours, label_jobs=label_jobs, inventory=inventory,
                  stock_levels=stock_levels, summary=summary,
                  worker_pids=[o.pid for o in outputs], shipment_lines=shipment_lines,
                  supplier_orders=supplier_orders, end_h=outputs[0].end_h)
