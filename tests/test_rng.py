"""Keyed random streams (sim/rng.py): the few-keys scalar path (a parcel made during
the run) and the vectorised path give the same bits; the uniforms are uniform (against
scipy's Kolmogorov-Smirnov test) and uncorrelated across streams, keys and
sub-indices; a draw depends on nothing but (seed, replication, name, key, k)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.rng import Streams, mix_keys

KEYS = st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(KEYS, st.integers(0, 40), st.integers(0, 3))
def test_the_scalar_paths_give_the_vectorised_bits(keys, k, seed):
    stream = Streams(seed, 1).keyed("test.stream")
    arr = np.array(keys, dtype=np.uint64)
    # Pad to more than the scalar path's size so that the whole array goes through numpy.
    padded = np.concatenate([arr, np.arange(10, dtype=np.uint64)])
    vector = stream.uniform(padded, k)[: len(arr)]
    few = np.concatenate([stream.uniform(arr[i:i + 3], k) for i in range(0, len(arr), 3)])
    one = np.array([stream.uniform1(int(key), k) for key in keys])
    np.testing.assert_array_equal(few, vector)
    np.testing.assert_array_equal(one, vector)


@settings(max_examples=200, deadline=None)
@given(KEYS, st.integers(0, 1000))
def test_mix_keys_gives_the_same_bits_on_every_path(keys, salt):
    arr = np.array(keys, dtype=np.uint64)
    padded = np.concatenate([arr, np.arange(10, dtype=np.uint64)])
    vector = mix_keys(padded, salt)[: len(arr)]
    salts = np.full(len(padded), salt, dtype=np.int64)
    per_key_salts = mix_keys(padded, salts)[: len(arr)]
    few = np.concatenate([mix_keys(arr[i:i + 3], salt) for i in range(0, len(arr), 3)])
    few_array_salt = np.concatenate([mix_keys(arr[i:i + 3], salts[i:min(i + 3, len(arr))])
                                     for i in range(0, len(arr), 3)])
    one = np.array([mix_keys(int(key), salt) for key in keys], dtype=np.uint64)
    for other in (per_key_salts, few, few_array_salt, one):
        np.testing.assert_array_equal(other, vector)


def test_keyed_uniforms_are_uniform_and_independent():
    s = Streams(11, 0)
    keys = np.arange(200_000, dtype=np.uint64)
    a = s.keyed("demand.lines").uniform(keys)
    assert a.min() >= 0 and a.max() < 1
    assert stats.kstest(a, "uniform").pvalue > 1e-3
    others = {"another stream": s.keyed("demand.units").uniform(keys),
              "another sub-index": s.keyed("demand.lines").uniform(keys, 1),
              "the next key": s.keyed("demand.lines").uniform(keys + np.uint64(1)),
              "another replication": Streams(11, 1).keyed("demand.lines").uniform(keys)}
    for what, b in others.items():
        assert stats.kstest(b, "uniform").pvalue > 1e-3, what
        # Pearson's r of independent uniforms has sd 1/sqrt(n) (0.0022 here): 5 sd.
        assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(len(keys)), what


def test_a_draw_does_not_depend_on_the_other_draws():
    keys = np.array([5, 17, 2**40, 3], dtype=np.uint64)
    first = Streams(3, 2).keyed("x").uniform(keys, 4)
    s = Streams(3, 2)
    s.keyed("y").uniform(np.arange(1000, dtype=np.uint64))
    s.get("x").random(50)
    later = s.keyed("x").uniform(keys[::-1], 4)[::-1]
    np.testing.assert_array_equal(first, later)


@pytest.mark.parametrize("seed, replication", [(-1, 0), (0, -1)])
def test_negative_seeds_are_refused(seed, replication):
    with pytest.raises(ValueError, match="must be >= 0"):
        Streams(seed, replication)
