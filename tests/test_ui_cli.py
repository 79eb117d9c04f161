"""``fsim ui`` on the command line: without the extra, with a bad scenario, a bad or busy
port, it says so in one line and exits 2 without starting a server."""

from __future__ import annotations

import importlib.util
import socket

import pytest

from sim.cli import main

from .conftest import SCENARIOS


def test_without_the_extra_one_line_says_how_to_install_it(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "streamlit" else real(name, *a))
    assert main(["ui", str(SCENARIOS / "baseline.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "pip install 'fulfillment-sim[ui]'" in err[0]


def needs_streamlit():
    if importlib.util.find_spec("streamlit") is None:
        pytest.skip("the ui extra is not installed: pip install -e '.[ui]'")


def test_a_bad_scenario_is_refused_before_any_server(capsys, tmp_path):
    needs_streamlit()
    bad = tmp_path / "bad.yaml"
    bad.write_text((SCENARIOS / "baseline.yaml").read_text().replace("days: 35 ", "days: -35 "))
    assert main(["ui", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:10 horizon.days: must be > 0, got -35" in err
    assert main(["ui", "--set", "horizon.days=3"]) == 2
    assert "give a SCENARIO" in capsys.readouterr().err


def test_a_busy_port_is_refused(capsys):
    needs_streamlit()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["ui", str(SCENARIOS / "baseline.yaml"), "--port", str(port)]) == 2
    assert f"--port {port}: already in use on 127.0.0.1" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_bad_port_number(port, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["ui", "--port", port])
    assert exit_.value.code == 2
    assert "--port" in capsys.readouterr().err
