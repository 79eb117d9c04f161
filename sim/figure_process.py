"""``fsim run``'s figures, drawn by a process of their own started as the run starts.

Importing matplotlib and the figures' module takes about a quarter of a second: as
long as the whole simulation of a small run, and drawn in the run's own process, the
figures wait for it. A process forked as the run starts does that import on another
core while the run runs, then waits. Once the run's tables are on disk,
:meth:`FigureProcess.draw` sends it what the figures read besides the tables (the
scenario and the summary); it reads the columns it draws back from the run folder
(:func:`sim.outputs.read_back_for_figures`), draws every figure
(:func:`sim.report.write_figures`, with workers forked from it) and sends back the
files' paths, or the error, which :meth:`~FigureProcess.draw` raises here as if it
had been raised here. The files are the same as drawn in the run's own process.

It ends when it has answered, when :meth:`FigureProcess.close` is called (a run
interrupted or failed before drawing), and when this process ends, however it ends
(its end of the pipe closes, and its wait ends). Ctrl-C is this process's to handle.
"""

from __future__ import annotations

import atexit
import contextlib
import signal
import traceback
from pathlib import Path

from sim.processes import mp_context

# A run held in memory whose figures would be drawn here is read back only up to this
# many orders (the columns the figures draw, about 0.5-1 kB an order beside the held
# tables: at most ~100 MB); beyond it the import is a small part of the run, and the
# figures are drawn in the run's own process as before. (A run keeping its tables on
# disk reads them back wherever its figures are drawn.) The process itself holds about
# 80 MB of its own (matplotlib) through the run: sim.sizing.FIGURE_PROCESS_BYTES.
READ_BACK_HELD_ORDERS_AT_MOST = 100_000

JOIN_S = 5.0  # how long close() waits for the process to end after ending it


class FigureProcessGone(RuntimeError):
    """The figure process ended before it answered (killed, or out of memory): the
    figures are still to draw."""


class FigureProcess:
    """A forked process that has imported the figures' module and draws the figures of
    one run when asked (module docstring)."""

    def __init__(self) -> None:
        context = mp_context()
        if context.get_start_method() != "fork":
            raise RuntimeError("FigureProcess needs the fork start method (FigureProcess.start)")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, self._conn),
                                        name="fsim-figures")
        self._process.start()
        child_end.close()
        # (closed before multiprocessing, at exit, waits for its processes: this one
        # would otherwise wait for a request for ever)
        atexit.register(self.close)

    @classmethod
    def start(cls, held_orders: float = 0.0) -> FigureProcess | None:
        """A figure process, where it helps and forking is safe (POSIX, no other thread
        in this process); else None (draw the figures here). ``held_orders``: the orders
        of a run that holds its tables in memory (0 for one keeping them on disk)."""
        if held_orders > READ_BACK_HELD_ORDERS_AT_MOST or mp_context().get_start_method() != "fork":
            return None
        return cls()

    def draw(self, scenario, summary: dict, out: Path, stock: bool) -> list[Path]:
        """Draw the figures of the run whose tables are in ``out`` (``stock``: it has an
        inventory, so ``stock_levels.parquet``); return their paths, or raise what
        drawing raised. The process ends afterwards."""
        try:
            self._conn.send((scenario, summary, str(out), stock))
            status, value, where = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            raise FigureProcessGone("the process drawing the figures ended before it had drawn "
                                    "them (killed, or out of memory?)") from None
        finally:
            self.close()
        if status == "error":
            if where and hasattr(value, "add_note"):
                value.add_note(f"(raised in the figure process)\n{where}")
            raise value
        return [Path(p) for p in value]

    def close(self) -> None:
        """End the process (at once if it is waiting; its drawing workers follow it)."""
        if not self._conn.closed:
            self._conn.close()  # (a process waiting for a request sees the pipe close)
        if self._process.pid is not None and self._process.is_alive():
            self._process.join(0.2)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(JOIN_S)
        atexit.unregister(self.close)


def _serve(conn, parent_end) -> None:
    """The figure process: import, wait for one request, answer it."""
    parent_end.close()  # (its copy: else the pipe would never close when the parent ends)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (the parent's, who ends this process)
    # Ended while drawing (the run interrupted): its drawing workers are ended with it
    # (leaving the pool's block ends them), not left to draw on into the folder and
    # print a broken pipe's traceback each when they cannot hand their figure back.
    signal.signal(signal.SIGTERM, _end)
    with contextlib.suppress(Exception):  # (drawing imports them again and says what is wrong)
        import pyarrow.parquet  # noqa: F401  (the point: done while the run runs)

        import sim.report  # noqa: F401
    try:
        scenario, summary, out, stock = conn.recv()
    except (EOFError, OSError):  # the run ended without asking
        return
    try:
        from sim.outputs import read_back_for_figures
        from sim.report import write_figures

        result = read_back_for_figures(scenario, summary, Path(out), stock)
        answer = ("ok", [str(p) for p in write_figures(result, Path(out))], "")
    except BaseException as exc:  # noqa: BLE001  (sent to the parent, which raises it)
        answer = ("error", exc, traceback.format_exc())
    if isinstance(answer[1], SystemExit):  # (ended: nobody is waiting for an answer)
        return
    try:
        conn.send(answer)
    except (OSError, BrokenPipeError):  # the parent is gone
        return
    except Exception:  # noqa: BLE001  (an error that does not pickle: its text)
        conn.send(("error", RuntimeError(f"{type(answer[1]).__name__}: {answer[1]}"), answer[2]))


def _end(signum, frame) -> None:
    raise SystemExit(1)
