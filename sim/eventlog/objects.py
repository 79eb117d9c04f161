"""The objects of the log and their object-to-object links.

Per chunk of orders: the orders (placed by their customer, comprising their items),
the items (each of a product), the packages (for an order, containing items; a reship
replaces its parent) and the returns (of a package). Once per log: customers (one per
region), products (the SKUs that appear), employees (pickers and packers who worked,
each working at a warehouse), pick tours (picked by an employee), waves, carriers
(services), replenishment orders (of a product, for a warehouse) and warehouses.

Attributes are the values at the end of the run (status, for instance), written as
valid from the start of time (OCEL 2.0's way of writing an attribute that does not
change in the log).
"""

from __future__ import annotations

import numpy as np

from sim.eventlog import ids
from sim.eventlog.blocks import Links, ObjectBlock
from sim.eventlog.picking import employee_ids
from sim.eventlog.tables import Chunk, Tables
from sim.eventlog.values import rounded
from sim.eventlog.vocabulary import (
    CARRIER,
    CUSTOMER,
    EMPLOYEE,
    ITEM,
    ORDER,
    PACKAGE,
    PICK_TOUR,
    PRODUCT,
    REPLENISHMENT,
    RETURN,
    WAREHOUSE,
    WAVE,
)


def chunk_objects(t: Tables, c: Chunk) -> list[ObjectBlock]:
    o, s = t.orders, t.ships
    osl = slice(c.lo, c.hi)
    lines = slice(c.line_lo, c.line_hi)
    blocks = [
        ObjectBlock(ORDER, c.order_ids,
                    {"channel": o.channel[osl], "lines": o.lines[osl].astype(np.int64),
                     "units": o.units[osl].astype(np.int64),
                     "order_value": rounded(o.order_value[osl], 2), "status": o.status[osl]},
                    [("placed by", ids.customers(o.region[osl]))], [Links("comprises", c.line_offsets, c.item_ids)]),
        ObjectBlock(ITEM, c.item_ids, {"sku": t.lines.sku[lines].astype(np.int64),
                                       "units": t.lines.units[lines].astype(np.int64)},
                    [("product", ids.products(t.lines.sku[lines]))]),
    ]
    ship = c.ships
    parent = s.parent_shipment[ship]
    blocks.append(ObjectBlock(
        PACKAGE, c.package_ids,
        {"kind": s.kind[ship], "site": s.site[ship], "service": s.service[ship],
         "lines": s.lines[ship].astype(np.int64), "units": s.units[ship].astype(np.int64),
         "box": s.box[ship], "weight_kg": rounded(s.weight_kg[ship], 3), "status": s.status[ship]},
        [("for", c.order_ids[s.order_id[ship] - c.lo]),
         ("replaces", ids.where(parent >= 0, ids.packages(np.maximum(parent, 0))))],
        [Links("contains", c.ship_offsets, c.item_ids[c.line_item])]))
    back = ship[s.returned[ship].astype(bool)]
    blocks.append(ObjectBlock(RETURN, ids.returns(back),
                              {"reason": s.return_reason[back], "units": s.units_returned[back].astype(np.int64)},
                              [("returns", ids.packages(back))]))
    return blocks


def shared_objects(t: Tables) -> list[ObjectBlock]:
    o, s = t.orders, t.ships
    sites = list(t.scenario.sites)
    regions = np.unique(o.region) if o.n else np.zeros(0, dtype=object)
    supplied = t.supplier_orders.sku if t.supplier_orders.n else np.zeros(0)
    skus = np.unique(np.concatenate([t.lines.sku, supplied]).astype(np.int64))
    blocks = [
        ObjectBlock(CUSTOMER, ids.customers(regions), {"region": regions}),
        ObjectBlock(PRODUCT, ids.products(skus), {"sku": skus}),
        ObjectBlock(WAREHOUSE, ids.warehouses(sites), {"site": np.array(sites, dtype=object)}),
    ]
    services = np.array(list(t.scenario.carriers), dtype=object)
    blocks.append(ObjectBlock(CARRIER, ids.carriers(services), {"service": services}))

    # Employees who worked: pickers on a tour, packers who packed or labelled.
    tr = t.tours
    pickers = (employee_ids(tr.site, "pickers", tr.worker, tr.zone), tr.site, "pickers") if tr.n else None
    packers = (np.concatenate([employee_ids(s.site, "packers", s.packer), t.label_packer]),
               np.concatenate([s.site, s.site]), "packers") if s.n else None
    for got in (pickers, packers):
        if got is None:
            continue
        emp, site, role = got
        keep = np.array([e is not None for e in emp], dtype=bool)
        emp, first = np.unique(emp[keep].astype(str), return_index=True)
        site = site[keep][first]
        blocks.append(ObjectBlock(EMPLOYEE, emp.astype(object),
                                  {"site": site, "role": np.full(len(emp), role, dtype=object)},
                                  [("works at", ids.warehouses(site))]))
    shown = np.flatnonzero(np.isin(tr.site, list(t.tour_sites))) if tr.n else np.zeros(0, dtype=np.int64)
    if len(shown):
        site = tr.site[shown]
        blocks.append(ObjectBlock(
            PICK_TOUR, ids.tours(shown),
            {"site": site, "parcels": tr.orders[shown].astype(np.int64),
             "lines": tr.lines[shown].astype(np.int64), "distance_m": rounded(tr.distance_m[shown], 1)},
            [("picker", employee_ids(site, "pickers", tr.worker[shown], tr.zone[shown])),
             ("warehouse", ids.warehouses(site))]))
    waved = (s.wave_id >= 0) & ~np.isnan(s.released_h) if s.n else np.zeros(0, dtype=bool)
    if waved.any():
        pairs = sorted(set(zip(s.site[waved].tolist(), s.wave_id[waved].tolist(), strict=True)))
        site = np.array([p[0] for p in pairs], dtype=object)
        blocks.append(ObjectBlock(WAVE, ids.waves(site, np.array([p[1] for p in pairs])), {"site": site},
                                  [("warehouse", ids.warehouses(site))]))
    so = t.supplier_orders
    if so.n:
        blocks.append(ObjectBlock(REPLENISHMENT, ids.replenishments(np.arange(so.n)),
                                  {"sku": so.sku.astype(np.int64), "units": so.units.astype(np.int64)},
                                  [("product", ids.products(so.sku)), ("warehouse", ids.warehouses(so.site))]))
    return blocks
