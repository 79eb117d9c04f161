"""Staff pool KPIs: utilisation, the queue in front of each pool (time-weighted mean,
maximum, backlog at the end and its trend), saturation, and picking productivity.

The queue of a pool is exact, from event times: a parcel waits for the pickers from its
release to its first pick start, for the packers from its last pick to its pack start
(a parcel still waiting at the end waits until then). Nothing is sampled on a grid
except the trend, which is the least-squares slope of the number waiting at one time of
day (the window's end), day after day over the window.

Saturation: a pool is *saturated* when work reaches it in the window and it cannot keep
up: nobody is on duty, or it is busy at least ``SATURATED_UTILIZATION`` of its on-duty
time, or its queue keeps growing (a positive trend, and each of the last
``GROWN_FOR_DAYS`` daily samples at least ``GROWTH_FACTOR`` times the largest of the
first half's, plus ``SATURATED_MARGIN``: one sample is not enough, as a stable queue at
80% utilisation has such a spike at the window's end about once in a hundred
replications; a queue growing steadily from empty over 15 days or more is, two days
before the end, over 1.7 times its length at mid-window; judged only over
at least ``MIN_TREND_DAYS`` days, since a short window that starts empty always looks
like growth).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.calendar import overlap_hours
from sim.kpis.views import col
from sim.units import HOURS_PER_DAY

SATURATED_UTILIZATION = 0.98
SATURATED_MARGIN = 10
MIN_TREND_DAYS = 14  # growth is judged over two weeks or more: a weekly cycle is not growth
GROWN_FOR_DAYS = 3  # the last daily samples that must all show the growth
GROWTH_FACTOR = 1.5
# What a saturated pool is, in the words every message about one uses.
SATURATION_MEANING = (f"busy {100 * SATURATED_UTILIZATION:g}% or more of their time on duty, or "
                      "their queue growing to the end")


def saturated_pools_text(counts: dict[str, int], replications: int) -> str:
    """``east.pickers (in 2 of 3 replications), ...``: the pools saturated and in how many
    replications, for a message."""
    return ", ".join(f"{pool} (in {k} of {replications} replications)" for pool, k in sorted(counts.items()))

# Each pool: (column when work enters its queue, start of service, end of service).
POOL_COLUMNS = {
    "pickers": ("released_h", "pick_start_h", "picked_h"),
    "packers": ("picked_h", "pack_start_h", "packer_done_h"),
}


def least_squares_slope(x: np.ndarray, y: np.ndarray) -> float:
    """The least-squares line's slope through ``(x, y)``, the same to the last bit on
    every machine: its sums are exactly rounded (``math.fsum``), where ``np.polyfit``
    goes through LAPACK, whose last bits differ between builds and CPUs (a baseline
    saved on one machine differed from the same run on another in the 15th digit)."""
    dx = x - math.fsum(x) / len(x)
    dy = y - math.fsum(y) / len(y)
    return math.fsum(dx * dy) / math.fsum(dx * dx)


def queue_stats(enter: np.ndarray, leave: np.ndarray, lo: float, hi: float,
                end_h: float) -> dict[str, float]:
    """Time-weighted mean and maximum in ``[lo, hi)``, number waiting at ``end_h``, and
    the daily trend over the window (parcels per day)."""
    ok = ~np.isnan(enter)
    enter, leave = enter[ok], leave[ok]  # (NaN leave: still waiting at the end)
    overlap = np.clip(np.where(np.isnan(leave), end_h, leave), lo, hi) - np.clip(enter, lo, hi)
    mean = float(overlap.clip(min=0).sum() / (hi - lo)) if hi > lo else math.nan
    # Sorted once for every count below.
    e, lv = np.sort(enter), np.sort(leave[~np.isnan(leave)])

    def waiting(t: np.ndarray) -> np.ndarray:  # parcels entered and not yet left at each t
        return np.searchsorted(e, t, side="right") - np.searchsorted(lv, t, side="right")

    # The maximum over the window: at its start, or just after an arrival inside it
    # (the arrivals in the window, in time order: a slice of the sorted arrivals).
    times = np.concatenate(([lo], e[np.searchsorted(e, lo, side="left"):np.searchsorted(e, hi, side="left")]))
    most = int(waiting(times).max())
    samples_t = hi - HOURS_PER_DAY * np.arange(int((hi - lo) // HOURS_PER_DAY) + 1)[::-1]
    samples = waiting(samples_t).astype(float)
    trend = least_squares_slope(samples_t / HOURS_PER_DAY, samples) if len(samples) >= 3 else math.nan
    first_half = samples[: max(len(samples) // 2, 1)]
    growing = bool(len(samples) > MIN_TREND_DAYS and trend > 0
                   and samples[-GROWN_FOR_DAYS:].min() >= GROWTH_FACTOR * first_half.max() + SATURATED_MARGIN)
    return {"queue_length_mean": mean, "queue_length_max": most,
            "backlog_at_end": int(waiting(np.array([end_h]))[0]),
            "backlog_trend_per_day": trend, "_growing": growing}


def on_duty_until(intervals: list[tuple[float, float]], t: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """On-duty hours in ``[lo, min(t, hi))`` of a worker with these duty intervals."""
    iv = np.asarray(intervals, dtype=float)
    a, b = np.clip(iv[:, 0], lo, hi), np.clip(iv[:, 1], lo, hi)
    length = b - a
    before = np.concatenate(([0.0], np.cumsum(length)))
    k = np.searchsorted(a, t, side="right") - 1
    j = np.maximum(k, 0)
    return np.where(k >= 0, before[j] + np.clip(t - a[j], 0.0, length[j]), 0.0)


def busy_on_duty(duty: dict[int, list[tuple[float, float]]], worker: np.ndarray, start: np.ndarray,
                 end: np.ndarray, lo: float, hi: float) -> float:
    """Hours of jobs ``[start, end)`` (each by ``worker``, a key of ``duty``) that fall in
    their worker's duty intervals inside ``[lo, hi)``: work in overtime does not count,
    so busy / on duty is a share of the on-duty time, at most 1."""
    ok = np.flatnonzero(~np.isnan(start) & ~np.isnan(end))
    # Each worker's jobs in their original order (a stable sort), as slices.
    order = ok[np.argsort(worker[ok], kind="stable")]
    workers, first = np.unique(worker[order], return_index=True)
    bounds = [*first.tolist(), len(order)]
    total = 0.0
    for i, w in enumerate(workers.tolist()):
        intervals = duty.get(w)
        if intervals:
            mine = order[bounds[i]:bounds[i + 1]]
            total += float((on_duty_until(intervals, end[mine], lo, hi)
                            - on_duty_until(intervals, start[mine], lo, hi)).sum())
    return total


def _worker_duty(pools, site: str, role: str) -> dict[int, list[tuple[float, float]]]:
    """Duty intervals of each worker of a site's pool, keyed by zone x 100,000 + worker
    number (zone -1: the whole site)."""
    return {(p.zone * 100_000) + w: duty for p in pools if p.site == site and p.role == role
            for w, duty in enumerate(p.duty)}


def _nanmean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else math.nan


def pools_by_site_role(pools) -> dict[str, dict[str, list]]:
    """Duty calendars of every worker, grouped by site and role (zones merged)."""
    out: dict[str, dict[str, list]] = {}
    for pool in pools:
        out.setdefault(pool.site, {}).setdefault(pool.role, []).extend(pool.duty)
    return out


def pool_kpis(result, site_codes: np.ndarray, ready_h: np.ndarray, sites: list[str], lo: float,
              hi: float, end_h: float) -> tuple[dict[str, float], list[str]]:
    """Per pool KPIs (``<kpi>_<role>_<site>``) and pooled ones (``<kpi>_<role>``, and
    picking productivity), plus the names of the saturated pools (``site.role``).
    ``site_codes``: each parcel's site; ``ready_h``: when each parcel could have gone to
    picking (its order paid; a reship made)."""
    sh, tours = result.shipments, result.tours
    k: dict[str, float] = {}
    saturated: list[str] = []
    t_start, t_end = col(tours, "start_h"), col(tours, "end_h")
    t_lines, t_orders = col(tours, "lines"), col(tours, "orders")
    t_site = tours["site"].to_numpy()
    t_ended = (t_end >= lo) & (t_end < hi)
    totals = {role: [0.0, 0.0] for role in POOL_COLUMNS}  # busy, staffed
    by_site = pools_by_site_role(result.pools)
    for site, roles in by_site.items():
        at_site = site_codes == sites.index(site)
        for role, duty in roles.items():
            enter_col, start_col, end_col = POOL_COLUMNS[role]
            staffed = sum(overlap_hours(d, lo, hi) for d in duty)
            duty_of = _worker_duty(result.pools, site, role)
            if role == "pickers":
                mine = t_site == site
                keys = col(tours, "zone")[mine].astype(np.int64) * 100_000 + col(tours, "worker")[mine]
                busy = busy_on_duty(duty_of, keys, t_start[mine], t_end[mine], lo, hi)
                ended = mine & t_ended
                lines, worked = t_lines[ended].sum(), (t_end[ended] - t_start[ended]).sum()
                k[f"picks_per_picker_hour_{site}"] = lines / staffed if staffed else math.nan
                k[f"picks_per_busy_picker_hour_{site}"] = lines / worked if worked else math.nan
                k[f"orders_per_tour_{site}"] = float(t_orders[ended].mean()) if ended.any() else math.nan
                k[f"release_wait_hours_mean_{site}"] = _nanmean((col(sh, "released_h") - ready_h)[at_site])
            else:
                keys = -100_000 + col(sh, "packer")[at_site].astype(np.int64)
                busy = busy_on_duty(duty_of, keys, col(sh, start_col)[at_site], col(sh, end_col)[at_site],
                                    lo, hi)
                jobs = result.label_jobs
                if len(jobs):
                    mine = (jobs["site"] == site).to_numpy()
                    busy += busy_on_duty(duty_of, -100_000 + jobs["packer"].to_numpy()[mine].astype(np.int64),
                                         jobs["start_h"].to_numpy()[mine], jobs["end_h"].to_numpy()[mine],
                                         lo, hi)
            totals[role][0] += busy
            totals[role][1] += staffed
            util = busy / staffed if staffed else math.nan
            k[f"utilization_pct_{role}_{site}"] = 100 * util
            enter = col(sh, enter_col)[at_site]
            q = queue_stats(enter, col(sh, start_col)[at_site], lo, hi, end_h)
            growing = q.pop("_growing")
            for name, value in q.items():
                k[f"{name}_{role}_{site}"] = value
            # Work reached the site in the window (a pool nobody staffs gets none of it).
            released = col(sh, "released_h")[at_site]
            worked_in_window = bool(((released >= lo) & (released < hi)).any())
            if worked_in_window and (not staffed or util >= SATURATED_UTILIZATION or growing):
                saturated.append(f"{site}.{role}")
    for role, (busy, staffed) in totals.items():
        k[f"utilization_pct_{role}"] = 100 * busy / staffed if staffed else math.nan
        for name in ("queue_length_mean", "backlog_at_end"):  # (additive over the sites)
            k[f"{name}_{role}"] = sum(k.get(f"{name}_{role}_{s}", 0.0) for s in sites)
        # The most waiting at once over the sites together (the sites' peaks need not
        # coincide: not the sum of their maxima).
        enter_col, start_col, _ = POOL_COLUMNS[role]
        served = np.isin(site_codes, [sites.index(s) for s, roles in by_site.items() if role in roles])
        k[f"queue_length_max_{role}"] = queue_stats(col(sh, enter_col)[served], col(sh, start_col)[served],
                                                    lo, hi, end_h)["queue_length_max"]
        k[f"backlog_trend_per_day_{role}"] = sum(
            v for s in sites if not math.isnan(v := k.get(f"backlog_trend_per_day_{role}_{s}", math.nan)))
    staffed = sum(overlap_hours(d, lo, hi) for roles in by_site.values()
                  for d in roles.get("pickers", []))
    lines, worked = t_lines[t_ended].sum(), (t_end[t_ended] - t_start[t_ended]).sum()
    k["picks_per_picker_hour"] = lines / staffed if staffed else math.nan
    k["picks_per_busy_picker_hour"] = lines / worked if worked else math.nan
    k["orders_per_tour"] = float(t_orders[t_ended].mean()) if t_ended.any() else math.nan
    k["release_wait_hours_mean"] = _nanmean(col(sh, "released_h") - ready_h)
    k["saturated_pools"] = len(saturated)
    return k, saturated


def labour_cost(scenario, pools, lo: float, hi: float) -> dict[str, float]:
    """On-duty cost per site inside the window (hours at each pool's hourly cost)."""
    out: dict[str, float] = {}
    for site, roles in pools_by_site_role(pools).items():
        staff = scenario.warehouses[site].staff
        rate = {"pickers": staff.picker_hourly_cost, "packers": staff.packer_hourly_cost}
        out[site] = sum(rate[role] * sum(overlap_hours(d, lo, hi) for d in duty)
                        for role, duty in roles.items())
    return out


def _time_in(enter: np.ndarray, leave: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The integral from 0 to each time in ``t`` of how many items are in (entered, not
    yet left; NaN leave: never left): item-hours, exact from the event times."""
    e = np.sort(enter[~np.isnan(enter)])
    lv = np.sort(leave[~np.isnan(leave) & ~np.isinf(leave)])
    ce, cl = np.concatenate(([0.0], np.cumsum(e))), np.concatenate(([0.0], np.cumsum(lv)))
    ne, nl = np.searchsorted(e, t, side="right"), np.searchsorted(lv, t, side="right")
    # Each entered item adds (t - enter) up to t, each that left takes (t - leave) back.
    return (ne * t - ce[ne]) - (nl * t - cl[nl])


def _mean_over_steps(enter: np.ndarray, leave: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The time-average of how many items are in over each interval between ``edges``
    (rounding can leave -1e-6 where there were none: clipped at 0)."""
    return np.maximum(np.diff(_time_in(enter, leave, edges)) / np.diff(edges), 0.0)


def pool_timeseries(result, sites: list[str], step_h: float) -> pd.DataFrame:
    """Queue length, busy workers and workers on duty per pool over each interval of a
    regular grid (``t_h``: its start; the last one ends at the end of the run), as time
    averages derived exactly from the parcels', tours' and label print jobs' timestamps
    (for figures: point samples on a grid alias with work that comes on the grid, e.g.
    hourly waves)."""
    from sim.kpis.views import codes

    sh, tours = result.shipments, result.tours
    t = np.arange(0.0, result.end_h, step_h)
    edges = np.append(t, result.end_h)
    site_codes = codes(sh, "site", sites)
    frames = []
    for site, roles in pools_by_site_role(result.pools).items():
        at_site = site_codes == sites.index(site)
        for role, duty in roles.items():
            enter_col, start_col, end_col = POOL_COLUMNS[role]
            if role == "pickers":
                mine = (tours["site"] == site).to_numpy()
                busy = _mean_over_steps(col(tours, "start_h")[mine], col(tours, "end_h")[mine], edges)
            else:
                busy = _mean_over_steps(col(sh, start_col)[at_site], col(sh, end_col)[at_site], edges)
                jobs = result.label_jobs
                if len(jobs):  # (bulk label prints keep packers busy too, as in the KPIs)
                    mine = (jobs["site"] == site).to_numpy()
                    busy = busy + _mean_over_steps(jobs["start_h"].to_numpy()[mine],
                                                   jobs["end_h"].to_numpy()[mine], edges)
            spans = np.array([span for intervals in duty for span in intervals], dtype=float).reshape(-1, 2)
            on_duty = _mean_over_steps(spans[:, 0], spans[:, 1], edges)
            frames.append(pd.DataFrame({
                "replication": result.replication, "site": site, "pool": role, "t_h": t,
                "queue_length": _mean_over_steps(col(sh, enter_col)[at_site], col(sh, start_col)[at_site],
                                                 edges),
                "busy": busy, "on_duty": on_duty,
                "utilization": np.where(on_duty > 0, busy / np.where(on_duty > 0, on_duty, 1.0), np.nan),
            }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
