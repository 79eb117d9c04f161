"""Inventory formulas that follow from the scenario alone: expected daily demand per SKU
and site, reorder points, and the load-time check of a fixed order-up-to level.

Nothing here simulates or draws: the scenario loader uses it to refuse an order-up-to
level below an automatic reorder point, and the model uses it to size each site's stock
(:func:`sim.model.inventory.stock_from_config`). Demand is in units per day, lead times
in days.
"""

from __future__ import annotations

import numpy as np

from sim.dists import CountDist
from sim.scenario.inventory import Replenishment
from sim.scenario.schema import Scenario
from sim.shares import region_weights, site_per_region, zipf_popularity


def reorder_point(mean_daily, sd_daily, lead_days: float, z: float,
                  sd_lead_days: float = 0.0) -> np.ndarray:
    """Reorder point (units, not rounded) = expected demand over the lead time plus
    safety stock:

        ROP = d·L + z·√(L·σ_d² + d²·σ_L²)

    with d, σ_d the mean and sd of daily demand (units/day), L the mean supplier lead
    time and σ_L its sd (days), z the safety factor (1.65 ≈ 95% cycle service level for
    normal lead-time demand). With a fixed lead time (σ_L = 0) this is the textbook
    ROP = d·L + z·σ_d·√L (Silver, Pyke & Peterson, *Inventory and Production
    Management in Supply Chains*, 4th ed., ch. 6; the σ_L term assumes independent
    daily demands and lead time).
    """
    d = np.asarray(mean_daily, dtype=float)
    sd = np.asarray(sd_daily, dtype=float)
    return d * lead_days + z * np.sqrt(lead_days * sd**2 + d**2 * sd_lead_days**2)


def automatic_reorder_points(mean_daily, sd_daily, rep: Replenishment) -> np.ndarray:
    """``reorder_point: auto``: :func:`reorder_point` with the supplier lead time's exact
    mean and sd, rounded up to whole units (int64)."""
    lead = rep.supplier_lead_time_days
    rop = reorder_point(mean_daily, sd_daily, lead.mean, rep.service_z, lead.var ** 0.5)
    return np.ceil(rop - 1e-9).astype(np.int64)


def compound_poisson_daily(events_per_day, size_mean, size_second_moment
                           ) -> tuple[np.ndarray, np.ndarray]:
    """(mean, sd) per day of a compound Poisson sum: events arrive as a Poisson stream
    of ``events_per_day``, each adding a random size X independent of the others, so
    mean = r·E[X] and variance = r·E[X²] (``size_second_moment`` is E[X²], not the
    variance)."""
    r = np.asarray(events_per_day, dtype=float)
    return r * np.asarray(size_mean), np.sqrt(r * np.asarray(size_second_moment))


def order_units_moments(lines: CountDist, units: CountDist,
                        popularity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E[D], E[D²]) per SKU of D, the units of a SKU in one order, when the order has
    L lines (``lines``), each line is SKU k with probability p_k (``popularity``,
    independently) and asks for U units (``units``, independent): the SKU's lines number
    B ~ Binomial(L, p_k), so E[D] = E[L]·p_k·E[U] and
    E[D²] = E[L]·p_k·E[U²] + E[L(L−1)]·p_k²·E[U]² (two lines of one order on one SKU
    add up)."""
    p = np.asarray(popularity, dtype=float)
    u2 = units.var + units.mean**2
    falling2 = lines.var + lines.mean**2 - lines.mean  # E[L(L-1)]
    return lines.mean * p * units.mean, lines.mean * p * u2 + falling2 * p**2 * units.mean**2


def expected_daily_units(scenario: Scenario, popularity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of daily units demanded per (site, SKU), exactly, for orders that
    arrive as a Poisson stream per channel (at its mean daily rate), go to the site
    that serves their region, and carry :func:`order_units_moments` of each SKU."""
    per_region = site_per_region(scenario)
    n_sites = len(scenario.sites)
    mean = np.zeros((n_sites, len(popularity)))
    second = np.zeros_like(mean)
    for ch in scenario.demand.channels.values():
        share = np.bincount(per_region, weights=region_weights(ch), minlength=n_sites)
        d1, d2 = order_units_moments(ch.lines_per_order, ch.units_per_line, popularity)
        orders_per_day = ch.orders_per_day * share
        mean += np.outer(orders_per_day, d1)
        second += np.outer(orders_per_day, d2)
    return compound_poisson_daily(1.0, mean, second)


def order_up_to_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """(dotted path, message) for each site whose automatic reorder points reach a fixed
    ``order_up_to`` (policy sS): S must lie above every s. The reorder points follow
    from the scenario alone (popularity and demand are configured, not drawn), so this
    is checked when the scenario is loaded."""
    cfg = scenario.inventory
    if cfg is None:
        return []
    out: dict[str, str] = {}  # one message per place in the file
    mean = sd = None
    for s, name in enumerate(scenario.sites):
        rep = cfg.for_site(name).replenishment
        path = cfg.replenishment_path(name) + ".order_up_to"
        if rep.policy != "sS" or rep.reorder_point != "auto" or rep.order_up_to is None or path in out:
            continue
        if mean is None:
            popularity = zipf_popularity(scenario.catalogue.skus, scenario.catalogue.zipf_exponent)
            mean, sd = expected_daily_units(scenario, popularity)
        rop = automatic_reorder_points(mean[s], sd[s], rep)
        if (rop >= rep.order_up_to).any():
            i = int(np.argmax(rop))
            out[path] = (f"must be above every automatic reorder point; SKU {i} at site {name!r} "
                         f"gets {int(rop[i])} from its demand (reorder_point: auto), got "
                         f"{rep.order_up_to}; raise order_up_to, or use order_up_to_days")
    return list(out.items())
