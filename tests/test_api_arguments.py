"""The Python API's arguments, checked with a message that says what they must be."""

from __future__ import annotations

import pytest

import sim
from sim.scenario import validate_data

from .conftest import tiny_data


@pytest.mark.parametrize("seed", ["7", 1.5, -1, True])
def test_the_api_says_what_a_seed_must_be(seed):
    """sim.run(seed="7") raised "'<' not supported between str and int", 1.5 numpy's
    SeedSequence error."""
    with pytest.raises(ValueError, match=r"seed must be a whole number >= 0, got "):
        sim.run(validate_data(tiny_data()), seed=seed)
