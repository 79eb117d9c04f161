"""Figure workers started before a run, so that its figures need not wait for matplotlib.

``fsim run`` draws its figures after the run, in up to three processes. Forked then, they
could share the run's tables without copying them, but matplotlib had to be imported
first, by the run itself, on the critical path (about 0.4 s, a quarter of the figures'
cost). :class:`FigureWorkers` forks the processes *before* the run instead: each imports
matplotlib and :mod:`sim.report` at once, while the run simulates (on another core),
then waits. Asked to draw, they read back the tables the figures need from the files the
run has written by then (:func:`sim.outputs.figure_tables`: only the columns drawn), and
draw one figure each at a time, the slowest first. The files are the same as those
:func:`sim.report.write_figures` draws from the tables in memory (tested).

The parent runs no thread for them (plain processes and pipes): a pool started later,
``fsim run -w N``'s, still forks. A worker ignores Ctrl-C (the parent handles it) and
ends within a second of its parent, however the parent ended
(:func:`sim.processes.leave_interrupts_to_the_parent`). If a worker fails or dies,
:meth:`FigureWorkers.draw` raises :class:`FigureWorkersFailed` and the caller draws the
figures itself.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from multiprocessing.connection import wait
from pathlib import Path

MAX_FIGURE_WORKERS = 3  # the two slowest figures take half the time: more would add memory, not speed


class FigureWorkersFailed(RuntimeError):
    """A figure worker failed or died: the caller draws the figures itself."""


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class FigureWorkers:
    """Up to :data:`MAX_FIGURE_WORKERS` processes, forked now, that draw a run's figures
    later (module docstring). Use :meth:`start` (None where they would not help) and
    :meth:`close`."""

    def __init__(self, workers: int) -> None:
        from sim.processes import mp_context

        context = mp_context()
        self._conns, self._procs = [], []
        for _ in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), name="fsim-figures", daemon=True)
            process.start()
            theirs.close()
            self._conns.append(ours)
            self._procs.append(process)

    @classmethod
    def start(cls, workers: int | None = None) -> FigureWorkers | None:
        """Workers for the cores this process may use (at most
        :data:`MAX_FIGURE_WORKERS`); None with one core or where processes cannot be
        forked (another thread running, no ``fork``): the figures are then drawn in
        this process, as :func:`sim.report.write_figures` does."""
        from sim.processes import mp_context

        n = min(workers or usable_cores(), MAX_FIGURE_WORKERS)
        if n <= 1 or mp_context().get_start_method() != "fork":
            return None
        return cls(n)

    def draw(self, out: str | Path, scenario, with_stock: bool) -> list[Path]:
        """Draw every figure of the run whose tables are in ``out`` (``with_stock``:
        it models stock, so ``stock_levels.parquet`` is there); return the paths in
        :mod:`sim.report`'s order."""
        task = (str(out), scenario, with_stock)
        try:
            self._conns[0].send(("plan", task))
            plan = self._answer(self._conns[0])  # [(job index, cost)]
            todo = sorted(range(len(plan)), key=lambda i: -plan[i][1])  # the slowest first
            drawn: dict[int, str | None] = {}
            busy: dict[object, int] = {}
            idle = list(self._conns)
            while todo or busy:
                while todo and idle:
                    conn, index = idle.pop(), todo.pop(0)
                    conn.send(("draw", task, index))
                    busy[conn] = index
                for conn in wait(list(busy)):
                    drawn[busy.pop(conn)] = self._answer(conn)
                    idle.append(conn)
        except (EOFError, OSError) as exc:  # a worker died
            raise FigureWorkersFailed(f"a figure worker died: {exc}") from None
        return [Path(drawn[i]) for i in range(len(plan)) if drawn[i] is not None]

    @staticmethod
    def _answer(conn):
        status, value = conn.recv()
        if status != "ok":
            raise FigureWorkersFailed(value)
        return value

    def close(self) -> None:
        """Let the workers end (they also end with this process)."""
        for conn in self._conns:
            with contextlib.suppress(OSError):  # (one that died)
                conn.send(None)
            conn.close()
        for process in self._procs:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        self._conns, self._procs = [], []

    def __enter__(self) -> FigureWorkers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(conn) -> None:
    """A worker: import what drawing needs at once, then answer ``plan`` and ``draw``
    requests until told to stop (None)."""
    from sim.processes import leave_interrupts_to_the_parent

    leave_interrupts_to_the_parent()
    import sim.report  # noqa: F401  (matplotlib: while the run simulates)

    read_for, jobs = None, []  # (the tables of one run, read once)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            kind, task, *index = request
            if (task[0], task[2]) != read_for:
                read_for, jobs = (task[0], task[2]), _jobs(*task)
            answer = [(i, job.cost) for i, job in enumerate(jobs)] if kind == "plan" else jobs[index[0]]()
            conn.send(("ok", answer))
        except Exception:  # (sent back: the parent draws the figures itself)
            conn.send(("error", traceback.format_exc()))


def _jobs(out: str, scenario, with_stock: bool) -> list:
    """The figure jobs of the run whose tables are in ``out``."""
    import pandas as pd

    from sim.experiment import Result
    from sim.outputs import figure_tables
    from sim.report import figure_jobs

    result = Result(scenario=scenario, kpis=pd.DataFrame(), **figure_tables(Path(out), with_stock))
    return figure_jobs(result, Path(out))
