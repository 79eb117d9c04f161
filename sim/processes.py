"""Local worker processes, as ``fsim run --workers`` and the ``processes`` sweep
executor start them: how they are started, and who handles an interruption."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from concurrent.futures import ProcessPoolExecutor


def mp_context() -> multiprocessing.context.BaseContext:
    """``fork`` where it is safe (POSIX, no other thread running in this process): it
    starts fast and needs no ``if __name__ == "__main__"`` guard in a user's script;
    ``spawn`` otherwise."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def leave_interrupts_to_the_parent() -> None:
    """A worker's initializer: Ctrl-C (SIGINT, sent to the terminal's whole process
    group) and SIGTERM are the parent's to handle (it keeps what finished and stops the
    workers); a worker raising KeyboardInterrupt itself would print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes that leave interruptions to this one."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(),
                               initializer=leave_interrupts_to_the_parent)


def stop_now(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` without waiting for the runs under way (interrupted, or a run
    failed): cancel what has not started and end the worker processes."""
    pool.shutdown(wait=False, cancel_futures=True)
    for child in multiprocessing.active_children():
        child.terminate()
