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


@pytest.mark.parametrize(("argv", "usage", "hint"), [
    (["run", "s.yaml", "--no-figurez"], "usage: fsim run ", "did you mean --no-figures?"),
    (["check", "s.yaml", "-b", "b.json", "--no-size-chek"], "usage: fsim check ", "did you mean --no-size-check?"),
    (["baseline", "save", "s.yaml", "--out", "b.json", "--quite"], "usage: fsim baseline save ", "did you mean --quiet?"),
    (["validate", "s.yaml", "--bogus"], "usage: fsim validate ", None),
])
def test_an_unknown_option_gets_its_commands_usage_and_the_nearest_options(argv, usage, hint, capsys):
    """argparse reported an option the command does not know with fsim's top-level
    usage, which lists none of the command's options."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith(usage) and f"unrecognized arguments: {argv[-1]}" in err
    assert (hint in err) if hint else "did you mean" not in err
