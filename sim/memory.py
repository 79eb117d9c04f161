"""Giving a finished replication's working memory back at once.

A world's components refer to one another (the clock's pending events hold the stages'
methods, the stages hold the parcel table), so when a replication ends its working
state is garbage only to Python's cycle collector, which runs when it next counts
enough new objects: seconds or replications later. Until then the state stays
resident beside the result tables, the KPIs computed from them and the next
replication's world (at 1,000,000 orders, about 0.4 GB). :func:`give_back` collects it
at once and returns the freed pages to the operating system; :func:`trim` returns
what big temporaries left free.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import sys
from collections.abc import Iterator

# A full collection costs a fixed ~30 ms (it walks every object of numpy, pandas and
# the model): worth it past this many parcel slots (~60 MB of state, a run of seconds),
# left to the collector below.
GIVE_BACK_FROM_SLOTS = 100_000


def _malloc_trim():
    """glibc's ``malloc_trim`` (None elsewhere): hands the heap's free pages back to the
    system. numpy takes arrays under 32 MB from the heap, whose freed pages glibc keeps
    for reuse; later big arrays are mapped afresh, so without a trim the freed
    pages stay resident."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (e.g. musl)
        return None


_TRIM = _malloc_trim()


def trim() -> None:
    """Return the heap's free pages to the system (after big temporaries, e.g. the
    KPIs' masks and sorted copies: ~0.2 GB at 1,000,000 orders). Microseconds."""
    if _TRIM is not None:
        _TRIM(0)


def give_back() -> None:
    """Collect unreachable objects now and return the freed memory to the system."""
    gc.collect()
    trim()


@contextlib.contextmanager
def built_objects_frozen() -> Iterator[None]:
    """While a replication runs, leave what existed before it (the modules, the
    scenario, the world as built: ~100,000 objects) out of the cycle collector's
    scans (:func:`gc.freeze`), and put it back after. The run makes and drops objects
    that survive a young collection (backorder queues, parcels made in the run), so a
    run with stock triggered a full collection that walked them all: about 40 ms of a
    1.2 s replication of ``stock.yaml``. (Nothing is lost: what the run makes is
    collected as before, and whatever was frozen is collectable again after.) Left
    alone where the caller froze objects itself."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
