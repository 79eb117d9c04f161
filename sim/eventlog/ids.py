"""Object identifiers: a type's prefix and the object's own key, unique across types
(``order-12``, ``item-12-0`` (order 12's first line), ``package-40``, ``customer-CA``,
``product-92``, ``west.pickers.3``, ``tour-7``, ``wave-west-3``, ``carrier-ground``,
``return-40`` (package 40's), ``replenishment-5``, ``warehouse-west``)."""

from __future__ import annotations

import numpy as np


def fmt(template: str, *columns) -> np.ndarray:
    """``template % row`` for each row of the columns, as an object array. A column
    of few distinct values (names) is formatted once per value."""
    cols = [c.tolist() if isinstance(c, np.ndarray) else list(c) for c in columns]
    n = len(cols[0]) if cols else 0
    out = np.empty(n, dtype=object)
    if len(cols) == 1 and n and isinstance(cols[0][0], str):
        made: dict[str, str] = {}
        out[:] = [made.get(v) or made.setdefault(v, template % v) for v in cols[0]]
    elif len(cols) == 1:
        out[:] = [template % v for v in cols[0]]
    else:
        out[:] = [template % row for row in zip(*cols, strict=True)]
    return out


def where(mask: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``ids`` where ``mask``, None elsewhere (an event without that link)."""
    out = np.empty(len(ids), dtype=object)
    out[mask] = ids[mask]
    return out


def orders(order_id) -> np.ndarray:
    return fmt("order-%d", order_id)


def items(order_id, line) -> np.ndarray:
    return fmt("item-%d-%d", order_id, line)


def packages(shipment_id) -> np.ndarray:
    return fmt("package-%d", shipment_id)


def customers(region) -> np.ndarray:
    return fmt("customer-%s", region)


def products(sku) -> np.ndarray:
    sku = np.asarray(sku)
    uniq, inverse = np.unique(sku, return_inverse=True)
    return fmt("product-%d", uniq)[inverse.reshape(-1)] if len(sku) else np.empty(0, dtype=object)


def warehouses(site) -> np.ndarray:
    return fmt("warehouse-%s", site)


def carriers(service) -> np.ndarray:
    return fmt("carrier-%s", service)


def tours(tour_id) -> np.ndarray:
    return fmt("tour-%d", tour_id)


def waves(site, wave_id) -> np.ndarray:
    return fmt("wave-%s-%d", site, wave_id)


def returns(shipment_id) -> np.ndarray:
    return fmt("return-%d", shipment_id)


def replenishments(row) -> np.ndarray:
    return fmt("replenishment-%d", row)
