"""The end of a replication: from the run's records to two tidy tables.

- ``shipments``: one row per parcel the model created, as it stood at the end of the
  run. A time after the end (an arrival, a declared loss, a return) did not happen:
  the parcel is still in transit, the return not back yet (``nothing after the end``).
- ``orders``: one row per customer order, with its milestones over its first-attempt
  parcels (every kind but reships): released (the first), picked, packed, shipped and
  delivered (the last: the order complete), the lead time to a correct delivery
  through reships, its status, its remedy and its customer's survey answer.

Columns are documented in the README (orders.parquet, shipments.parquet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.geo import us_states
from sim.model.aftersales import (
    DISSATISFACTION_REASONS,
    REMEDIES,
    OrderTrouble,
    aftersales,
    parcel_remedies,
)
from sim.model.delivery import ADDRESS_PROBLEM, DAMAGED, EXCEPTIONS, LOST
from sim.model.draws import CANCEL_REASONS, OrderBook
from sim.model.picking.work import sum_by_parcel
from sim.model.returns import RETURN_REASONS
from sim.model.shipments import KINDS, RESHIP, Shipments
from sim.records import ORDER_STATUSES, SHIPMENT_STATUSES, OrderRecord
from sim.scenario.schema import Scenario

IN_WAREHOUSE, SHIP_BACKORDERED, IN_TRANSIT, SHIP_DELIVERED, SHIP_LOST = range(len(SHIPMENT_STATUSES))

# The table's columns the frames read once its parcels are compacted
# (:meth:`Shipments.keep_only`), and those :func:`parcel_outcomes` reads besides: the
# run's working columns (draws read by picking and packing, tour plans, return
# draws...) are dropped first, not held beside the frames (:meth:`Shipments.keep_columns`).
_FRAME_COLUMNS = {
    "order", "kind", "parent", "site", "line_start", "line_end", "lines", "units", "distance_km",
    "service", "weight_kg", "fragile_units", "box", "no_box", "box_fill", "packaging_cost",
    "billable_kg", "shipping_cost", "errors_made", "errors_found", "transit_days",
    "late_by_carrier", "notify_label_lag_h", "notify_pickup_lag_h", "notify_delivered_lag_h",
    "created_h", "released_h", "pick_start_h", "picked_h", "pack_start_h", "packed_h",
    "packer_done_h", "labelled_h", "shipped_h", "lost_h", "returned_h", "restocked_h",
    "backordered_h", "backorder_filled_h", "picker", "packer", "tour_id", "batch_size", "wave_id",
    "zones_touched", "pick_travel_m", "return_reason", "units_returned",
}
_FRAME_LINE_COLUMNS = {"sku", "units", "index"}
_OUTCOME_COLUMNS = {"delivered_h", "exception", "depth"}


@dataclass
class ParcelOutcome:
    """Per created parcel (``ids``, in slot order), what had happened by the end."""

    ids: np.ndarray
    delivered_h: np.ndarray  # NaN: lost, or not delivered yet
    lost: np.ndarray  # declared lost by the end
    exception: np.ndarray  # as known at the end (0: none known)
    pick_error: np.ndarray  # left with an uncaught wrong line (or unit)
    returned: np.ndarray
    status: np.ndarray
    correct_h: np.ndarray  # first intact, right delivery through its reships
    reshipped: np.ndarray  # its reship was made
    remedy: np.ndarray
    remedy_cost: np.ndarray
    value: np.ndarray  # selling price of its units
    goods_cost: np.ndarray  # its units at unit cost


def _per_parcel_sum(table: Shipments, ids: np.ndarray, per_sku: np.ndarray) -> np.ndarray:
    """Each parcel's units times ``per_sku``, summed over its own lines only (the same
    to the last bit whichever other parcels the run made)."""
    rows, offsets = table.line_rows(ids)
    per_line = per_sku[table.line_sku[rows]] * table.line_units[rows]
    return sum_by_parcel(per_line, np.diff(offsets))


def parcel_outcomes(table: Shipments, end_h: float, skus, remedies) -> ParcelOutcome:
    t = table
    ids = t.created()
    n = len(ids)
    delivered = t.delivered_h[ids].copy()
    delivered[delivered > end_h] = np.nan
    lost = t.lost_h[ids] <= end_h
    known = ~np.isnan(delivered) | lost
    exception = np.where(known, t.exception[ids], 0).astype(np.int8)
    # A parcel's errors are known once it is packed: the packing scan is the last
    # check, and an after-pick sort is done by the packer (nothing after the end).
    packed = ~np.isnan(t.packed_h[ids])
    pick_error = (t.errors_made[ids] > t.errors_found[ids]) & packed
    returned = t.returned_h[ids] <= end_h
    status = np.full(n, IN_WAREHOUSE, dtype=np.int8)
    waiting = ~np.isnan(t.backordered_h[ids]) & np.isnan(t.backorder_filled_h[ids])
    status[waiting & (t.kind[ids] == RESHIP)] = SHIP_BACKORDERED
    status[~np.isnan(t.shipped_h[ids])] = IN_TRANSIT
    status[~np.isnan(delivered)] = SHIP_DELIVERED
    status[lost] = SHIP_LOST

    # Reship chains, deepest first: a parcel is right when it arrived intact and right,
    # else when its reship (if any) was.
    local = np.full(t.size, -1, dtype=np.int64)
    local[ids] = np.arange(n)
    parent = t.parent[ids]
    child = np.full(n, -1, dtype=np.int64)
    has_parent = parent >= 0
    child[local[parent[has_parent]]] = np.flatnonzero(has_parent)
    ok = ~np.isnan(delivered) & (exception != DAMAGED) & ~pick_error
    correct = np.where(ok, delivered, np.nan)
    depth = t.depth[ids]
    for d in range(int(depth.max(initial=0)), -1, -1):
        at = np.flatnonzero((depth == d) & ~ok & (child >= 0))
        correct[at] = correct[child[at]]

    # Trouble that came to light in the run: a declared loss, a damaged or wrong parcel
    # delivered. Each is reshipped or refunded.
    troubled = lost | (~np.isnan(delivered) & ((exception == DAMAGED) | pick_error))
    reshipped = child >= 0
    value = _per_parcel_sum(t, ids, skus.unit_price)
    goods = _per_parcel_sum(t, ids, skus.unit_cost)
    own_cost = goods + np.nan_to_num(t.packaging_cost[ids]) + np.nan_to_num(t.shipping_cost[ids])
    reship_cost = np.where(reshipped, own_cost[np.maximum(child, 0)], np.nan)
    remedy, remedy_cost = parcel_remedies(remedies, troubled, reshipped, value, reship_cost)
    return ParcelOutcome(ids, delivered, lost, exception, pick_error, returned, status, correct,
                         reshipped, remedy, remedy_cost, value, goods)


def _order_max(order: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per order, the largest of its parcels' values, NaN if any is NaN or it has none."""
    out = np.full(n, -np.inf)
    with np.errstate(invalid="ignore"):  # NaN wins: an unfinished parcel
        np.maximum.at(out, order, values)
    out[np.isinf(out)] = np.nan
    return out


def _order_min(order: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per order, the smallest of its parcels' values ignoring NaN (NaN if none)."""
    out = np.full(n, np.inf)
    np.fmin.at(out, order, values)
    out[np.isinf(out)] = np.nan
    return out


def _order_any(order: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(order[mask], minlength=n) > 0


def frames(scenario: Scenario, replication: int, book: OrderBook, record: OrderRecord,
           table: Shipments, end_h: float, skus) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(orders, shipments) as they stood at the end of the run (module docstring). The
    table is compacted to the created parcels (:meth:`Shipments.keep_only`) on the way,
    its working columns dropped."""
    table.keep_columns(_FRAME_COLUMNS | _OUTCOME_COLUMNS, _FRAME_LINE_COLUMNS)
    po = parcel_outcomes(table, end_h, skus, scenario.remedies)
    # Created parcels renumbered 0..m-1 in place: the frames take the table's columns
    # as they are (views), not copies of them.
    table.keep_columns(_FRAME_COLUMNS, _FRAME_LINE_COLUMNS)
    table.keep_only(po.ids)
    t, ids = table, slice(0, len(po.ids))
    n = len(book)
    orders = book.orders
    order_of = t.order[ids]
    first = t.kind[ids] != RESHIP
    fo = order_of[first]
    parcels = np.bincount(fo, minlength=n)
    # A rest still waiting for stock: the order is not complete.
    pending = (~np.isnan(record.backordered_h) & np.isnan(record.backorder_filled_h)
               & (record.cancel_code == 0))
    has = parcels > 0

    def last(col: np.ndarray) -> np.ndarray:
        out = _order_max(fo, col[first], n)
        out[pending] = np.nan
        return out

    def earliest(col: np.ndarray) -> np.ndarray:
        return _order_min(fo, col[first], n)

    delivered_h = last(po.delivered_h)
    correct_h = last(po.correct_h)
    shipped_h = last(t.shipped_h[ids])
    lost_any = _order_any(fo, po.lost[first], n)
    status = np.full(n, ORDER_STATUSES.index("in_progress"), dtype=np.int8)
    status[pending | (~has & ~np.isnan(record.backordered_h))] = ORDER_STATUSES.index("backordered")
    status[has & ~np.isnan(shipped_h)] = ORDER_STATUSES.index("in_transit")
    status[~np.isnan(delivered_h)] = ORDER_STATUSES.index("delivered")
    status[lost_any] = ORDER_STATUSES.index("lost")
    cancel_code = record.cancel_code.copy()
    # A decline answered after the end is not known at the end: still awaiting payment.
    cancel_code[(cancel_code == CANCEL_REASONS.index("payment_declined"))
                & (book.payment_answered_h > end_h)] = 0
    cancelled = cancel_code > 0
    status[cancelled] = ORDER_STATUSES.index("cancelled")

    delivered = ~np.isnan(delivered_h)
    due_passed = book.due_h <= end_h
    on_time = np.where(delivered, delivered_h <= book.due_h, False)
    # Known once delivered, once the promised day has passed, or once a parcel is
    # declared lost: a lost order stays lost (reshipped or not), never on time.
    on_time_known = delivered | ((due_passed | lost_any) & ~cancelled)

    # Worst exception known at the end over the first-attempt parcels.
    exc = np.zeros(n, dtype=np.int8)
    for code in (ADDRESS_PROBLEM, DAMAGED, LOST):
        exc[_order_any(fo, po.exception[first] == code, n)] = code
    got = ~np.isnan(po.delivered_h)
    trouble = OrderTrouble(
        delivered_h=delivered_h, due_h=book.due_h, lost=lost_any,
        damaged=_order_any(fo, got[first] & (po.exception[first] == DAMAGED), n),
        wrong=_order_any(fo, got[first] & po.pick_error[first], n),
        address_problem=_order_any(fo, got[first] & (po.exception[first] == ADDRESS_PROBLEM), n),
        refunded=_order_any(order_of, po.remedy == 1, n),
        reshipped=_order_any(order_of, po.remedy == 3, n),
        parcel_remedy_cost=np.bincount(order_of, po.remedy_cost, minlength=n))
    after = aftersales(scenario.remedies, scenario.satisfaction, trouble, book.survey_u,
                       book.survey_noise_u)

    ret_reason = t.return_reason[ids]
    back = po.returned & first
    reasons = ["", *RETURN_REASONS, *scenario.returns.reasons]
    first_back = np.full(n, -1, dtype=np.int64)  # the order's earliest return's reason
    back_ids = np.flatnonzero(back)
    back_ids = back_ids[np.argsort(t.returned_h[ids][back_ids], kind="stable")[::-1]]
    first_back[order_of[back_ids]] = ret_reason[back_ids]
    served = _served_from(fo, t.site[ids][first], n, len(scenario.sites))
    sites = scenario.sites
    channels = list(scenario.demand.channels)
    placed = orders.placed_h
    order_cols = {
        "replication": np.full(n, replication, dtype=np.int32),
        "order_id": np.arange(n, dtype=np.int64),
        "channel": pd.Categorical.from_codes(orders.channel.astype(np.int64), channels),
        "region": pd.Categorical.from_codes(orders.region.astype(np.int64), us_states().codes),
        "site": pd.Categorical.from_codes(book.site.astype(np.int64), sites),
        "served_from": pd.Categorical.from_codes(served, [*sites, "split"]),
        "lines": orders.lines,
        "units": orders.units,
        "order_value": book.value.astype(np.float32),
        "payment_attempts": book.attempts,
        "placed_h": placed,
        "paid_h": _censor(book.paid_h, end_h),  # (a retry may clear after the end)
        "due_h": book.due_h,
        "released_h": earliest(t.released_h[ids]),
        "pick_start_h": earliest(t.pick_start_h[ids]),
        "picked_h": last(t.picked_h[ids]),
        "pack_start_h": earliest(t.pack_start_h[ids]),
        "packed_h": last(t.packed_h[ids]),
        "shipped_h": shipped_h,
        "delivered_h": delivered_h,
        "lead_time_h": delivered_h - placed,
        "correct_delivery_h": correct_h,
        "status": pd.Categorical.from_codes(status, ORDER_STATUSES),
        "cancel_reason": pd.Categorical.from_codes(cancel_code.astype(np.int8), CANCEL_REASONS),
        "on_time": pd.arrays.BooleanArray(on_time, ~on_time_known),
        "exception": pd.Categorical.from_codes(exc, EXCEPTIONS),
        "late_by_carrier": _order_any(fo, got[first] & t.late_by_carrier[ids][first], n),
        "pick_error": _order_any(fo, po.pick_error[first], n),
        "returned": first_back >= 0,
        "return_reason": pd.Categorical.from_codes(first_back + 1, reasons),
        "units_returned": np.bincount(fo, np.where(back, t.units_returned[ids], 0)[first],
                                      minlength=n).astype(np.int32),
        "remedy": pd.Categorical.from_codes(after.remedy, REMEDIES),
        "remedy_cost": after.remedy_cost.astype(np.float32),
        "csat": after.csat.astype(np.float32),
        "dissatisfied_reason": pd.Categorical.from_codes(after.dissatisfied_reason, DISSATISFACTION_REASONS),
        "parcels": parcels.astype(np.int16),
        "reships": np.bincount(order_of[~first], minlength=n).astype(np.int16),
        "backordered_h": record.backordered_h,
        "backorder_filled_h": record.backorder_filled_h,
    }
    orders_df = pd.DataFrame(order_cols, copy=False)
    return orders_df, _shipments_frame(scenario, replication, table, po, end_h)


def line_zones(table, zone_widths: dict[int, int]) -> np.ndarray:
    """Per line of each created parcel (in :func:`shipment_lines`' order), the picking
    zone it lies in (its aisle over the site's aisles per zone: ``zone_widths``, per
    site that picks by zone); -1 at other sites. (Before the frames drop the aisles.)"""
    ids = table.created()
    rows, offsets = table.line_rows(ids)
    zone = np.full(len(rows), -1, dtype=np.int16)
    if zone_widths:
        site = np.repeat(table.site[ids], np.diff(offsets))
        for s, width in zone_widths.items():
            mine = site == s
            zone[mine] = table.line_aisle[rows[mine]] // width
    return zone


def shipment_lines(table, replication: int, zones: np.ndarray) -> pd.DataFrame:
    """One row per line of each created parcel (README, shipments.parquet ids): its
    ``shipment_id``, ``line`` (the line's place in its order), ``sku``, the ``units``
    the parcel carries of it and the picking ``zone`` it was picked in (-1: the site
    does not pick by zone; from :func:`line_zones`). A parcel made of part of an order
    (``split``, ``rest``, ``ship_available``) carries only some lines or units; a
    reship its parent's."""
    ids = table.created()
    rows, offsets = table.line_rows(ids)
    counts = np.diff(offsets)
    return pd.DataFrame({
        "replication": np.full(len(rows), replication, dtype=np.int32),
        "shipment_id": np.repeat(np.arange(len(ids), dtype=np.int64), counts),
        "line": table.line_index[rows].astype(np.int16),
        "sku": table.line_sku[rows].astype(np.int32),
        "units": table.line_units[rows].astype(np.int32),
        "zone": zones,
    }, copy=False)


def _served_from(order: np.ndarray, site: np.ndarray, n: int, n_sites: int) -> np.ndarray:
    """Per order: the site that shipped all its first-attempt parcels, ``n_sites``
    ("split") if several did; -1 (none yet) where it has no parcel."""
    lo = np.full(n, n_sites, dtype=np.int64)
    hi = np.full(n, -1, dtype=np.int64)
    np.minimum.at(lo, order, site)
    np.maximum.at(hi, order, site)
    return np.where(hi < 0, -1, np.where(lo == hi, lo, n_sites))


def _censor(values: np.ndarray, end_h: float) -> np.ndarray:
    out = values.astype(np.float64, copy=True)
    out[out > end_h] = np.nan
    return out


def _shipments_frame(scenario: Scenario, replication: int, table: Shipments, po: ParcelOutcome,
                     end_h: float) -> pd.DataFrame:
    m = len(po.ids)
    t, ids = table, slice(0, m)  # (renumbered by Shipments.keep_only: parents too)
    box_names, box_code = _box_names(scenario, t.site[ids], t.box[ids])
    reasons = ["", *RETURN_REASONS, *scenario.returns.reasons]
    ret = np.where(po.returned, t.return_reason[ids], -1).astype(np.int64)
    labelled = t.labelled_h[ids]
    packed = ~np.isnan(t.packed_h[ids])  # (its pick errors are known from then: parcel_outcomes)
    cols = {
        "replication": np.full(m, replication, dtype=np.int32),
        "shipment_id": np.arange(m, dtype=np.int64),
        "order_id": t.order[ids],
        "kind": pd.Categorical.from_codes(t.kind[ids].astype(np.int64), KINDS),
        "parent_shipment": t.parent[ids],
        "site": pd.Categorical.from_codes(t.site[ids].astype(np.int64), scenario.sites),
        "service": pd.Categorical.from_codes(t.service[ids].astype(np.int64), list(scenario.carriers)),
        "distance_km": t.distance_km[ids],
        "lines": t.lines[ids],
        "units": t.units[ids],
        "box": pd.Categorical.from_codes(box_code, box_names),
        "no_box": t.no_box[ids],
        "box_fill": t.box_fill[ids],
        "weight_kg": t.weight_kg[ids],
        "billable_kg": t.billable_kg[ids],
        "fragile_units": t.fragile_units[ids],
        "packaging_cost": t.packaging_cost[ids],
        "shipping_cost": t.shipping_cost[ids],
        "created_h": t.created_h[ids],
        "backordered_h": t.backordered_h[ids],
        "backorder_filled_h": t.backorder_filled_h[ids],
        "released_h": t.released_h[ids],
        "wave_id": t.wave_id[ids],
        "tour_id": t.tour_id[ids],
        "batch_size": t.batch_size[ids],
        "zones_touched": t.zones_touched[ids],
        "picker": t.picker[ids],
        "pick_start_h": t.pick_start_h[ids],
        "picked_h": t.picked_h[ids],
        "pick_travel_m": t.pick_travel_m[ids],
        "pick_errors_made": np.where(packed, t.errors_made[ids], 0).astype(np.int16),
        "pick_errors_found": np.where(packed, t.errors_found[ids], 0).astype(np.int16),
        "pick_error": po.pick_error,
        "packer": t.packer[ids],
        "pack_start_h": t.pack_start_h[ids],
        "packed_h": t.packed_h[ids],
        "packer_done_h": t.packer_done_h[ids],
        "labelled_h": labelled,
        "shipped_h": t.shipped_h[ids],
        "transit_business_days": t.transit_days[ids],
        "delivered_h": po.delivered_h,
        "lost_h": np.where(po.lost, t.lost_h[ids], np.nan),
        "status": pd.Categorical.from_codes(po.status, SHIPMENT_STATUSES),
        "exception": pd.Categorical.from_codes(po.exception, EXCEPTIONS),
        "late_by_carrier": t.late_by_carrier[ids] & ~np.isnan(po.delivered_h),
        "returned": po.returned,
        "return_reason": pd.Categorical.from_codes(ret + 1, reasons),
        "units_returned": np.where(po.returned, t.units_returned[ids], 0).astype(np.int32),
        "returned_h": np.where(po.returned, t.returned_h[ids], np.nan),
        "restocked_h": t.restocked_h[ids],
        "remedy": pd.Categorical.from_codes(po.remedy, REMEDIES),
        "remedy_cost": po.remedy_cost.astype(np.float32),
        "notify_label_h": _censor(labelled + t.notify_label_lag_h[ids], end_h),
        "notify_pickup_h": _censor(t.shipped_h[ids] + t.notify_pickup_lag_h[ids], end_h),
        "notify_delivered_h": _censor(po.delivered_h + t.notify_delivered_lag_h[ids], end_h),
    }
    return pd.DataFrame(cols, copy=False)


def _box_names(scenario: Scenario, site: np.ndarray, box: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The box names (every site's catalogue, "" first) and each parcel's code."""
    names = [""]
    code = np.zeros(len(box), dtype=np.int64)
    for s, name in enumerate(scenario.sites):
        cfg = scenario.warehouses[name].packing.packaging
        if cfg is None:
            continue
        for b, spec in enumerate(cfg.boxes):
            if spec.name not in names:
                names.append(spec.name)
            code[(site == s) & (box == b)] = names.index(spec.name)
    return names, code

