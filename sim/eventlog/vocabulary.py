"""The words of the event log: object types, activities, qualifiers and the attributes
each type carries (with their OCEL 2.0 types: ``string``, ``integer``, ``float``,
``time``, ``boolean``).

Activities take the words of OCEL 2.0's "Order Management" example log where they mean
the same thing (place order, pay order, pick item, create package, send package, failed
delivery, package delivered, item out of stock, reorder item) and our own otherwise.
The README section "Event logs" has them as tables with their timestamps.
"""

from __future__ import annotations

import re

# Object types.
ORDER = "order"
ITEM = "item"  # an order line
PACKAGE = "package"  # a parcel (shipments.parquet row)
CUSTOMER = "customer"  # the customer's region (US state): customers are not modelled one by one
PRODUCT = "product"  # a SKU
EMPLOYEE = "employee"  # a picker or packer, "<site>.<role>.<worker>"
PICK_TOUR = "pick tour"
WAVE = "wave"
CARRIER = "carrier"  # a carrier service
RETURN = "return"
REPLENISHMENT = "replenishment order"  # a supplier order
WAREHOUSE = "warehouse"

# Activities (Order Management's words first).
PLACE_ORDER = "place order"
PAY_ORDER = "pay order"
PICK_ITEM = "pick item"
CREATE_PACKAGE = "create package"
SEND_PACKAGE = "send package"
FAILED_DELIVERY = "failed delivery"
PACKAGE_DELIVERED = "package delivered"
ITEM_OUT_OF_STOCK = "item out of stock"
REORDER_ITEM = "reorder item"
PAYMENT_DECLINED = "payment declined"
CANCEL_ORDER = "cancel order"
ROUTE_TO_WAREHOUSE = "route to warehouse"
RECEIVE_STOCK = "receive stock"
RESHIP = "reship"
RELEASE_WAVE = "release wave"
PACK = "pack"
PRINT_LABEL = "print label"
CARRIER_PICKUP = "carrier pick-up"
DELIVERY_EXCEPTION = "delivery exception"
REFUND = "refund"
ISSUE_DISCOUNT = "issue discount"
SURVEY_ANSWERED = "survey answered"
RETURN_RECEIVED = "return received"
RESTOCK = "restock"

# Attributes per object type and per activity: (name, OCEL type).
OBJECT_ATTRIBUTES: dict[str, tuple[tuple[str, str], ...]] = {
    ORDER: (("channel", "string"), ("lines", "integer"), ("units", "integer"),
            ("order_value", "float"), ("status", "string")),
    ITEM: (("sku", "integer"), ("units", "integer")),
    PACKAGE: (("kind", "string"), ("site", "string"), ("service", "string"), ("lines", "integer"),
              ("units", "integer"), ("box", "string"), ("weight_kg", "float"), ("status", "string")),
    CUSTOMER: (("region", "string"),),
    PRODUCT: (("sku", "integer"),),
    EMPLOYEE: (("site", "string"), ("role", "string")),
    PICK_TOUR: (("site", "string"), ("parcels", "integer"), ("lines", "integer"),
                ("distance_m", "float")),
    WAVE: (("site", "string"),),
    CARRIER: (("service", "string"),),
    RETURN: (("reason", "string"), ("units", "integer")),
    REPLENISHMENT: (("sku", "integer"), ("units", "integer")),
    WAREHOUSE: (("site", "string"),),
}
EVENT_ATTRIBUTES: dict[str, tuple[tuple[str, str], ...]] = {
    PLACE_ORDER: (("channel", "string"),),
    PAYMENT_DECLINED: (("attempt", "integer"),),
    PAY_ORDER: (("attempt", "integer"),),
    CANCEL_ORDER: (("reason", "string"),),
    ROUTE_TO_WAREHOUSE: (),
    ITEM_OUT_OF_STOCK: (("units", "integer"),),
    REORDER_ITEM: (("units", "integer"),),
    RECEIVE_STOCK: (("units", "integer"),),
    CREATE_PACKAGE: (("kind", "string"),),
    RESHIP: (),
    RELEASE_WAVE: (),
    PICK_ITEM: (),
    PACK: (),
    PRINT_LABEL: (),
    SEND_PACKAGE: (),
    CARRIER_PICKUP: (("parcels", "integer"),),
    FAILED_DELIVERY: (("reason", "string"),),
    DELIVERY_EXCEPTION: (("exception", "string"),),
    PACKAGE_DELIVERED: (),
    REFUND: (("amount", "float"),),
    ISSUE_DISCOUNT: (("amount", "float"),),
    SURVEY_ANSWERED: (("score", "integer"), ("dissatisfied_reason", "string")),
    RETURN_RECEIVED: (("reason", "string"), ("units", "integer")),
    RESTOCK: (("units", "integer"),),
}
ACTIVITIES = tuple(EVENT_ATTRIBUTES)
OBJECT_TYPES = tuple(OBJECT_ATTRIBUTES)

# Ties: events at the same instant are ordered by this rank (the order things happen in
# an order's life), then by the order in which they were built (order id, line).
RANK = {a: r for r, a in enumerate((
    PLACE_ORDER, PAYMENT_DECLINED, PAY_ORDER, CANCEL_ORDER, ROUTE_TO_WAREHOUSE,
    REORDER_ITEM, RECEIVE_STOCK, ITEM_OUT_OF_STOCK, CREATE_PACKAGE, RELEASE_WAVE, PICK_ITEM,
    PACK, PRINT_LABEL, SEND_PACKAGE, CARRIER_PICKUP, FAILED_DELIVERY, DELIVERY_EXCEPTION,
    PACKAGE_DELIVERED, RESHIP, REFUND, ISSUE_DISCOUNT, SURVEY_ANSWERED, RETURN_RECEIVED,
    RESTOCK))}
# A reship's wait for stock comes right after the reship itself (same instant).
RESHIP_OUT_OF_STOCK_RANK = RANK[RESHIP] + 0.5

# Qualifiers of the links the XES writer takes the resource from.
RESOURCE_QUALIFIERS = ("picker", "packer")


def table_suffix(type_name: str) -> str:
    """The OCEL 2.0 SQLite table suffix of a type (``map_type``): its words
    capitalised and joined, other characters dropped ("carrier pick-up" ->
    "CarrierPickUp"). Injective over this vocabulary (checked by the tests)."""
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^0-9A-Za-z]+", type_name) if w)
