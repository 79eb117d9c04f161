"""Local worker processes, as ``fsim run --workers`` and the ``processes`` sweep
executor start them: how they are started, and who handles an interruption."""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from concurrent.futures import InvalidStateError, ProcessPoolExecutor


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
    workers); a worker raising KeyboardInterrupt itself would print a traceback. And a
    worker ends when its parent does (:func:`exit_with_the_parent`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_the_parent()


PARENT_CHECK_S = 1.0  # how often a worker looks whether its parent is still there


def exit_with_the_parent(every_s: float = PARENT_CHECK_S) -> None:
    """End this process soon after its parent ends, however it ended (``kill -9``
    included). A forked worker keeps its own copy of the pipe its parent feeds it
    through, so it would never see the pipe close: it would wait for work forever. A
    daemon thread checks every ``every_s`` seconds whether the process has been handed
    to another parent, and ends the process if so (the work under way is the parent's,
    which is gone)."""
    import os

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="fsim-exit-with-the-parent", daemon=True).start()


def worker_pool(workers: int, shared_progress=None) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes that leave interruptions to this one.
    ``shared_progress``: an array (:func:`progress_slots`) the workers write their
    progress into (:func:`report_progress`)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(),
                               initializer=_start_worker, initargs=(shared_progress,))


_shared_progress = None  # in a worker: the array its parent reads progress from


def _start_worker(shared_progress) -> None:
    global _shared_progress
    _shared_progress = shared_progress
    leave_interrupts_to_the_parent()


def progress_slots(n: int):
    """Shared memory for ``n`` fractions (0 to 1; one per replication, say) that
    workers of :func:`worker_pool` write and the parent reads while they run."""
    return mp_context().Array("d", n, lock=False)


def report_progress(slot: int, fraction: float) -> None:
    """In a worker: record that ``fraction`` of the work of ``slot`` is done (nothing
    if the pool was started without shared progress)."""
    if _shared_progress is not None:
        _shared_progress[slot] = fraction


def stop_now(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` without waiting for the runs under way (interrupted, or a run
    failed): cancel what has not started and end the worker processes."""
    _quiet_the_cancelled_future_race()
    pool.shutdown(wait=False, cancel_futures=True)
    for child in multiprocessing.active_children():
        child.terminate()
    _let_the_pools_manager_threads_end()


# How long to wait for a pool's manager thread to see its workers gone (it does at once).
MANAGER_THREAD_WAIT_S = 5.0


def _let_the_pools_manager_threads_end() -> None:
    """Wait (briefly) for the manager threads of pools whose workers were just ended.
    Before Python 3.12, the interpreter's exit wakes each manager thread still alive
    through a pipe that the thread may be closing at that moment, which printed an
    "Exception ignored ... OSError: Bad file descriptor" traceback after an interrupted
    run; a thread that has ended is not woken."""
    for thread in threading.enumerate():
        if type(thread).__name__ == "_ExecutorManagerThread":
            thread.join(MANAGER_THREAD_WAIT_S)


def _quiet_the_cancelled_future_race() -> None:
    """Install (once) a :data:`threading.excepthook` that drops one known error of
    Python before 3.12 (CPython gh-107219): when a pool's workers are ended while some
    of its futures are cancelled, the pool's manager thread sets "the pool broke" on a
    cancelled future, which raises InvalidStateError in that thread and printed a
    traceback after a sweep stopped early. The futures are abandoned on purpose; every
    other thread error goes to the hook as before."""
    previous = threading.excepthook
    if getattr(previous, "quiets_cancelled_future_race", False):
        return

    def hook(args) -> None:
        if is_cancelled_future_race(args):
            return
        previous(args)

    hook.quiets_cancelled_future_race = True
    threading.excepthook = hook


def is_cancelled_future_race(args) -> bool:
    """Whether a thread's uncaught exception (``threading.ExceptHookArgs``) is that of
    :func:`_quiet_the_cancelled_future_race`."""
    return (isinstance(args.exc_value, InvalidStateError)
            and type(args.thread).__name__ == "_ExecutorManagerThread")
