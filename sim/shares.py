"""How demand divides, as fixed by the scenario alone (nothing here is drawn): which
site serves each customer region, each region's share of a channel's orders, and each
SKU's share of order lines.

Both the model (routing, demand, catalogue) and the load-time formulas
(:mod:`sim.inventory_formulas`) use these, so they live below both.
"""

from __future__ import annotations

import numpy as np

from sim.geo import great_circle_km, us_states
from sim.scenario.schema import Channel, Scenario


def region_site_distance_km(scenario: Scenario) -> np.ndarray:
    """Distance in km from every region (rows) to every site (columns)."""
    states = us_states()
    lat = np.array([w.location.lat for w in scenario.warehouses.values()])
    lon = np.array([w.location.lon for w in scenario.warehouses.values()])
    return great_circle_km(states.lat[:, None], states.lon[:, None], lat[None, :], lon[None, :])


def site_per_region(scenario: Scenario) -> np.ndarray:
    """The site index that serves each region: the nearest, or ``routing.region_to_site``
    for the regions it names under the ``fixed`` policy."""
    dist = region_site_distance_km(scenario)
    site = np.argmin(dist, axis=1)
    if scenario.routing.policy == "fixed":
        states = us_states()
        sites = scenario.sites
        for code, name in scenario.routing.region_to_site.items():
            site[states.index(code)] = sites.index(name)
    return site.astype(np.int16)


def region_weights(channel: Channel) -> np.ndarray:
    """Each region's share of the channel's orders (sums to 1): by population, or the
    channel's own ``regions`` shares."""
    states = us_states()
    if channel.regions == "population":
        w = states.population.astype(float)
    else:
        w = np.zeros(len(states.codes))
        for code, share in channel.regions.items():
            w[states.index(code)] = share
    return w / w.sum()


def zipf_popularity(n_skus: int, exponent: float) -> np.ndarray:
    """Zipf demand shares: ``p_i ∝ (i + 1) ** -exponent`` for SKU ``i``, summing to 1.

    SKU 0 is the most popular. ``exponent = 0`` gives uniform demand.
    """
    if int(n_skus) != n_skus or n_skus < 1:
        raise ValueError(f"n_skus must be a positive integer, got {n_skus!r}")
    if not np.isfinite(exponent) or exponent < 0:
        raise ValueError(f"exponent must be >= 0 and finite, got {exponent!r}")
    w = np.arange(1, int(n_skus) + 1, dtype=float) ** (-float(exponent))
    return w / w.sum()
