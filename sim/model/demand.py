"""Demand: orders from several channels, arriving as a non-homogeneous Poisson process.

Each channel's rate is ``orders_per_day`` shaped by an hour-of-day and a day-of-week
profile (weights, normalised to mean 1), constant within each hour. Arrivals in each
hour are Poisson with that hour's mean and uniform within it, which is an exact sample
of the piecewise-constant NHPP. Orders do not interact before they reach a warehouse,
so the whole horizon is sampled at once, channel by channel, each from its own stream
(common random numbers: changing one channel leaves the others' orders unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import HOURS_PER_DAY, weekday_of
from sim.geo import us_states
from sim.model.catalogue import popularity as sku_popularity
from sim.rng import Streams
from sim.scenario.schema import Channel, Scenario


@dataclass
class Orders:
    """The orders of one replication, sorted by placement time (hours)."""

    placed_h: np.ndarray
    channel: np.ndarray  # int index into scenario.demand.channels
    region: np.ndarray  # int index into geo.us_states()
    lines: np.ndarray
    units: np.ndarray
    below_moq: np.ndarray  # bool: rejected for the channel's minimum order quantity
    line_start: np.ndarray  # order i's lines are line_sku[line_start[i]:line_start[i + 1]]
    line_sku: np.ndarray  # SKU id of each order line (0 = most popular)
    line_units: np.ndarray  # units on each order line

    def __len__(self) -> int:
        return len(self.placed_h)


def hourly_rate(channel: Channel, days: float, start_weekday: str) -> np.ndarray:
    """Expected orders in each hour of the horizon (length ceil(days*24))."""
    n_hours = int(np.ceil(days * HOURS_PER_DAY))
    hours = np.arange(n_hours)
    hod = np.ones(24) if channel.hour_of_day_profile is None else np.asarray(channel.hour_of_day_profile)
    dow = np.ones(7) if channel.day_of_week_profile is None else np.asarray(channel.day_of_week_profile)
    hod = hod / hod.mean()
    dow = dow / dow.mean()
    day = hours // 24
    rate = channel.orders_per_day / HOURS_PER_DAY * hod[hours % 24] * dow[weekday_of(day, start_weekday)]
    # A horizon that ends mid-hour only gets that hour's share.
    last = days * HOURS_PER_DAY - (n_hours - 1)
    if n_hours:
        rate[-1] *= last
    return rate


def region_weights(channel: Channel) -> np.ndarray:
    states = us_states()
    if channel.regions == "population":
        w = states.population.astype(float)
    else:
        w = np.zeros(len(states.codes))
        for code, share in channel.regions.items():
            w[states.index(code)] = share
    return w / w.sum()


def _channel_orders(channel: Channel, scenario: Scenario, rng: np.random.Generator):
    hz = scenario.horizon
    rate = hourly_rate(channel, hz.days, hz.start_weekday)
    counts = rng.poisson(rate)
    n = int(counts.sum())
    hour_of_order = np.repeat(np.arange(len(rate)), counts)
    width = np.ones(len(rate))
    width[-1] = hz.days * HOURS_PER_DAY - (len(rate) - 1) if len(rate) else 1.0
    placed = hour_of_order + rng.random(n) * width[hour_of_order]
    region = rng.choice(len(us_states().codes), size=n, p=region_weights(channel))
    lines = np.maximum(channel.lines_per_order.sample(rng, n), 1)
    units_per_line = np.maximum(channel.units_per_line.sample(rng, int(lines.sum())), 1)
    starts = np.concatenate(([0], np.cumsum(lines)[:-1])) if n else np.zeros(0, dtype=np.int64)
    units = np.add.reduceat(units_per_line, starts) if n else np.zeros(0, dtype=np.int64)
    below = units < channel.min_order_units
    if channel.moq_policy == "round_up" and below.any():
        # The shortfall goes on the order's first line.
        units_per_line[starts[below]] += channel.min_order_units - units[below]
        units = np.where(below, channel.min_order_units, units)
        below = np.zeros(n, dtype=bool)
    return placed, region, lines, units, below, units_per_line


def generate_orders(scenario: Scenario, streams: Streams) -> Orders:
    """All orders placed over the horizon, every channel merged and sorted by time."""
    parts = []
    popularity = sku_popularity(scenario.catalogue)
    for idx, (name, channel) in enumerate(scenario.demand.channels.items()):
        placed, region, lines, units, below, line_units = _channel_orders(
            channel, scenario, streams.get(f"demand.{name}")
        )
        # SKUs from a stream of their own, so the catalogue never shifts arrivals.
        skus = streams.get(f"demand.{name}.skus").choice(
            len(popularity), size=int(lines.sum()), p=popularity
        )
        parts.append((placed, np.full(len(placed), idx, dtype=np.int16), region, lines, units,
                      below, skus, line_units))
    placed, channel, region, lines, units, below, _, _ = (
        np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.argsort(placed, kind="stable")
    # Re-order the line table with the orders: each channel's lines are contiguous.
    all_skus = np.concatenate([p[6] for p in parts])
    all_units = np.concatenate([p[7] for p in parts])
    starts = np.concatenate(([0], np.cumsum(lines)[:-1])).astype(np.int64)
    lines_sorted = lines[order].astype(np.int32)
    line_start = np.concatenate(([0], np.cumsum(lines_sorted))).astype(np.int64)
    take = np.repeat(starts[order] - line_start[:-1], lines_sorted) + np.arange(line_start[-1])
    return Orders(
        placed_h=placed[order],
        channel=channel[order],
        region=region[order].astype(np.int16),
        lines=lines_sorted,
        units=units[order].astype(np.int32),
        below_moq=below[order],
        line_start=line_start,
        line_sku=all_skus[take].astype(np.int32),
        line_units=all_units[take].astype(np.int32),
    )
