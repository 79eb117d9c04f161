"""The corpus of bad input (tests/bad_scenarios/, format in its README.md): every case
runs through ``fsim`` in-process and must exit with code 2, print each expected
message, never a traceback or an internal error, and finish in well under a second of
CPU (a guard against inputs that exhaust time or memory, not a benchmark).

A few cases cannot be files in the repository (binary files, files over the size
limit, a truncated parquet): they are made at test time, in ``GENERATED`` below.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Imported here so that the first case does not pay for them (CPU time is measured).
import sim.cli.compare  # noqa: F401
import sim.cli.run  # noqa: F401
import sim.cli.validate  # noqa: F401
import sim.compare  # noqa: F401
import sim.experiment  # noqa: F401
import sim.outputs  # noqa: F401
import sim.report  # noqa: F401
import sim.sizing  # noqa: F401
from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.yaml_source import MAX_EXTENDS_DEPTH, MAX_FILE_BYTES, MAX_NODES

CORPUS = Path(__file__).parent / "bad_scenarios"
CPU_LIMIT_S = 1.0  # per case; a well-behaved refusal takes a few milliseconds


@dataclass
class Case:
    """One bad input: the ``fsim`` arguments, with ``{file}``, ``{dir}`` and ``{tmp}``
    to fill in, and the regular expressions that must all match its stderr."""

    name: str
    args: str
    expect: list[str]
    exit_code: int = 2
    file: Path | None = None
    setup: object = field(default=None, repr=False)  # callable(tmp) for generated cases


def read_case(path: Path) -> Case:
    """A case from the comment lines at the top of a corpus file."""
    args, expect, exit_code = None, [], 2
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        if key == "args":
            args = value.strip()
        elif key == "expect":
            expect.append(value.strip())
        elif key == "exit":
            exit_code = int(value)
    return Case(path.stem, args or "", expect, exit_code, file=path)


def corpus_cases() -> list[Case]:
    return [read_case(p) for p in sorted(CORPUS.glob("*.yaml"))
            if p.is_file() and not p.name.startswith("_")]


def _fill(text: str, values: dict[str, str], escape: bool) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", re.escape(value) if escape else value)
    return text


def run_case(case: Case, tmp: Path, capsys) -> tuple[int, str, float]:
    """(exit code, stdout + stderr, CPU seconds) of one case."""
    values = {"dir": str(CORPUS), "tmp": str(tmp),
              "file": str(case.file) if case.file else str(tmp / "case.yaml")}
    if case.setup is not None:
        case.setup(tmp)
    argv = shlex.split(_fill(case.args, values, escape=False))
    capsys.readouterr()
    start = time.process_time()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    cpu_s = time.process_time() - start
    out = capsys.readouterr()
    return code, out.err, out.out + out.err, cpu_s


def check_case(case: Case, tmp: Path, capsys) -> None:
    assert case.args and case.expect, f"{case.name}: needs '# args:' and '# expect:' lines"
    code, err, everything, cpu_s = run_case(case, tmp, capsys)
    values = {"dir": str(CORPUS), "tmp": str(tmp),
              "file": str(case.file) if case.file else str(tmp / "case.yaml")}
    assert code == case.exit_code, f"exit {code}, expected {case.exit_code}:\n{everything}"
    assert "Traceback" not in everything, everything
    assert "internal error" not in everything, everything
    for pattern in case.expect:
        assert re.search(_fill(pattern, values, escape=True), err), \
            f"expected /{pattern}/ in:\n{err}"
    assert cpu_s < CPU_LIMIT_S, f"{case.name} took {cpu_s:.2f} s of CPU"


# --- cases made at test time --------------------------------------------------------


def _write(name: str, data: bytes | str):
    def setup(tmp: Path) -> None:
        path = tmp / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return setup


def _extends_chain(tmp: Path) -> None:
    for i in range(MAX_EXTENDS_DEPTH + 1):
        (tmp / f"level{i}.yaml").write_text(f"extends: level{i + 1}.yaml\n")
    (tmp / f"level{MAX_EXTENDS_DEPTH + 1}.yaml").write_text((CORPUS / "_base.yaml").read_text())


def _run_folder(tmp: Path, orders: bytes | None) -> Path:
    run = tmp / "run"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps({
        "scenario": "corpus", "seed": 1, "replications": 1, "horizon_days": 4,
        "warmup_days": 1,
        "kpis": {"lead_time_hours_mean": {"mean": 50.0, "ci95_low": None, "ci95_high": None}}}))
    if orders is not None:
        (run / "orders.parquet").write_bytes(orders)
    return run


def _parquet_bytes(frame) -> bytes:
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf)
    return buf.getvalue()


def _truncated_parquet(tmp: Path) -> None:
    import pandas as pd

    whole = _parquet_bytes(pd.DataFrame({
        "placed_h": [1.0, 2.0], "paid_h": [1.1, 2.1], "packed_h": [3.0, 4.0],
        "status": ["delivered"] * 2, "lead_time_h": [40.0, 41.0], "customer_order": [True] * 2}))
    _run_folder(tmp, whole[: len(whole) // 2])


def _foreign_parquet(tmp: Path) -> None:
    import pandas as pd

    _run_folder(tmp, _parquet_bytes(pd.DataFrame({"price": [1.0, 2.0], "sku": ["a", "b"]})))


GENERATED = [
    Case("binary_nul_bytes", "validate {tmp}/case.yaml", [r"{file}:1: not a text \(UTF-8\) file: byte 6 is NUL"],
         setup=_write("case.yaml", b"name: \x00\x01\x02\x03")),
    Case("binary_not_utf8", "validate {tmp}/case.yaml", [r"{file}:2: not a text \(UTF-8\) file: byte 19 \(0xe9\) cannot be decoded"],
         setup=_write("case.yaml", b"name: corpus\nx: caf\xe9\n")),
    Case("binary_utf16", "validate {tmp}/case.yaml", [r"{file}:1: not a text \(UTF-8\) file"],
         setup=_write("case.yaml", "name: corpus\n".encode("utf-16"))),
    Case("binary_png", "validate {tmp}/case.yaml", [r"{file}:\d+: not a text \(UTF-8\) file"],
         setup=_write("case.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))),
    Case("file_over_size_limit", "validate {tmp}/case.yaml",
         [rf"{{file}}: too big for a scenario file: more than {MAX_FILE_BYTES:,} bytes"],
         setup=_write("case.yaml", "#" * (MAX_FILE_BYTES + 1) + "\n")),
    Case("gigantic_list", "validate {tmp}/case.yaml",
         [rf"{{file}}:2: too big: more than {MAX_NODES:,} YAML values"],
         setup=_write("case.yaml", "name: corpus\ndescription: [" + ", ".join(["0"] * (MAX_NODES + 10)) + "]\n")),
    Case("gigantic_mapping", "validate {tmp}/case.yaml",
         [rf"{{file}}:\d+: too big: more than {MAX_NODES:,} YAML values"],
         setup=_write("case.yaml", "".join(f"k{i}: {i}\n" for i in range(MAX_NODES)))),
    Case("nesting_beyond_the_parsers_own_limit", "validate {tmp}/case.yaml",
         [r"{file}:2: nested too deep: more than 32 levels"],
         setup=_write("case.yaml", "name: corpus\nx: " + "[" * 3000 + "]" * 3000 + "\n")),
    Case("whole_number_of_thousands_of_digits", "validate {tmp}/case.yaml",
         [r"{file}:2: a whole number of 5,000 digits: too big \(a number here is at most 1e\+15\)"],
         setup=_write("case.yaml", "name: corpus\nseed: " + "9" * 5000 + "\n")),
    Case("set_whole_number_of_thousands_of_digits", "validate {tmp}/case.yaml --set seed=" + "9" * 5000,
         [r"--set seed:1: a whole number of 5,000 digits: too big"],
         setup=_write("case.yaml", "name: corpus\n")),
    Case("extends_chain_too_long", "validate {tmp}/level0.yaml",
         [rf"level{MAX_EXTENDS_DEPTH - 1}\.yaml:1 extends: the chain of files is longer than {MAX_EXTENDS_DEPTH}"],
         setup=_extends_chain),
    Case("compare_truncated_parquet", "compare {tmp}/run --plot {tmp}/ecdf.png",
         [r"{tmp}/run/orders\.parquet: cannot be read as the orders of a run", "truncated"],
         setup=_truncated_parquet),
    Case("warmup_truncated_parquet", "warmup {tmp}/run",
         [r"{tmp}/run/orders\.parquet: cannot be read as the orders of a run"], setup=_truncated_parquet),
    Case("warmup_foreign_parquet", "warmup {tmp}/run",
         [r"{tmp}/run/orders\.parquet: not the orders of a run \(no placed_h column\)"],
         setup=_foreign_parquet),
    Case("compare_foreign_parquet", "compare {tmp}/run --plot {tmp}/ecdf.png",
         [r"{tmp}/run/orders\.parquet: cannot be read as the orders of a run"],
         setup=_foreign_parquet),
]


# --- the tests ----------------------------------------------------------------------


@pytest.mark.parametrize("case", corpus_cases(), ids=lambda c: c.name)
def test_corpus_case(case, tmp_path, capsys):
    check_case(case, tmp_path, capsys)


@pytest.mark.parametrize("case", GENERATED, ids=lambda c: c.name)
def test_generated_case(case, tmp_path, capsys):
    check_case(case, tmp_path, capsys)


def test_corpus_is_large_and_its_base_is_valid():
    assert len(corpus_cases()) + len(GENERATED) >= 60
    assert load_scenario(CORPUS / "_base.yaml").name == "corpus-base"


def test_case_format_is_read(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("# args: validate {file} --set 'a.b=c d'\n# a remark\n# expect: one\n"
                    "# expect: two\n# exit: 3\nname: x\n# expect: not a header line\n")
    case = read_case(path)
    assert (case.args, case.expect, case.exit_code) == ("validate {file} --set 'a.b=c d'", ["one", "two"], 3)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("command", ["validate {f}", "run {f} -q -o {tmp}/out",
                                     "check scenarios/baseline.yaml --baseline {f}", "sweep {f} -o {tmp}/sw"])
def test_a_device_without_end_is_refused_without_reading_it(tmp_path, capsys, command):
    """/dev/zero claims size 0 and never ends: reading it whole would fill the memory."""
    argv = shlex.split(command.format(f="/dev/zero", tmp=tmp_path))
    assert main(argv) == 2
    assert "/dev/zero: is a device or socket, not a " in capsys.readouterr().err


def test_a_pipe_is_read_but_never_past_the_limit(tmp_path):
    """A scenario may come through a pipe (``fsim run <(...)``): read, but at most the
    limit and one byte more, whatever the writer sends."""
    import os
    import threading

    from sim.scenario.yaml_source import read_limited

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    sent = []

    def write(n: int) -> None:
        try:
            with fifo.open("wb") as f:
                for _ in range(n):
                    f.write(b"#" * 65536)
                    sent.append(65536)
        except BrokenPipeError:  # (the reader stopped: as it should)
            pass

    writer = threading.Thread(target=write, args=(64,))  # 4 MiB offered
    writer.start()
    with pytest.raises(ScenarioError, match="too big for a scenario file"):
        read_limited(fifo, MAX_FILE_BYTES, "scenario file")
    writer.join(10)
    assert sum(sent) < 4 * 1_048_576
    writer = threading.Thread(target=write, args=(1,))
    writer.start()
    assert read_limited(fifo, MAX_FILE_BYTES, "scenario file") == b"#" * 65536
    writer.join(10)
