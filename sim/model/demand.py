"""Demand: orders from several channels, arriving as a non-homogeneous Poisson process.

Each channel's rate is ``orders_per_day`` shaped by an hour-of-day and a day-of-week
profile (weights, normalised to mean 1), constant within each hour. Arrivals in each
hour are Poisson with that hour's mean and uniform within it, which is an exact sample
of the piecewise-constant NHPP. Orders do not interact before they reach a warehouse,
so the whole horizon is sampled at once.

Randomness (common random numbers): a channel's arrival times come from two sequential
streams of its own, the hourly counts (``demand.<channel>.arrivals``) and each order's
place within its hour (``demand.<channel>.within_hour``), so a longer or shorter horizon
keeps the orders of the days both have (the counts first and the places after them in
one stream moved every place with the horizon); everything else about an order is
drawn from a keyed stream per variate (region, lines, units per line, SKU per line),
keyed by the order's *key*, a hash of its channel and its place among that channel's
orders. So changing one channel's volume leaves every other channel's orders exactly as
they were, and changing the lines per order leaves arrival times and regions alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import weekday_of
from sim.model.catalogue import popularity as sku_popularity
from sim.rng import Streams, mix_keys, name_key
from sim.scenario.schema import Channel, Scenario
from sim.shares import region_weights
from sim.units import HOURS_PER_DAY


@dataclass
class Orders:
    """The orders of one replication, sorted by placement time (hours)."""

    placed_h: np.ndarray
    channel: np.ndarray  # int index into scenario.demand.channels
    region: np.ndarray  # int index into geo.us_states()
    lines: np.ndarray
    units: np.ndarray
    below_moq: np.ndarray  # bool: rejected for the channel's minimum order quantity
    key: np.ndarray  # uint64: the order's key for keyed draws (stable across scenarios)
    line_start: np.ndarray  # order i's lines are line_sku[line_start[i]:line_start[i + 1]]
    line_sku: np.ndarray  # SKU id of each order line (0 = most popular)
    line_units: np.ndarray  # units on each order line

    def __len__(self) -> int:
        return len(self.placed_h)

    def line_index(self) -> np.ndarray:
        """Each line's position within its order (0, 1, ...)."""
        return np.arange(self.line_start[-1]) - np.repeat(self.line_start[:-1], self.lines)


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


def _categorical(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category index for uniforms ``u`` given a cumulative distribution ``cdf``."""
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def _arrivals(channel: Channel, scenario: Scenario, counts_rng: np.random.Generator,
              within_rng: np.random.Generator) -> np.ndarray:
    """Placement times (hours, unsorted within an hour) of a channel's orders: each
    hour's count from ``counts_rng``, then each order's place within its hour from
    ``within_rng``, both in time order, so a run's first days are the same whatever its
    length."""
    hz = scenario.horizon
    rate = hourly_rate(channel, hz.days, hz.start_weekday)
    counts = counts_rng.poisson(rate)
    hour_of_order = np.repeat(np.arange(len(rate)), counts)
    width = np.ones(len(rate))
    if len(rate):
        width[-1] = hz.days * HOURS_PER_DAY - (len(rate) - 1)
    return hour_of_order + within_rng.random(len(hour_of_order)) * width[hour_of_order]


def _channel_orders(name: str, channel: Channel, scenario: Scenario, streams: Streams,
                    sku_cdf: np.ndarray) -> dict[str, np.ndarray]:
    placed = _arrivals(channel, scenario, streams.get(f"demand.{name}.arrivals"),
                       streams.get(f"demand.{name}.within_hour"))
    n = len(placed)
    key = mix_keys(np.arange(n, dtype=np.uint64), name_key(name))
    region = _categorical(np.cumsum(region_weights(channel)),
                          streams.keyed("demand.region").uniform(key))
    lines = channel.lines_per_order.ppf(streams.keyed("demand.lines").uniform(key)).astype(np.int64)
    starts = (np.cumsum(lines) - lines).astype(np.int64)
    index_in_order = np.arange(int(lines.sum())) - np.repeat(starts, lines)
    line_key = mix_keys(np.repeat(key, lines), index_in_order)
    units_per_line = channel.units_per_line.ppf(
        streams.keyed("demand.units").uniform(line_key)).astype(np.int64)
    line_sku = _categorical(sku_cdf, streams.keyed("demand.sku").uniform(line_key))
    units = np.add.reduceat(units_per_line, starts) if n else np.zeros(0, dtype=np.int64)
    below = units < channel.min_order_units
    if channel.moq_policy == "round_up" and below.any():
        # The shortfall goes on the order's first line.
        units_per_line[starts[below]] += channel.min_order_units - units[below]
        units = np.where(below, channel.min_order_units, units)
        below = np.zeros(n, dtype=bool)
    return {"placed_h": placed, "region": region, "lines": lines, "units": units,
            "below_moq": below, "key": key, "line_sku": line_sku, "line_units": units_per_line}


def generate_orders(scenario: Scenario, streams: Streams) -> Orders:
    """All orders placed over the horizon, every channel merged and sorted by time
    (ties, which have probability zero, by channel then by the channel's own order)."""
    sku_cdf = np.cumsum(sku_popularity(scenario.catalogue))
    parts = [_channel_orders(name, ch, scenario, streams, sku_cdf)
             for name, ch in scenario.demand.channels.items()]
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    channel = np.concatenate([np.full(len(p["placed_h"]), i, dtype=np.int16)
                              for i, p in enumerate(parts)])
    order = np.argsort(cat["placed_h"], kind="stable")
    lines = cat["lines"]
    starts = np.concatenate(([0], np.cumsum(lines)[:-1])).astype(np.int64)
    lines_sorted = lines[order].astype(np.int32)
    line_start = np.concatenate(([0], np.cumsum(lines_sorted))).astype(np.int64)
    take = np.repeat(starts[order] - line_start[:-1], lines_sorted) + np.arange(line_start[-1])
    return Orders(
        placed_h=cat["placed_h"][order],
        channel=channel[order],
        region=cat["region"][order].astype(np.int16),
        lines=lines_sorted,
        units=cat["units"][order].astype(np.int32),
        below_moq=cat["below_moq"][order],
        key=cat["key"][order],
        line_start=line_start,
        line_sku=cat["line_sku"][take].astype(np.int32),
        line_units=cat["line_units"][take].astype(np.int32),
    )
