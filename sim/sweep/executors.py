"""Where sweep tasks run: in this process (serial), in local processes (processes), or
on a Dask cluster (dask: a LocalCluster on 127.0.0.1, or an existing scheduler).

Each executor is a context manager with ``map_unordered(fn, tasks)``, which yields
``(task, result)`` as tasks finish, in any order; ``result`` is an exception when the
task could not be run at all (a worker died): the caller records it as a failure.
Results do not depend on the executor: a task's result depends only on the task.
Closing the generator early cancels what has not started.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.errors import ScenarioError
from sim.processes import stop_now, worker_pool

EXECUTORS = ("serial", "processes", "dask")
DASK_MISSING = ("--executor dask needs Dask, an optional extra: "
                "pip install 'fulfillment-sim[dask]' (or pip install 'dask[distributed]')")


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Every task in this process, one after the other."""

    name = "serial"
    workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def describe(self) -> str:
        return "serial (this process)"

    def map_unordered(self, fn: Callable, tasks: Sequence) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            yield task, fn(task)


class ProcessExecutor:
    """A pool of ``workers`` local processes."""

    name = "processes"

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessExecutor:
        self._pool = worker_pool(self.workers)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._pool is not None:
            if exc_type is None:
                self._pool.shutdown(wait=True, cancel_futures=True)
            else:  # interrupted (or failed): stop the runs under way now, not when they end
                stop_now(self._pool)
            self._pool = None

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers != 1 else ''}"

    # A worker process that dies (killed, out of memory) breaks the whole pool: every
    # task not finished then fails with BrokenProcessPool, though none of them raised,
    # and which one killed its worker is not known. The pool is started again and those
    # tasks given again; if it breaks again, they are run one at a time (so a break is
    # the task's own), each up to ATTEMPTS times before it is recorded as failed, saying
    # so; then the others go on in parallel again.
    ATTEMPTS = 3

    def map_unordered(self, fn: Callable, tasks: Sequence) -> Iterator[tuple[Any, Any]]:
        assert self._pool is not None, "use the executor in a with block"
        todo, alone = list(range(len(tasks))), False
        breaks, attempts = 0, dict.fromkeys(range(len(tasks)), 0)
        while todo:
            batch, todo = (todo[:1], todo[1:]) if alone else (todo, [])
            futures = {self._pool.submit(fn, tasks[i]): i for i in batch}
            broken: list[int] = []  # (given again)
            pool_broke = False
            try:
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        yield tasks[i], future.result()
                    except BrokenProcessPool as exc:
                        pool_broke = True
                        if not alone:
                            broken.append(i)
                            continue
                        attempts[i] += 1
                        if attempts[i] < self.ATTEMPTS:
                            broken.append(i)
                        else:  # (its own worker died every time: the others go on in parallel)
                            alone, breaks = False, 0
                            yield tasks[i], BrokenProcessPool(
                                f"a worker process died {self.ATTEMPTS} times while running it alone "
                                f"(killed, or out of memory?): {exc}")
                    except Exception as exc:  # (the run raised: its record says why)
                        yield tasks[i], exc
            finally:
                for future in futures:
                    future.cancel()
            if pool_broke:  # a worker died: a fresh pool for the tasks it took down with it
                stop_now(self._pool)
                self._pool = worker_pool(self.workers)
            if broken:
                breaks += 1
                alone = alone or breaks >= 2
                todo = broken + todo


class DaskExecutor:
    """Tasks on a Dask cluster: a ``LocalCluster`` of ``workers`` single-threaded worker
    processes listening on 127.0.0.1 only, or the existing cluster at ``scheduler``
    (``tcp://host:8786``, or ``tls://...`` with the TLS settings in Dask's
    configuration). Dask is imported here, when asked for."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.workers = workers or default_workers()
        self.scheduler = scheduler
        self._cluster = None
        self._client = None

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError([DASK_MISSING]) from None
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError, TypeError) as exc:
                hint = ("; a tls:// scheduler needs the client's TLS files in Dask's configuration "
                        "(DASK_DISTRIBUTED__COMM__TLS__CA_FILE, ...__CLIENT__CERT, ...__CLIENT__KEY)"
                        if self.scheduler.startswith("tls://") else "")
                raise ScenarioError([f"--scheduler {self.scheduler}: cannot connect: {exc}{hint}"]) from None
            self.workers = len(self._client.scheduler_info().get("workers", {}))
            self._check_versions()
        else:
            self._cluster = _local_cluster(LocalCluster, self.workers)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc) -> None:
        # Closing our own LocalCluster, its workers' connections may drop before the
        # scheduler hears they are leaving, which distributed logs as an error with a
        # traceback (CommClosedError) though every result is in: not the user's concern.
        with _quiet_loggers(("distributed", "tornado", "asyncio") if self._cluster is not None else ()):
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        self._client = self._cluster = None

    def describe(self) -> str:
        if self.scheduler:
            return f"Dask cluster at {self.scheduler} ({self.workers} workers now)"
        return f"Dask LocalCluster, {self.workers} workers on 127.0.0.1"

    # How often, while no task finishes, the cluster is asked whether it has workers.
    IDLE_CHECK_S = 10.0

    def map_unordered(self, fn: Callable, tasks: Sequence) -> Iterator[tuple[Any, Any]]:
        """As the other executors; a task that raised (or that killed its workers:
        ``KilledWorker``) is yielded as a failure, but losing the cluster itself (the
        scheduler gone: the futures cancelled under us) raises :class:`ClusterLost`, the
        runs not run being no failures of theirs. While nothing finishes and the cluster
        has no worker, that is said once on stderr (it waits for one to join)."""
        from distributed import as_completed as dask_as_completed

        assert self._client is not None, "use the executor in a with block"
        futures = {self._client.submit(fn, task, pure=False): task for task in tasks}
        done = dask_as_completed(list(futures))
        quiet_since, said_no_workers = time.monotonic(), False
        try:
            while not done.is_empty():
                batch = done.next_batch(block=False)
                if not batch:
                    time.sleep(0.1)
                    if time.monotonic() - quiet_since >= self.IDLE_CHECK_S:
                        quiet_since = time.monotonic()
                        if not said_no_workers and not self._has_workers():
                            said_no_workers = True
                            sys.stderr.write(f"warning: the Dask cluster at {self._where()} has no "
                                             "worker: waiting for one to join (Ctrl-C stops; "
                                             "finished runs are kept)\n")
                    continue
                quiet_since = time.monotonic()
                for future in batch:
                    try:
                        yield futures[future], future.result()
                    except Exception as exc:
                        if _cluster_lost(exc):
                            raise ClusterLost(f"lost the Dask cluster at {self._where()} "
                                              f"({type(exc).__name__}: {exc})") from None
                        yield futures[future], exc  # (the run raised, or killed its workers)
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                with contextlib.suppress(Exception):  # (a lost cluster cannot be told)
                    self._client.cancel(pending)

    def _check_versions(self) -> None:
        """Refuse a cluster whose workers run another version of the simulator (their
        results could be another model's); a worker that joins later refuses each task
        itself (:func:`sim.sweep.task.run_task`)."""
        from sim import __version__

        try:
            versions = self._client.run(_simulator_version)
        except Exception:  # (a worker without the package at all: its tasks say so)
            return
        other = {worker: v for worker, v in versions.items() if v != __version__}
        if other:
            listed = ", ".join(f"{worker} runs {v}" for worker, v in sorted(other.items()))
            self._client.close()
            raise ScenarioError([f"--scheduler {self.scheduler}: {len(other)} of {len(versions)} "
                                 f"workers run another fulfillment-sim than this {__version__} "
                                 f"({listed}): install the same version on every worker"])

    def _has_workers(self) -> bool:
        try:
            return bool(self._client.nthreads())
        except Exception as exc:
            raise ClusterLost(f"lost the Dask cluster at {self._where()} ({type(exc).__name__}: "
                              f"{exc})") from None

    def _where(self) -> str:
        return self.scheduler or "127.0.0.1 (LocalCluster)"


def _simulator_version() -> str:
    """(Run on each Dask worker.)"""
    import sim

    return sim.__version__


class ClusterLost(RuntimeError):
    """The Dask cluster went away during a sweep (its scheduler stopped, or the
    connection to it did): the runs it had not finished were not run, not failed."""


def _cluster_lost(exc: BaseException) -> bool:
    """Whether a task's exception says the cluster went away, not the task: its future
    cancelled under us (``FutureCancelledError``: scheduler-connection-lost; this
    executor cancels only once the caller stops reading) or the connection closed."""
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    return isinstance(exc, CancelledError | CommClosedError)


@contextlib.contextmanager
def _quiet_loggers(names: Sequence[str]):
    """Only critical messages from these loggers and their children (those with a level
    of their own too) while inside."""
    known = [n for n in logging.root.manager.loggerDict if any(n.startswith(p + ".") for p in names)]
    loggers = [logging.getLogger(n) for n in (*names, *known)] if names else []
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def check_executor(kind: str, scheduler: str | None = None) -> None:
    """Refuse an executor that cannot start (before anything is written): an unknown
    kind, ``--scheduler`` without Dask, or Dask not installed."""
    if kind not in EXECUTORS:
        raise ScenarioError([f"--executor {kind}: must be one of {', '.join(EXECUTORS)}"])
    if scheduler and kind != "dask":
        raise ScenarioError([f"--scheduler needs --executor dask (got --executor {kind})"])
    if kind == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ScenarioError([DASK_MISSING]) from None


# A LocalCluster's workers: no statistical profiler (it samples the worker's stack every
# 10 ms and cost about 10% of a run's CPU time; nobody looks at a dashboard here).
LOCAL_CLUSTER_CONFIG = {"distributed.worker.profile.enabled": False}


def _local_cluster(cluster_class, workers: int):
    """A LocalCluster of ``workers`` single-threaded processes on 127.0.0.1. Where the
    platform has it, worker processes are forked from a fork server that has imported
    the simulator once (a spawned worker would import it again: about a second each,
    and Dask's default is to spawn); the fork server is itself a fresh process, so this
    is safe although this process runs threads."""

    import dask

    config = dict(LOCAL_CLUSTER_CONFIG)
    if "forkserver" in multiprocessing.get_all_start_methods():
        from distributed.utils import get_mp_context

        config["distributed.worker.multiprocessing-method"] = "forkserver"
        with dask.config.set(config):
            get_mp_context().set_forkserver_preload(["distributed", "sim.sweep.task"])
    with dask.config.set(config):
        return cluster_class(n_workers=workers, threads_per_worker=1, processes=True,
                             host="127.0.0.1", dashboard_address=LOCAL_DASHBOARD,
                             silence_logs=logging.ERROR)


# The scheduler's HTTP server starts whatever the dashboard setting (None meant port 8787
# on every run, and a warning when another cluster held it): a free port of 127.0.0.1.
LOCAL_DASHBOARD = "127.0.0.1:0"


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None):
    """The executor called ``kind`` (one of :data:`EXECUTORS`)."""
    check_executor(kind, scheduler)
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, scheduler)
