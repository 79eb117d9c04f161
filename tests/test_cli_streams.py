"""fsim's console output when its reader goes away (``fsim run ... 2>&1 | head``)."""

from __future__ import annotations

import subprocess
import sys

import yaml

from .conftest import ROOT, TINY


def test_a_run_whose_reader_has_gone_finishes_and_exits_with_its_own_status(tmp_path):
    """Reading one line of a run's output and closing the pipe (``| head -1``) made the
    next message fail with BrokenPipeError: an internal error, exit 1, though the run's
    files were written. The run now carries on quietly and exits 0."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", str(scenario), "-o", str(out),
                             "--no-figures", "-r", "2"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away
    assert proc.wait(timeout=300) == 0, first
    assert (out / "summary.json").exists() and (out / "kpis.csv").exists()
