"""Events that belong to no single order: a wave released to the pickers, a carrier's
pick-up at a dock (each with the parcels it took), and the stock's supplier orders.

Timestamps: release wave: the parcels' ``released_h`` (one event per site and wave);
carrier pick-up: ``shipped_h`` (one event per site, service and pick-up time); reorder
item: the supplier order's ``placed_h``; receive stock: its ``received_h``.
"""

from __future__ import annotations

import numpy as np

from sim.eventlog import ids
from sim.eventlog.blocks import EventBlock, Links
from sim.eventlog.tables import Tables
from sim.eventlog.vocabulary import CARRIER_PICKUP, RECEIVE_STOCK, RELEASE_WAVE, REORDER_ITEM


def _groups(keys: list[np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` sorted by ``keys`` (then by row), and the offsets of each group of equal
    keys in that order."""
    order = rows[np.lexsort((rows, *[k[rows] for k in reversed(keys)]))]
    if not len(order):
        return order, np.zeros(1, dtype=np.int64)
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for k in keys:
        v = k[order]
        change[1:] |= v[1:] != v[:-1]
    starts = np.flatnonzero(change)
    return order, np.concatenate((starts, [len(order)]))


def shared_events(t: Tables) -> list[EventBlock]:
    s = t.ships
    blocks = []
    site_code = np.unique(s.site, return_inverse=True)[1] if s.n else np.zeros(0, dtype=np.int64)

    waved = np.flatnonzero((s.wave_id >= 0) & ~np.isnan(s.released_h)) if s.n else np.zeros(0, dtype=np.int64)
    order, off = _groups([site_code, s.wave_id], waved)
    head = order[off[:-1]]
    blocks.append(EventBlock(
        RELEASE_WAVE, np.minimum.reduceat(s.released_h[order], off[:-1]) if len(head) else np.zeros(0),
        [("wave", ids.waves(s.site[head], s.wave_id[head])), ("warehouse", ids.warehouses(s.site[head]))],
        [Links("package", off, ids.packages(order))]))

    service_code = np.unique(s.service, return_inverse=True)[1] if s.n else np.zeros(0, dtype=np.int64)
    shipped = np.flatnonzero(~np.isnan(s.shipped_h)) if s.n else np.zeros(0, dtype=np.int64)
    order, off = _groups([site_code, service_code, s.shipped_h], shipped)
    head = order[off[:-1]]
    blocks.append(EventBlock(
        CARRIER_PICKUP, s.shipped_h[head],
        [("carrier", ids.carriers(s.service[head])), ("warehouse", ids.warehouses(s.site[head]))],
        [Links("package", off, ids.packages(order))], attrs={"parcels": np.diff(off).astype(np.int64)}))

    so = t.supplier_orders
    if so.n:
        rep = ids.replenishments(np.arange(so.n))
        links = [("replenishment order", rep), ("product", ids.products(so.sku)),
                 ("warehouse", ids.warehouses(so.site))]
        blocks.append(EventBlock(REORDER_ITEM, so.placed_h, links, attrs={"units": so.units.astype(np.int64)}))
        got = ~np.isnan(so.received_h)
        blocks.append(EventBlock(RECEIVE_STOCK, so.received_h[got], [(q, v[got]) for q, v in links],
                                 attrs={"units": so.units[got].astype(np.int64)}))
    return blocks
