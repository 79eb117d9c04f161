"""The command recorded in output folders reads back as the same command in a shell."""

from __future__ import annotations

import shlex

from sim.invocation import command_text


def test_the_recorded_command_is_quoted_as_a_shell_reads_it():
    """`--target "x >= 90"` was recorded unquoted: pasted into a shell, `>` redirected."""
    argv = ["/venv/lib/python3.11/site-packages/sim/__main__.py", "staff", "my scenario.yaml",
            "--target", "same_day_ship_pct_east >= 90", "--set", "a={b: 1}"]
    text = command_text(argv)
    assert text == "fsim staff 'my scenario.yaml' --target 'same_day_ship_pct_east >= 90' --set 'a={b: 1}'"
    assert shlex.split(text) == ["fsim", *argv[1:]]
    assert command_text(["/usr/local/bin/fsim", "run", "s.yaml"]) == "fsim run s.yaml"
    assert command_text(["other-tool", "x"]) == "other-tool x"
    assert command_text([]) == ""
