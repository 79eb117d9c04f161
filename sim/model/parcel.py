"""What ships: each order's carrier service, box, dunnage, billable weight and costs.

Decided when the orders are created (like every per-order draw, from named streams), so
that the packer's time and the parcel's fate do not depend on who packs it when.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import packaging
from sim.model.catalogue import SkuTable
from sim.model.delivery import DeliveryDraws, draw_delivery, zone_of
from sim.model.demand import Orders
from sim.rng import Streams
from sim.scenario.schema import Scenario
from sim.units import SECONDS_PER_HOUR


@dataclass
class Parcels:
    """Per-order parcel facts (index: order id)."""

    service: np.ndarray  # index into scenario.carriers
    weight_kg: np.ndarray
    volume_cm3: np.ndarray
    fragile_units: np.ndarray
    box: np.ndarray  # index into the site's box catalogue; -1: no box fits / no catalogue
    no_box: np.ndarray  # a box catalogue exists but nothing fits: a packing exception
    fill: np.ndarray  # order volume / box volume (NaN without a box)
    dunnage_h: np.ndarray  # packer time for dunnage, hours
    packaging_cost: np.ndarray  # box + dunnage (NaN where not modelled)
    billable_kg: np.ndarray
    shipping_cost: np.ndarray  # NaN where the carrier has no rate table
    delivery: DeliveryDraws


def choose_services(scenario: Scenario, orders: Orders, site: np.ndarray,
                    streams: Streams) -> np.ndarray:
    """Carrier service per order: expedited (with its channel's share) or the channel's
    service, if the order's site offers it; else the site's default carrier."""
    carriers = list(scenario.carriers)
    sites = scenario.sites
    offered = [{wh.shipping.carrier, *wh.shipping.services} for wh in scenario.warehouses.values()]
    default = np.array([carriers.index(scenario.warehouses[s].shipping.carrier) for s in sites])
    service = default[site].astype(np.int16)
    rng = streams.get("demand.services")
    u = rng.random(len(site))
    for c, ch in enumerate(scenario.demand.channels.values()):
        mine = orders.channel == c
        for want, chosen in ((ch.service, mine),
                             (ch.expedited_service, mine & (u < ch.expedited_share))):
            if want is None:
                continue
            for s in range(len(sites)):
                if want in offered[s]:
                    service[chosen & (site == s)] = carriers.index(want)
    return service


def build_parcels(scenario: Scenario, orders: Orders, site: np.ndarray, distance_km: np.ndarray,
                  skus: SkuTable, streams: Streams, service: np.ndarray | None = None,
                  fate: bool = True) -> Parcels:
    """The parcel of each order: its service (chosen here unless ``service`` is given:
    a part of an order keeps the service chosen for the whole), box, weights, costs and
    delivery fate (not drawn with ``fate=False``: left empty)."""
    n = len(orders)
    carriers = list(scenario.carriers.values())
    if service is None:
        service = choose_services(scenario, orders, site, streams)
    volume, weight, _longest, fragile = packaging.order_totals(
        orders.line_start, orders.line_sku, orders.line_units, skus.volume_cm3, skus.weight_kg,
        skus.longest_cm, skus.fragile)
    longest = skus.longest_cm[orders.line_sku]
    longest = np.maximum.reduceat(longest, orders.line_start[:-1]) if n else np.zeros(0)
    box = np.full(n, -1, dtype=np.int16)
    no_box = np.zeros(n, dtype=bool)
    fill, dunnage_h, pack_cost = np.full(n, np.nan), np.zeros(n), np.full(n, np.nan)
    billable = weight.copy()
    protection = np.zeros(n)
    for s, name in enumerate(scenario.sites):
        cfg = scenario.warehouses[name].packing.packaging
        idx = np.flatnonzero(site == s)
        if cfg is None or not len(idx):
            continue
        b = packaging.choose_boxes(cfg, volume[idx], weight[idx], longest[idx], fragile[idx])
        box[idx], no_box[idx] = b, b < 0
        fill[idx] = packaging.fill_ratio(cfg, b, volume[idx])
        rng = streams.get(f"packing.{name}.dunnage")
        dunnage_h[idx] = packaging.dunnage_time_s(cfg, fragile[idx], rng) / SECONDS_PER_HOUR
        pack_cost[idx] = packaging.packaging_cost(cfg, b, fragile[idx])
        protection[idx] = cfg.protection
    ship_cost = np.full(n, np.nan)
    delivery = DeliveryDraws.empty(n)
    names = list(scenario.carriers)
    for s, name in enumerate(scenario.sites):
        for c, carrier in enumerate(carriers):
            idx = np.flatnonzero((site == s) & (service == c))
            if not len(idx):
                continue
            if fate:
                damage = None
                if carrier.damage is not None:
                    damage = packaging.damage_probability(carrier.damage, fragile[idx], protection[idx])
                delivery.fill(idx, draw_delivery(carrier, distance_km[idx],
                                                 streams.get(f"delivery.{name}.{names[c]}"),
                                                 damage))
            if carrier.rates is not None:
                # Billable weight: the larger of actual and dimensional weight of the box
                # (no box modelled or none fits: the actual weight).
                cfg = scenario.warehouses[name].packing.packaging
                if cfg is not None:
                    dims = packaging.box_dims_cm(cfg, box[idx])
                    dim_kg = packaging.billable_weight_kg(
                        weight[idx], dims, carrier.rates.dim_divisor_cm3_per_kg)
                    billable[idx] = np.where(box[idx] >= 0, dim_kg, weight[idx])
                zone = zone_of(carrier, distance_km[idx])
                ship_cost[idx] = packaging.shipping_cost(carrier.rates, zone, billable[idx])
    # Measures, not clock times: single precision is plenty and halves their memory.
    f32 = np.float32
    return Parcels(service=service, weight_kg=weight.astype(f32), volume_cm3=volume.astype(f32),
                   fragile_units=fragile.astype(np.int16), box=box, no_box=no_box,
                   fill=fill.astype(f32), dunnage_h=dunnage_h, packaging_cost=pack_cost.astype(f32),
                   billable_kg=billable.astype(f32), shipping_cost=ship_cost.astype(f32),
                   delivery=delivery)
