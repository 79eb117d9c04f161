"""The SKU table of one replication: popularity, ABC class, product category, unit
weight (kg), dimensions (cm), fragility, cost and price, drawn once from the
``catalogue`` stream."""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from sim.rng import Streams
from sim.scenario.schema import Catalogue
from sim.shares import zipf_popularity


@dataclass(frozen=True)
class SkuTable:
    """Per-SKU arrays, indexed by SKU id (0 = most popular)."""

    popularity: np.ndarray  # demand share, sums to 1
    abc: np.ndarray  # class index (0 = A) by popularity rank
    category: np.ndarray  # index into Catalogue.categories
    weight_kg: np.ndarray
    dims_cm: np.ndarray  # (skus, 3), longest side first
    fragile: np.ndarray
    unit_cost: np.ndarray
    unit_price: np.ndarray

    @property
    def volume_cm3(self) -> np.ndarray:
        return self.dims_cm.prod(axis=1)

    @property
    def longest_cm(self) -> np.ndarray:
        return self.dims_cm[:, 0]


def abc_labels(cfg: Catalogue) -> list[str]:
    return list(string.ascii_uppercase[: len(cfg.abc_shares)])


def popularity(cfg: Catalogue) -> np.ndarray:
    """Zipf demand shares: SKU i with weight (i + 1) ** -zipf_exponent."""
    return zipf_popularity(cfg.skus, cfg.zipf_exponent)


def draw_catalogue(cfg: Catalogue, streams: Streams) -> SkuTable:
    rng = streams.get("catalogue")
    n = cfg.skus
    bounds = np.rint(np.cumsum(cfg.abc_shares) * n).astype(int)
    abc = np.searchsorted(bounds, np.arange(n), side="right").astype(np.int8)
    shares = np.array(list(cfg.categories.values()))
    category = rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int16)
    dims = np.column_stack([cfg.unit_length_cm.sample(rng, n), cfg.unit_width_cm.sample(rng, n),
                            cfg.unit_height_cm.sample(rng, n)])
    dims = -np.sort(-dims, axis=1)  # longest side first (the schema keeps sizes >= 0.1 cm)
    cost = cfg.unit_cost.sample(rng, n)
    return SkuTable(
        popularity=popularity(cfg),
        abc=abc,
        category=category,
        weight_kg=cfg.unit_weight_kg.sample(rng, n),  # (>= 0.001 kg: the schema)
        dims_cm=dims,
        fragile=rng.random(n) < cfg.fragile_share,
        unit_cost=cost,
        unit_price=cost * cfg.price_markup,
    )
