"""Everything drawn before the run, in one place.

Orders do not interact before they reach a warehouse, and no parcel's draws depend on
anything that happens in the run (they are keyed, see :mod:`sim.rng`), so a
replication starts by drawing, in bulk:

1. the SKU catalogue and where each site stores each SKU;
2. the orders (demand), their payment, the site nearest to each customer, the promised
   delivery time, and what belongs to the order rather than to a parcel: whether the
   customer pays for express, whether they will send it back for an ordinary reason,
   their survey answer's randomness;
3. each paid order's parcel as if shipped whole from its nearest site: slot ``o`` of the
   :class:`~sim.model.shipments.Shipments` table. It exists only once the model
   creates it (``created_h``), which it does for most orders; an order served
   otherwise (another site, in parts) gets parcels made when that is decided.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import add_business_days
from sim.model import demand, payment, routing
from sim.model.catalogue import SkuTable, draw_catalogue
from sim.model.demand import Orders
from sim.model.parcel_draws import ParcelMaker
from sim.model.picking.work import site_storage
from sim.model.returns import OrderReturns, draw_order_returns
from sim.model.shipments import ORIGINAL, Shipments
from sim.rng import Streams, mix_keys
from sim.scenario.schema import Scenario
from sim.units import HOURS_PER_DAY

CANCEL_REASONS = ("", "payment_declined", "below_moq", "backorder_timeout")
REMEDY_PRIORITY = 10  # reships jump every queue (channel priorities are 0..9)
_PARCEL_SALT = 1000  # parcel keys: mix_keys(order key, _PARCEL_SALT + kind)
DRAW_CHUNK = 32768  # parcels drawn at once before the run


def parcel_key(key, kind: int):
    """The key of an order's (or a parcel's reship's) parcel of ``kind``, from the
    order's (or the parent parcel's) key."""
    return mix_keys(key, _PARCEL_SALT + kind)


@dataclass
class OrderBook:
    """The customers' orders of one replication and what is known of them before the
    run (index: order id, in order of placement)."""

    orders: Orders
    paid_h: np.ndarray  # NaN: never paid (declined, or rejected for its quantity)
    payment_answered_h: np.ndarray  # the payment's final answer (authorised or declined)
    attempts: np.ndarray  # payment attempts (0: rejected for its quantity)
    cancel_code: np.ndarray  # index into CANCEL_REASONS (before the run: payment, MOQ)
    site: np.ndarray  # nearest site (or the routing map's)
    distance_km: np.ndarray  # region -> site, km: (regions, sites)
    due_h: np.ndarray  # end of the promised delivery day
    priority: np.ndarray  # the channel's priority
    expedited: np.ndarray  # the customer paid for express
    returns: OrderReturns
    value: np.ndarray  # selling price of its units
    survey_u: np.ndarray  # uniform: answers the survey if below survey_prob
    survey_noise_u: np.ndarray  # uniform behind the score's noise

    def __len__(self) -> int:
        return len(self.orders)


@dataclass
class Draws:
    skus: SkuTable
    storages: list  # per site: (aisle, y) per SKU, or None
    book: OrderBook
    table: Shipments
    maker: ParcelMaker


def due_h(scenario: Scenario, placed_h: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """Promised delivery: end of the day ``promised_business_days`` after placement."""
    promised = np.array([c.promised_business_days for c in scenario.demand.channels.values()])
    day = (np.asarray(placed_h) // HOURS_PER_DAY).astype(np.int64)
    due_day = add_business_days(day, promised[np.asarray(channel)], scenario.horizon.start_weekday)
    return (due_day + 1) * HOURS_PER_DAY


def draw_orders(scenario: Scenario, streams: Streams, skus: SkuTable) -> OrderBook:
    """Demand, payment, routing and every order-level draw (see the module docstring)."""
    orders = demand.generate_orders(scenario, streams)
    keys = orders.key
    pay = payment.authorise(scenario.payment, keys, streams)
    cancel = np.zeros(len(orders), dtype=np.int8)
    cancel[pay.failed] = CANCEL_REASONS.index("payment_declined")
    cancel[orders.below_moq] = CANCEL_REASONS.index("below_moq")
    paid_h = np.where(cancel == 0, orders.placed_h + pay.delay_h, np.nan)
    channels = list(scenario.demand.channels.values())
    expedited_share = np.array([c.expedited_share for c in channels])[orders.channel]
    value = (np.add.reduceat(skus.unit_price[orders.line_sku] * orders.line_units,
                             orders.line_start[:-1]) if len(orders) else np.zeros(0))
    return OrderBook(
        orders=orders,
        paid_h=paid_h,
        payment_answered_h=orders.placed_h + pay.delay_h,
        attempts=np.where(orders.below_moq, 0, pay.attempts).astype(np.int16),
        cancel_code=cancel,
        site=routing.site_per_region(scenario)[orders.region],
        distance_km=routing.region_site_distance_km(scenario),
        due_h=due_h(scenario, orders.placed_h, orders.channel),
        priority=np.array([c.priority for c in channels], dtype=np.int8)[orders.channel],
        expedited=streams.keyed("orders.expedited").uniform(keys) < expedited_share,
        returns=draw_order_returns(scenario, orders, skus, streams),
        value=value,
        survey_u=streams.keyed("aftersales.survey").uniform(keys),
        survey_noise_u=streams.keyed("aftersales.noise").uniform(keys),
    )


def shipment_capacity(scenario: Scenario, n_orders: int) -> int:
    """Room for parcels made during the run, beyond the orders' own slots: reships
    (a few per hundred orders) and, with stock, other-site parcels and parts. The
    table grows if this is not enough; this only saves the copies."""
    extra = n_orders // 20 + 1024
    if scenario.inventory is not None:
        extra += n_orders // 4
    return extra


def draw_replication(scenario: Scenario, streams: Streams) -> Draws:
    """Steps 1-3 of the module docstring."""
    skus = draw_catalogue(scenario.catalogue, streams)
    storages = [site_storage(scenario.warehouses[name].picking, scenario.catalogue.skus,
                             skus.popularity, streams.get(f"picking.{name}.storage"))
                for name in scenario.sites]
    book = draw_orders(scenario, streams, skus)
    orders = book.orders
    n, n_lines = len(orders), int(orders.line_start[-1])
    table = Shipments(n, n_lines, extra=shipment_capacity(scenario, n), extra_lines=n_lines // 4 + 2048)
    table.line_sku[:n_lines] = orders.line_sku
    table.line_units[:n_lines] = orders.line_units
    table.line_index[:n_lines] = orders.line_index()
    maker = ParcelMaker(scenario, streams, skus, storages, orders.channel, book.expedited)
    paid = np.flatnonzero(~np.isnan(book.paid_h))
    table.order[paid] = paid
    table.kind[paid] = ORIGINAL
    table.site[paid] = book.site[paid]
    table.key[paid] = parcel_key(orders.key[paid], ORIGINAL)
    table.line_start[paid] = orders.line_start[paid]
    table.line_end[paid] = orders.line_start[paid + 1]
    table.distance_km[paid] = book.distance_km[orders.region[paid], book.site[paid]]
    table.priority[paid] = book.priority[paid]
    for lo in range(0, len(paid), DRAW_CHUNK):  # (in chunks: the temporaries stay small)
        maker.draw(table, paid[lo:lo + DRAW_CHUNK])
    return Draws(skus, storages, book, table, maker)
