"""Customer regions (US states shipped as package data) and great-circle distances.

``data/us_states.csv`` holds the 50 states and DC with their 2020 Census resident
population and an approximate centre of population (latitude, longitude in degrees,
rounded to 0.1 degree; US Census Bureau, "Centers of Population", 2020). The centre of
population, rather than the geographic centre, is where a state's parcels go on average.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


@dataclass(frozen=True)
class Regions:
    """The region table as parallel arrays, in file order."""

    codes: tuple[str, ...]
    population: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def index(self, code: str) -> int:
        return self.codes.index(code)


@lru_cache(maxsize=1)
def us_states() -> Regions:
    """The shipped table of US states (plus DC)."""
    text = resources.files("sim").joinpath("data/us_states.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return Regions(
        codes=tuple(r["code"] for r in rows),
        population=np.array([float(r["population_2020"]) for r in rows]),
        lat=np.array([float(r["lat"]) for r in rows]),
        lon=np.array([float(r["lon"]) for r in rows]),
    )


def great_circle_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Haversine distance in kilometres between points given in degrees (broadcasts)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
