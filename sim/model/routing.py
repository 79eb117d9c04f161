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


def next_nearest(scenario: Scenario, region: np.ndarray, site: np.ndarray,
                 rank: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(site index, distance km) of the ``rank``-th nearest site other than ``site`` for
    orders from ``region`` (rank 1: the nearest other site; the stock fallbacks try the
    others in this order). Ties go to the site listed first."""
    dist = region_site_distance_km(scenario)[region].copy()
    rows = np.arange(len(region))
    dist[rows, site] = np.inf
    other = np.argsort(dist, axis=1, kind="stable")[:, rank - 1].astype(np.int16)
    return other, dist[rows, other]
