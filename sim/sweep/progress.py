"""Progress of a batch of tasks: tasks and points done, failures, ETA. A rich bar on a
terminal; plain lines (about every 10% or 10 s) when stderr is a file or a pipe."""

from __future__ import annotations

import time
from datetime import timedelta

PLAIN_EVERY_S = 10.0
PLAIN_EVERY_FRACTION = 0.1


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(max(seconds, 0))))


class TaskProgress:
    """``advance(failed, point_done)`` after each task. ``quiet``: show nothing.

    The bar is refreshed when a task finishes (no refresh thread: worker processes are
    forked from a process without threads)."""

    def __init__(self, console, label: str, total: int, points_total: int,
                 points_done: int = 0, quiet: bool = False, unit: str = "points"):
        self.console = console
        self.unit = unit
        self.label = label
        self.total = total
        self.points_total = points_total
        self.points_done = points_done
        self.done = 0
        self.failed = 0
        self.quiet = quiet or total == 0
        self._started = time.monotonic()
        self._last_line = -1e9
        self._last_fraction = -1.0
        self._bar = None
        self._task = None

    def __enter__(self) -> TaskProgress:
        if self.quiet:
            return self
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TextColumn("{task.fields[extra]}"),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=self.console, auto_refresh=False, transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, extra=self._extra())
            self._bar.refresh()
        else:
            self._line(force=True)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.refresh()
            self._bar.stop()
        elif not self.quiet and self.done:
            self._line(force=True)

    def _extra(self) -> str:
        failed = f", [red]{self.failed} failed[/red]" if self.failed else ""
        return f"{self.unit} {self.points_done}/{self.points_total}{failed}"

    def eta_s(self) -> float | None:
        if not self.done:
            return None
        elapsed = time.monotonic() - self._started
        return elapsed / self.done * (self.total - self.done)

    def advance(self, failed: bool = False, point_done: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        self.points_done += int(point_done)
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, extra=self._extra())
            self._bar.refresh()
        else:
            self._line()

    def _line(self, force: bool = False) -> None:
        now = time.monotonic()
        fraction = self.done / self.total if self.total else 1.0
        if not force and now - self._last_line < PLAIN_EVERY_S and (
                fraction - self._last_fraction < PLAIN_EVERY_FRACTION and self.done < self.total):
            return
        self._last_line, self._last_fraction = now, fraction
        eta = self.eta_s()
        failed = f", {self.failed} failed" if self.failed else ""
        self.console.file.write(
            f"{self.label}: {self.done}/{self.total} tasks, {self.unit} {self.points_done}/"
            f"{self.points_total}{failed}, elapsed {_clock(now - self._started)}, "
            f"ETA {'?' if eta is None else _clock(eta)}\n")
        self.console.file.flush()
