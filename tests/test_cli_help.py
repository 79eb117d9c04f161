"""Every command's --help works, and building the parser loads neither the model nor
pandas (fsim --help stays fast)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.cli import COMMANDS, main


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: fsim" in capsys.readouterr().out


def test_the_parser_imports_nothing_heavy():
    code = ("import sys; from sim.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('pandas', 'numpy', 'simpy', 'sim.model', 'distributed') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
