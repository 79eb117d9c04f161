"""Routing: which warehouse serves each order.

``nearest`` picks the site at the shortest great-circle distance from the centre of
population of the customer's region; ``fixed`` follows ``routing.region_to_site`` and
falls back to the nearest site for regions it does not name. Sites are fixed for an
order's life; the distance (km) also sets the carrier's transit zone.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Scenario
from sim.shares import region_site_distance_km, site_per_region


def route(scenario: Scenario, region: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(site index, distance km) for orders from the given regions."""
    per_region = site_per_region(scenario)
    site = per_region[region]
    dist = region_site_distance_km(scenario)[region, site]
    return site, dist


def other_sites_by_region(scenario: Scenario) -> np.ndarray:
    """For each region (rows), the sites other than the one serving it, nearest first
    (ties to the site listed first): shape (regions, sites - 1). The stock fallbacks
    try them in this order."""
    dist = region_site_distance_km(scenario).copy()
    own = site_per_region(scenario)
    dist[np.arange(len(own)), own] = np.inf
    return np.argsort(dist, axis=1, kind="stable")[:, : dist.shape[1] - 1]
