"""Random numbers: one ``SeedSequence`` per (seed, replication), one named stream per
variate.

Two kinds of stream, both keyed by a stable hash of their *name* (never by position, so
adding a variate, a site or a channel never shifts another's draws):

- :meth:`Streams.get` gives a numpy ``Generator`` for a process whose draws are
  naturally sequential and belong to nothing else: a channel's arrival times, the SKU
  catalogue.
- :meth:`Streams.keyed` gives a :class:`Keyed` stream: uniforms indexed by an integer
  *key* (an order, a parcel, an order line, a unit) and a small sub-index ``k`` (an
  attempt, a zone). ``u(key, k)`` is a pure function of (seed, replication, name, key,
  k): it does not depend on how many other draws were made, in which order, or when in
  the simulation. Every per-order and per-parcel quantity is drawn this way (through
  each distribution's inverse CDF, ``dist.ppf``), so a change at one site, a switched-on
  option or a different head count leaves every unrelated draw identical: common random
  numbers by construction.

A keyed uniform is a counter-based generator: the key and sub-index are combined with
the stream's 64-bit root and scrambled by two rounds of the SplitMix64 finaliser
(Stafford's "mix13"), whose output stream passes BigCrush; the top 53 bits make a double
in [0, 1). ``tests/test_rng.py`` checks uniformity, independence between streams, keys
and sub-indices, and that the vectorised and scalar paths agree bit for bit.
"""

from __future__ import annotations

import zlib

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_SUB = 0xD1B54A32D192ED03
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_TO_UNIT = 2.0 ** -53
_SMALL = 8  # up to this many keys, the scalar path


def name_key(name: str) -> int:
    """A stable 32-bit code for a stream or entity name."""
    return zlib.crc32(name.encode("utf-8"))


def _mix_int(x: int) -> int:
    x = ((x ^ (x >> 30)) * _M1) & _MASK
    x = ((x ^ (x >> 27)) * _M2) & _MASK
    return x ^ (x >> 31)


# numpy constants made once: a draw during the run is a handful of values, where the
# cost of each ufunc call (and of building its constants) is most of the work.
_U30, _U27, _U31, _U11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UM1, _UM2, _UGOLDEN = np.uint64(_M1), np.uint64(_M2), np.uint64(_GOLDEN)


def _mix_array(x: np.ndarray) -> np.ndarray:
    """mix13 on a uint64 array of one or more dimensions, in place (wrap-around
    multiplication: numpy does not check arrays for overflow); returns it."""
    t = np.right_shift(x, _U30)
    np.bitwise_xor(x, t, out=x)
    np.multiply(x, _UM1, out=x)
    np.right_shift(x, _U27, out=t)
    np.bitwise_xor(x, t, out=x)
    np.multiply(x, _UM2, out=x)
    np.right_shift(x, _U31, out=t)
    np.bitwise_xor(x, t, out=x)
    return x


def _to_uint64(keys) -> np.ndarray:
    """A fresh uint64 array of ``keys`` (at least one dimension: numpy's arithmetic on
    0-d arrays gives scalars, which do check for overflow)."""
    x = (keys if type(keys) is np.ndarray else np.asarray(keys)).astype(np.uint64)
    return x.reshape(1) if x.ndim == 0 else x


def _offset(salt) -> np.uint64 | np.ndarray:
    """``(salt + 1) * _SUB`` modulo 2**64, for a Python or numpy integer or an array."""
    if type(salt) is int or np.ndim(salt) == 0:
        return np.uint64(((int(salt) + 1) * _SUB) & _MASK)
    s = _to_uint64(salt)
    np.add(s, np.uint64(1), out=s)
    np.multiply(s, np.uint64(_SUB), out=s)
    return s


def _add(x: np.ndarray, offset) -> np.ndarray:
    """``x + offset``: in place for one offset, else broadcast into a new array (an
    offset per key, which may have more dimensions than the keys)."""
    if type(offset) is np.uint64:
        return np.add(x, offset, out=x)
    return x + offset


def _shaped_as(keys, out: np.ndarray):
    """``out`` as the result for ``keys``: a numpy scalar for one scalar key."""
    if type(keys) is np.ndarray and keys.ndim:  # the usual case, cheaper than np.ndim
        return out
    return out[0] if np.ndim(keys) == 0 else out


def _few(keys) -> bool:
    """Whether ``keys`` is one short row (a parcel made during the run): then plain
    Python beats numpy."""
    if type(keys) is np.ndarray:  # the usual case, cheaper than np.ndim
        return keys.ndim == 1 and len(keys) <= _SMALL
    return np.ndim(keys) == 1 and len(keys) <= _SMALL


def mix_keys(keys, salt: int) -> np.ndarray | int:
    """A new 64-bit key from ``keys`` and a small integer ``salt`` (e.g. a parcel's key
    from its order's key and its kind; a line's key from its parcel's key and its
    index). Arrays in, uint64 array out; a Python int in, a Python int out."""
    if isinstance(keys, (int, np.integer)):
        return _mix_int((int(keys) * _GOLDEN + (salt + 1) * _SUB) & _MASK)
    if type(keys) is np.ndarray and keys.ndim == 1 and len(keys) <= _SMALL:
        # A few keys (a parcel made during the run): the scalar path, key by key.
        if isinstance(salt, int):
            salts = [salt] * len(keys)
        elif type(salt) is np.ndarray and salt.shape == keys.shape:
            salts = salt.tolist()
        else:
            salts = np.broadcast_to(salt, keys.shape).tolist()
        return np.array([_mix_int((int(key) * _GOLDEN + (int(s) + 1) * _SUB) & _MASK)
                         for key, s in zip(keys.tolist(), salts, strict=True)], dtype=np.uint64)
    k = _to_uint64(keys)
    np.multiply(k, _UGOLDEN, out=k)
    k = _add(k, _offset(salt))
    out = _mix_array(k)
    return _shaped_as(keys, out)


class Keyed:
    """Uniforms in [0, 1) indexed by integer keys (see the module docstring)."""

    __slots__ = ("root", "name")

    def __init__(self, root: int, name: str = "") -> None:
        self.root = root & _MASK
        self.name = name

    def uniform(self, keys, k=0) -> np.ndarray:
        """``u(key, k)`` for each key (``k``: an int, or an array broadcast against
        ``keys``). Keys are non-negative integers below 2**64."""
        if _few(keys) and (isinstance(k, int) or np.ndim(k) == 0):
            # A few keys (a parcel made during the run): plain Python beats numpy.
            sub = (int(k) + 1) * _SUB
            root = self.root
            out = []
            for key in (keys if type(keys) is np.ndarray else np.asarray(keys)).tolist():
                x = _mix_int((int(key) * _GOLDEN + root) & _MASK)  # as uniform1, inlined
                out.append((_mix_int((x + sub) & _MASK) >> 11) * _TO_UNIT)
            return np.array(out, dtype=np.float64)
        x = _to_uint64(keys)
        np.multiply(x, _UGOLDEN, out=x)
        np.add(x, np.uint64(self.root), out=x)
        x = _mix_array(_add(_mix_array(x), _offset(k)))
        np.right_shift(x, _U11, out=x)
        out = x.astype(np.float64)
        out *= _TO_UNIT
        return _shaped_as(keys, out)

    def uniform1(self, key: int, k: int = 0) -> float:
        """The scalar ``u(key, k)``, bit-identical to :meth:`uniform` (pure Python:
        cheaper than numpy for one value)."""
        x = _mix_int((int(key) * _GOLDEN + self.root) & _MASK)
        x = _mix_int((x + (k + 1) * _SUB) & _MASK)
        return (x >> 11) * _TO_UNIT

    def sample(self, dist, keys, k=0) -> np.ndarray:
        """Draws of ``dist`` (a :mod:`sim.dists` distribution) for ``keys``, through its
        inverse CDF."""
        return dist.ppf(self.uniform(keys, k))

    def bernoulli(self, p, keys, k=0) -> np.ndarray:
        """True with probability ``p`` (scalar or per key) for each key."""
        return self.uniform(keys, k) < p


class Streams:
    """The random streams of one replication.

    >>> s = Streams(seed=7, replication=0)
    >>> a = s.get("demand.web.arrivals").random()
    >>> a == Streams(7, 0).get("demand.web.arrivals").random()
    True
    >>> s.keyed("picking.errors").uniform1(12) == Streams(7, 0).keyed("picking.errors").uniform1(12)
    True
    """

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError(f"seed and replication must be >= 0, got {seed}, {replication}")
        self.seed = seed
        self.replication = replication
        self._made: dict[str, np.random.Generator] = {}
        self._keyed: dict[str, Keyed] = {}

    def _sequence(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, name_key(name)))

    def get(self, name: str) -> np.random.Generator:
        """The sequential generator for component ``name`` (the same object on every
        call)."""
        gen = self._made.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self._sequence(name)))
            self._made[name] = gen
        return gen

    def keyed(self, name: str) -> Keyed:
        """The keyed stream for variate ``name`` (the same object on every call)."""
        stream = self._keyed.get(name)
        if stream is None:
            # Salted so that a keyed stream never shares its root with a sequential one.
            words = self._sequence("keyed:" + name).generate_state(2, dtype=np.uint32)
            stream = Keyed((int(words[0]) << 32) | int(words[1]), name)
            self._keyed[name] = stream
        return stream
