"""fsim run's figure process (sim.figure_process): the files it draws are those drawn
in the run's own process, its errors are raised in the run's process, and it ends with
the run however the run ends. The checks that fork run in a fresh interpreter (no
other thread: the process is only forked where that is safe)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import time

import pytest
import yaml

from sim.cli import main

from .conftest import ROOT, TINY

STOCK = {"initial_days_of_cover": 2, "fallback": "split", "backorder": "ship_available",
         "replenishment": {"policy": "RQ", "reorder_point": "auto", "order_quantity_days": 3,
                           "supplier_lead_time_days": 2}}


def _python(script: str, tmp_path) -> subprocess.CompletedProcess:
    code = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        import sim
        from sim.scenario import validate_data
        from sim.outputs import write_results
        from sim.figure_process import FigureProcess
        data = json.loads({repr(__import__("json").dumps({**TINY, "inventory": STOCK}))})
        tmp = Path({str(tmp_path)!r})
    """) + textwrap.dedent(script)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_its_figures_are_the_files_drawn_in_the_run_s_own_process(tmp_path):
    """Two replications with stock: every figure, byte for byte, in the same order, as
    write_figures draws from the tables in memory."""
    proc = _python("""
        from sim.report import write_figures
        result = sim.run(validate_data(data), replications=2)
        out = tmp / "run"
        write_results(result, out, figures=False)  # (the tables it reads back)
        drawn = FigureProcess().draw(result.scenario, result.summary, out, stock=True)
        (tmp / "here").mkdir()
        here = write_figures(result, tmp / "here", workers=1)
        assert [p.name for p in drawn] == [p.name for p in here], (drawn, here)
        assert "stock_levels.png" in [p.name for p in drawn]
        for a, b in zip(drawn, here):
            assert a.read_bytes() == b.read_bytes(), a.name
        print("same", len(drawn))
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "same" and int(proc.stdout.split()[1]) >= 8


def test_an_error_while_drawing_is_raised_in_the_run_s_process_and_the_process_ends(tmp_path):
    proc = _python("""
        import sim.report
        def boom(*args):
            raise ValueError("no room for the legend")
        sim.report._csat_figure = boom  # (before the fork: the figure process draws with it)
        result = sim.run(validate_data(data))
        out = tmp / "run"
        write_results(result, out, figures=False)
        figures = FigureProcess()
        try:
            figures.draw(result.scenario, result.summary, out, stock=True)
        except ValueError as exc:
            print("raised", exc, "| alive", figures._process.is_alive())
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "raised no room for the legend | alive False"


def test_it_ends_when_the_run_s_process_ends_without_asking(tmp_path):
    """kill -9 of fsim run (here: an exit that runs no clean-up) leaves no process
    waiting for a request for ever."""
    proc = _python("""
        import os
        figures = FigureProcess()
        print(figures._process.pid, flush=True)
        os._exit(0)
    """, tmp_path)
    pid = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(pid)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1].split()[0] != "Z"  # (a zombie has ended)
    except FileNotFoundError:
        return False


@pytest.fixture
def forking():
    """The CLI checks need a process with no other thread, where fsim run forks its
    figure process (a test before may have left a thread, e.g. a browser's; the checks
    in a fresh interpreter above run always)."""
    from sim.processes import mp_context

    if mp_context().get_start_method() != "fork":
        pytest.skip("another thread runs in this process: fsim run draws its figures itself")


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, sort_keys=False))
    return path


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
def test_fsim_run_draws_its_figures_in_the_figure_process(forking, tiny_file, tmp_path, monkeypatch):
    """fsim run (one replication: tables held; and three, kept on disk) asks the
    figure process for its figures, which are all there; and with --no-figures starts
    none."""
    from sim.figure_process import FigureProcess

    asked = []
    real = FigureProcess.draw
    monkeypatch.setattr(FigureProcess, "draw", lambda self, *a, **k: asked.append(1) or real(self, *a, **k))
    for n in ("1", "3"):
        out = tmp_path / f"run{n}"
        assert main(["run", str(tiny_file), "-r", n, "-q", "--out", str(out)]) == 0
        assert (out / "staff_pools.png").exists() and (out / "summary.json").exists()
    assert asked == [1, 1]
    assert not multiprocessing.active_children()
    started = []
    monkeypatch.setattr(FigureProcess, "__init__", lambda self: started.append(1))
    assert main(["run", str(tiny_file), "-q", "--no-figures", "--out", str(tmp_path / "plain")]) == 0
    assert main(["run", str(tiny_file), "-q", "--outputs", "kpis", "--out", str(tmp_path / "kpis")]) == 0
    assert started == []


def test_an_interrupted_run_ends_its_figure_process(forking, tiny_file, tmp_path, monkeypatch):
    import sim.experiment

    def interrupted(*args, **kwargs):
        assert multiprocessing.active_children()  # (started before the run)
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.experiment, "run", interrupted)
    assert main(["run", str(tiny_file), "-q", "--out", str(tmp_path / "run")]) == 130
    assert not multiprocessing.active_children()


def test_ended_while_drawing_its_workers_end_with_it_quietly(tmp_path):
    """An interrupted run ends the figure process while its workers draw: they end
    with it and print no traceback (each finished its figure, could not hand it back
    and printed a broken pipe's traceback twice)."""
    proc = _python("""
        import time
        import sim.report
        real = sim.report._Job.__call__
        def slow(self):
            time.sleep(0.3)  # (each figure: shorter than a worker's check for its parent)
            return real(self)
        sim.report._Job.__call__ = slow  # (before the fork)
        result = sim.run(validate_data(data))
        out = tmp / "run"
        write_results(result, out, figures=False)
        figures = FigureProcess()
        figures._conn.send((result.scenario, result.summary, str(out), True))
        time.sleep(1.0)  # (drawing)
        figures.close()
        print("alive", figures._process.is_alive(), flush=True)
        time.sleep(2)
        print("drawn", len(list(out.glob("*.png"))) < 8)
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["alive", "False", "drawn", "True"], proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr


def test_a_figure_process_gone_leaves_the_figures_to_the_run(forking, tmp_path, capsys):
    """Killed (out of memory, say) before it drew, the figures are drawn in the run's
    own process, with a note: not an internal error after the whole run."""
    import signal

    import sim
    from sim.figure_process import FigureProcess
    from sim.outputs import write_results
    from sim.scenario import validate_data

    result = sim.run(validate_data(TINY))
    figures = FigureProcess()
    os.kill(figures._process.pid, signal.SIGKILL)
    figures._process.join(5)
    written = write_results(result, tmp_path / "run", figure_process=figures)
    assert (tmp_path / "run" / "staff_pools.png") in written
    assert "drawing them in this process" in capsys.readouterr().err


def test_a_figure_worker_leaves_what_it_inherited_out_of_the_collectors_scans(tmp_path):
    """Each forked figure worker freezes what it inherited (the result, the modules):
    the cycle collector's full collections walked it all while drawing. In a fresh
    interpreter: forking is only safe with no other thread."""
    done = _python("""
        import gc
        from sim import report
        from sim.processes import mp_context
        with mp_context().Pool(1, initializer=report._figure_worker_start) as pool:
            frozen = pool.apply(gc.get_freeze_count)
        print(frozen, gc.get_freeze_count())
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    in_worker, here = map(int, done.stdout.split())
    assert in_worker > 10_000 and here == 0
