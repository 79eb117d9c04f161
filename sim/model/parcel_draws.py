"""Making parcels: everything drawn for a batch of new parcels, from their contents.

:meth:`ParcelMaker.draw` takes parcels whose identity is set in the
:class:`~sim.model.shipments.Shipments` table (order, kind, key, site, lines and units)
and draws the rest: the carrier service, the box and its costs, the picking work (see
:mod:`sim.model.picking.work`), pack and label times, and the delivery fate. Every draw
is keyed by the parcel (or one of its lines or units), one keyed stream per variate,
so the same parcel gets the same draws whether it is made in bulk before the run or on
its own during it, and whatever else happened in the run.

What follows the contents (box, weight, dunnage, costs, pick locations and times, pack
time) is the parcel's own: a part of a split order gets a box for what it carries. The
carrier service follows the order (its channel, and whether the customer paid for
express) and the site.
"""

from __future__ import annotations

import numpy as np

from sim.model import packaging
from sim.model.catalogue import SkuTable
from sim.model.delivery import draw_fate, zone_of
from sim.model.picking.work import Items, draw_pick_work, sum_by_parcel
from sim.model.returns import draw_parcel_returns
from sim.model.shipments import Shipments
from sim.rng import Streams, mix_keys
from sim.scenario.schema import Scenario
from sim.units import SECONDS_PER_HOUR


class ParcelMaker:
    """Draws new parcels' contents-dependent facts, work and fate (see the module
    docstring). ``channel`` and ``expedited``: per order."""

    def __init__(self, scenario: Scenario, streams: Streams, skus: SkuTable, storages: list,
                 channel: np.ndarray, expedited: np.ndarray) -> None:
        self.scenario, self.streams, self.skus, self.storages = scenario, streams, skus, storages
        self.channel, self.expedited = channel, expedited
        self.sku_volume_cm3 = skus.volume_cm3  # (computed, not stored, by the catalogue)
        self.sites = scenario.sites
        self.carriers = list(scenario.carriers.values())
        names = list(scenario.carriers)
        offered = [{wh.shipping.carrier, *wh.shipping.services} for wh in scenario.warehouses.values()]
        default = [names.index(scenario.warehouses[s].shipping.carrier) for s in self.sites]
        # service[site, channel, expedited]: the carrier service index.
        self.service_table = np.zeros((len(self.sites), len(scenario.demand.channels), 2), dtype=np.int16)
        for s in range(len(self.sites)):
            for c, ch in enumerate(scenario.demand.channels.values()):
                normal = names.index(ch.service) if ch.service in offered[s] else default[s]
                fast = (names.index(ch.expedited_service) if ch.expedited_service in offered[s]
                        else normal)
                self.service_table[s, c] = (normal, fast)

    def draw(self, table: Shipments, ids: np.ndarray, shipping: bool = True) -> None:
        """Draw everything for the parcels ``ids`` (identity already in ``table``);
        with ``shipping=False`` all but what only the carrier and the customer need
        (:meth:`draw_shipping`, to be drawn before the parcels ship)."""
        if not len(ids):
            return
        rows, offsets = table.line_rows(ids)
        counts = np.diff(offsets)
        keys = table.key[ids]
        line_units = table.line_units[rows]
        table.lines[ids] = counts
        units_per = sum_by_parcel(line_units, counts).astype(np.int64)
        table.units[ids] = units_per
        lines = Items(np.repeat(np.arange(len(ids)), counts),
                      mix_keys(np.repeat(keys, counts), table.line_index[rows]), counts)
        unit_index = np.arange(int(units_per.sum())) - np.repeat(np.cumsum(units_per) - units_per, units_per)
        unit_items = Items(np.repeat(np.arange(len(ids)), units_per),
                           mix_keys(np.repeat(keys, units_per), unit_index), units_per)
        site = table.site[ids]
        table.service[ids] = self.service_table[site, self.channel[table.order[ids]],
                                                self.expedited[table.order[ids]].astype(np.int64)]
        volume, weight, longest, fragile = packaging.order_totals(
            offsets, table.line_sku[rows], line_units, self.sku_volume_cm3, self.skus.weight_kg,
            self.skus.longest_cm, self.skus.fragile)
        table.weight_kg[ids] = weight
        table.volume_cm3[ids] = volume
        table.fragile_units[ids] = fragile
        table.billable_kg[ids] = weight
        sites_here = np.unique(site)
        if len(sites_here) == 1:  # (always so for a parcel made during the run)
            self._draw_site(table, int(sites_here[0]), ids, rows, lines, unit_items,
                            volume, weight, longest, fragile)
        else:
            for s in sites_here.tolist():
                mine = np.flatnonzero(site == s)
                self._draw_site(table, s, ids[mine], rows[_positions(offsets, mine)],
                                _subset(lines, mine), _subset(unit_items, mine),
                                volume[mine], weight[mine], longest[mine], fragile[mine])
        if shipping:
            self.draw_shipping(table, ids)

    def draw_shipping(self, table: Shipments, ids: np.ndarray) -> None:
        """What only the carrier and the customer need, of parcels drawn otherwise
        (:meth:`draw` with ``shipping=False``): the delivery fate, the shipping cost and
        the parcel's return draws. (Apart because it is read only once the parcel
        ships: parcels made during the run get it together, at their pick-up.)"""
        if not len(ids):
            return
        draw_parcel_returns(self.scenario.returns, table, ids, self.streams)
        site = table.site[ids]
        for s in np.unique(site).tolist():
            mine = ids[site == s]
            cfg = self.scenario.warehouses[self.sites[s]].packing.packaging
            protection = np.full(len(mine), 0.0 if cfg is None else cfg.protection)
            fragile = table.fragile_units[mine].astype(np.int64)
            keys, service, distance = table.key[mine], table.service[mine], table.distance_km[mine]
            for c in np.unique(service).tolist():
                by = np.flatnonzero(service == c)
                carrier = self.carriers[c]
                fate = draw_fate(carrier, distance[by], keys[by], self.streams, fragile[by], protection[by])
                sel = mine[by]
                table.transit_days[sel] = fate.transit_days
                table.late_by_carrier[sel] = fate.late_by_carrier
                table.exception[sel] = fate.exception
                table.delivery_hour[sel] = fate.hour
                table.notify_label_lag_h[sel] = fate.notify_lag_h[:, 0]
                table.notify_pickup_lag_h[sel] = fate.notify_lag_h[:, 1]
                table.notify_delivered_lag_h[sel] = fate.notify_lag_h[:, 2]
                if carrier.rates is not None:
                    table.shipping_cost[sel] = packaging.shipping_cost(
                        carrier.rates, zone_of(carrier, distance[by]), table.billable_kg[sel])

    def _draw_site(self, table: Shipments, s: int, ids: np.ndarray, my_rows: np.ndarray,
                   my_lines: Items, my_units: Items, volume, weight, longest, fragile) -> None:
        """Box, picking, packing and billable weight of the parcels ``ids`` at site
        ``s`` (their line rows ``my_rows``, their lines and units)."""
        wh = self.scenario.warehouses[self.sites[s]]
        streams = self.streams
        keys = table.key[ids]
        cfg = wh.packing.packaging
        dunnage_h = np.zeros(len(ids))
        if cfg is not None:
            box = packaging.choose_boxes(cfg, volume, weight, longest, fragile)
            table.box[ids] = box
            table.no_box[ids] = box < 0
            table.box_fill[ids] = packaging.fill_ratio(cfg, box, volume)
            table.packaging_cost[ids] = packaging.packaging_cost(cfg, box, fragile)
            n_fragile = int(fragile.sum())
            if n_fragile:  # (none: no dunnage time, the zeros above)
                fragile_keys = mix_keys(np.repeat(keys, fragile),
                                        np.arange(n_fragile) - np.repeat(np.cumsum(fragile) - fragile, fragile))
                dunnage_h = packaging.dunnage_time_s(
                    cfg, fragile, streams.keyed("packing.dunnage").uniform(fragile_keys)) / SECONDS_PER_HOUR
        pack_extra_h = draw_pick_work(wh.picking, self.storages[s], table, ids, my_rows, my_lines,
                                      my_units, streams)
        per_unit_s = wh.packing.time_per_unit_s.ppf(streams.keyed("packing.unit_time").uniform(my_units.key))
        pack_s = (wh.packing.time_per_order_s.ppf(streams.keyed("packing.order_time").uniform(keys))
                  + sum_by_parcel(per_unit_s, my_units.counts))
        table.pack_h[ids] = pack_s / SECONDS_PER_HOUR + pack_extra_h + dunnage_h
        table.label_h[ids] = wh.shipping.label_time_s.ppf(
            streams.keyed("labels.label_time").uniform(keys)) / SECONDS_PER_HOUR
        made, found = table.errors_made[ids], table.errors_found[ids]
        parcel_units, parcel_lines = table.units[ids], table.lines[ids]
        table.wrong_units[ids] = np.clip(np.ceil(parcel_units * (made - found) / np.maximum(parcel_lines, 1)),
                                         1, np.maximum(parcel_units, 1))
        # Billable weight: the larger of actual and dimensional weight of the box (no
        # box modelled or none fits: the actual weight), from the exact weight.
        service = table.service[ids]
        for c in np.unique(service).tolist():
            carrier = self.carriers[c]
            if carrier.rates is None or cfg is None:
                continue
            by = np.flatnonzero(service == c)
            sel = ids[by]
            b = table.box[sel]
            dim_kg = packaging.billable_weight_kg(weight[by], packaging.box_dims_cm(cfg, b),
                                                  carrier.rates.dim_divisor_cm3_per_kg)
            table.billable_kg[sel] = np.where(b >= 0, dim_kg, weight[by])


def _positions(offsets: np.ndarray, mine: np.ndarray) -> np.ndarray:
    """Indices, into a batch's flattened items, of the items of the parcels ``mine``."""
    start, end = offsets[mine], offsets[mine + 1]
    counts = end - start
    return np.repeat(start - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + np.arange(counts.sum())


def _subset(items: Items, mine: np.ndarray) -> Items:
    """The items of the parcels at positions ``mine`` of the batch."""
    offsets = np.concatenate(([0], np.cumsum(items.counts))).astype(np.int64)
    pos = _positions(offsets, mine)
    return Items(np.repeat(np.arange(len(mine)), items.counts[mine]), items.key[pos], items.counts[mine])
