"""Every per-order draw of a replication, made before the SimPy world is built: parcels
(service, box, delivery fate), picking work, pack and label times, returns.

Orders do not share these draws, so they are sampled in bulk per site, from named
streams (common random numbers). Reships (remedies) are orders too: when an order's
fate needs one (lost, damaged, or picked wrong, with ``remedies: reship``), a reship
row is appended, a copy of the order's lines with draws of its own (from the same
components' streams under a ``.reship<round>`` name), and so on for a reship's own
reship, up to ``remedies.max_reships`` deep. In the run a reship stays dormant until
its original's trouble comes to light.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.model.catalogue import SkuTable
from sim.model.delivery import DAMAGED, LOST, ReturnDraws, draw_returns
from sim.model.demand import Orders
from sim.model.packing import sample_label_times_h, sample_pack_times_h
from sim.model.parcel import Parcels, build_parcels
from sim.model.picking.methods import method_sorts
from sim.model.picking.work import PickArrays, PickWork, build_pick_work
from sim.rng import Streams
from sim.scenario.picking import Picking
from sim.scenario.schema import Scenario
from sim.units import SECONDS_PER_HOUR


class _Renamed:
    """The streams of a reship round: each component's stream under another name."""

    def __init__(self, streams: Streams, suffix: str) -> None:
        self.streams, self.suffix = streams, suffix

    def get(self, name: str) -> np.random.Generator:
        return self.streams.get(name + self.suffix)


@dataclass
class OrderDraws:
    """Per-order draws, indexed by order id (originals first, then reships)."""

    orders: Orders
    site: np.ndarray
    distance_km: np.ndarray
    parcels: Parcels
    pick: PickArrays
    pack_h: np.ndarray
    label_h: np.ndarray
    returns: ReturnDraws | None  # None: not drawn (contents only, for a part)
    reship_of: np.ndarray  # the order a row reships (-1: none)
    alt_of: np.ndarray  # the order a row is the other-site alternative of (-1: none)
    rest_of: np.ndarray  # the order whose backordered rest a row may carry (-1: none)

    def __len__(self) -> int:
        return len(self.orders)

    @property
    def pick_error(self) -> np.ndarray:
        """An error no scan caught ships."""
        return self.pick.errors_made > self.pick.errors_found


def _pack_station_extra_h(cfg: Picking, work: PickWork, idx: np.ndarray,
                          rng: np.random.Generator) -> np.ndarray:
    """Work the picking method leaves for the pack station: sorting a batch picked
    with ``sort: after_pick``, consolidating a zone-picked order."""
    extra = np.zeros(len(idx))
    if method_sorts(cfg) and cfg.batch.sort == "after_pick":
        extra += work.order_sort_time_h[idx]
    zoned = cfg.method == "zone" or (cfg.method == "wave" and cfg.wave.within == "zone")
    if zoned and cfg.zone.mode == "parallel":
        extra += cfg.zone.consolidation_time_s.sample(rng, len(idx)) / SECONDS_PER_HOUR
    return extra


def return_prob(scenario: Scenario, orders: Orders, skus: SkuTable) -> np.ndarray:
    """Each order's chance of an ordinary return: its channel's ``return_prob`` times the
    units-weighted mean of its categories' ``returns.category_multiplier``."""
    base = np.array([c.return_prob for c in scenario.demand.channels.values()])[orders.channel]
    multipliers = scenario.returns.category_multiplier
    if not multipliers or not len(orders):
        return base
    m = np.array([multipliers.get(c, 1.0) for c in scenario.catalogue.categories])
    per_line = m[skus.category[orders.line_sku]] * orders.line_units
    mean = np.add.reduceat(per_line, orders.line_start[:-1]) / orders.units
    return np.clip(base * mean, 0.0, 1.0)


def draw_orders(scenario: Scenario, orders: Orders, site: np.ndarray, distance_km: np.ndarray,
                skus: SkuTable, storages: list, streams, reship_of: np.ndarray,
                alt_of: np.ndarray | None = None, rest_of: np.ndarray | None = None,
                service: np.ndarray | None = None, fate: bool = True) -> OrderDraws:
    """Every draw for ``orders`` (all of one round; ``service``: see
    :func:`sim.model.parcel.build_parcels`). With ``fate=False`` only what depends on
    the orders' contents is drawn (no delivery, label or return draws: left empty)."""
    n = len(orders)
    parcels = build_parcels(scenario, orders, site, distance_km, skus, streams, service, fate)
    pick = PickArrays.empty(n, int(orders.line_start[-1]))
    pack_h, label_h = np.zeros(n), np.zeros(n)
    for s, name in enumerate(scenario.sites):
        wh = scenario.warehouses[name]
        idx = np.flatnonzero(site == s)
        if not fate and not len(idx):
            continue
        work = build_pick_work(wh.picking, idx, orders.line_start, orders.line_sku, orders.units,
                               storages[s], streams.get(f"picking.{name}"),
                               method_sorts(wh.picking), pick)
        rng_pack = streams.get(f"packing.{name}")
        pack_h[idx] = (sample_pack_times_h(wh.packing, orders.units[idx], rng_pack)
                       + work.pack_extra_h[idx]
                       + _pack_station_extra_h(wh.picking, work, idx, rng_pack)
                       + parcels.dunnage_h[idx])
        if fate:
            label_h[idx] = sample_label_times_h(wh.shipping, len(idx), rng_pack)
    pick_error = pick.errors_made > pick.errors_found
    # Durations, not clock times: single precision halves their memory.
    pack_h, label_h = pack_h.astype(np.float32), label_h.astype(np.float32)
    returns = None
    if fate:
        returns = draw_returns(scenario.returns, pick_error, parcels.delivery.exception == DAMAGED,
                               return_prob(scenario, orders, skus), streams.get("returns"))
    none = np.full(n, -1, dtype=np.int64)
    return OrderDraws(orders, site, distance_km, parcels, pick, pack_h, label_h, returns,
                      reship_of, none if alt_of is None else alt_of,
                      none if rest_of is None else rest_of)


def needs_reship(scenario: Scenario, exception: np.ndarray, pick_error: np.ndarray) -> np.ndarray:
    """Which orders' fate (delivery exception, uncaught pick error) calls for a reship
    under ``remedies``."""
    rem = scenario.remedies
    return (((exception == LOST) & (rem.lost == "reship"))
            | ((exception == DAMAGED) & (rem.damaged == "reship"))
            | ((exception != LOST) & pick_error & (rem.wrong_item == "reship")))


def _orders_subset(orders: Orders, idx: np.ndarray) -> Orders:
    """A copy of the orders ``idx`` (lines included); placement time unknown (NaN)."""
    ls = orders.line_start
    counts = ls[idx + 1] - ls[idx]
    lines = np.repeat(ls[idx], counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
    return Orders(
        placed_h=np.full(len(idx), np.nan), channel=orders.channel[idx], region=orders.region[idx],
        lines=orders.lines[idx], units=orders.units[idx],
        below_moq=np.zeros(len(idx), dtype=bool),
        line_start=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        line_sku=orders.line_sku[lines], line_units=orders.line_units[lines])


def _extend(a, b) -> None:
    """Append dataclass ``b``'s rows to ``a``'s, in place, field by field (nested
    dataclasses too), so each old array is freed as soon as its longer copy exists:
    the memory peak is one field, not the whole table twice."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "line_start":
            setattr(a, f.name, np.concatenate((x, y[1:] + x[-1])))
        elif isinstance(x, np.ndarray):
            setattr(a, f.name, np.concatenate((x, y)))
        elif dataclasses.is_dataclass(x):
            _extend(x, y)
        del x, y


def with_alternatives(scenario: Scenario, d: OrderDraws, skus: SkuTable, storages: list,
                      streams: Streams, site: np.ndarray, distance_km: np.ndarray,
                      n_orders: int, rank: int = 1) -> OrderDraws:
    """With an ``inventory.fallback`` other than ``backorder``, append for each of the
    first ``n_orders`` rows (the customers' orders) a dormant alternative row at
    ``site`` (its ``rank``-th nearest other site, ``distance_km`` away), drawn like any
    order from streams of its own (``.alt``, ``.alt2``...): used only if the order's
    nearest site lacks a line (``d`` grows in place)."""
    rows = np.arange(n_orders)
    suffix = ".alt" if rank == 1 else f".alt{rank}"
    return _with_copies(scenario, d, skus, storages, streams, rows, site, distance_km, suffix,
                        alt_of=rows.astype(np.int64))


def with_rests(scenario: Scenario, d: OrderDraws, skus: SkuTable, storages: list,
               streams: Streams, n_orders: int) -> OrderDraws:
    """With ``inventory.backorder: ship_available``, append for each of the first
    ``n_orders`` rows (the customers' orders) a dormant row at the same site for the
    rest of the order, should it ship in two parts (streams ``.rest``; ``d`` grows in
    place). It holds a copy of all the order's lines until the split says which it
    carries (:mod:`sim.model.parts`)."""
    rows = np.arange(n_orders)
    return _with_copies(scenario, d, skus, storages, streams, rows, d.site[rows],
                        d.distance_km[rows], ".rest", rest_of=rows.astype(np.int64))


def _with_copies(scenario: Scenario, d: OrderDraws, skus: SkuTable, storages: list,
                 streams: Streams, rows: np.ndarray, site: np.ndarray, distance_km: np.ndarray,
                 suffix: str, **marks: np.ndarray) -> OrderDraws:
    """Append a dormant copy of each of ``rows`` at ``site`` (``distance_km`` away),
    drawn from the streams renamed with ``suffix``; ``marks``: ``alt_of`` or
    ``rest_of`` of the copies (``d`` grows in place)."""
    new = draw_orders(scenario, _orders_subset(d.orders, rows), site, distance_km, skus, storages,
                      _Renamed(streams, suffix), np.full(len(rows), -1, dtype=np.int64), **marks)
    _extend(d, new)
    return d


def with_reships(scenario: Scenario, d: OrderDraws, skus: SkuTable, storages: list,
                 streams: Streams) -> OrderDraws:
    """Append the reships the draws call for, round by round (``d`` grows in place)."""
    rows = np.arange(len(d))
    for depth in range(1, scenario.remedies.max_reships + 1):
        parents = rows[needs_reship(scenario, d.parcels.delivery.exception[rows], d.pick_error[rows])]
        if not len(parents):
            break
        sub = _orders_subset(d.orders, parents)
        new = draw_orders(scenario, sub, d.site[parents], d.distance_km[parents], skus, storages,
                          _Renamed(streams, f".reship{depth}"), parents.astype(np.int64))
        start = len(d)
        _extend(d, new)
        del new
        rows = np.arange(start, len(d))
    return d
