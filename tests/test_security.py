"""Nothing a user gives is evaluated: only safe YAML loading, no eval/exec in the
package, ``extends`` limited to YAML files next to (or relative to) the including file."""

from __future__ import annotations

import re

import pytest

from sim.errors import ScenarioError
from sim.scenario import load_scenario, parse_set_option
from sim.scenario.yaml_source import parse_yaml

from .conftest import ROOT

# Calls that run code or build arbitrary objects from text.
FORBIDDEN = re.compile(
    r"\beval\(|\bexec\(|yaml\.load\(|yaml\.(Unsafe|Full)?Loader\b|yaml\.(unsafe|full)_load"
    r"|unsafe|pickle\.loads?\(|__import__\(", re.IGNORECASE)


def test_the_package_never_evaluates_or_loads_unsafely():
    found = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if FORBIDDEN.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_grep_would_catch_them():
    for line in ("x = eval(text)", "exec(code)", "yaml.load(f)", "yaml.load(f, Loader=yaml.Loader)",
                 "yaml.unsafe_load(s)", "yaml.full_load(s)", "Loader=yaml.FullLoader",
                 "pickle.loads(blob)"):
        assert FORBIDDEN.search(line), line
    for line in ("yaml.safe_load(s)", "Loader=yaml.SafeLoader", "yaml.CSafeLoader", "evaluate(x)"):
        assert not FORBIDDEN.search(line), line


@pytest.mark.parametrize("text", [
    "!!python/object/apply:os.system ['echo owned']",
    "!!python/name:os.system",
    "!!python/object/new:subprocess.Popen [['echo', 'owned']]",
])
def test_python_tags_are_refused_not_run(text, tmp_path, monkeypatch):
    called = []
    monkeypatch.setattr("os.system", lambda *a: called.append(a))
    with pytest.raises(ScenarioError, match="is not allowed"):
        parse_yaml(f"name: {text}\n", "x.yaml")
    with pytest.raises(ScenarioError, match="is not allowed"):
        parse_set_option(f"name={text}")
    assert not called


def test_set_values_are_data_not_code():
    assert parse_set_option("name=__import__('os').system('echo owned')") == \
        ("name", "__import__('os').system('echo owned')")
    assert parse_set_option("x=[1, {a: 2}]") == ("x", [1, {"a": 2}])
    assert parse_set_option("x=1e3") == ("x", 1000.0)  # YAML 1.2 reads exponents as numbers


def test_extends_is_relative_to_the_including_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "child.yaml").write_text("extends: ../parent.yaml\nname: child\n")
    (tmp_path / "parent.yaml").write_text((ROOT / "tests" / "bad_scenarios" / "_base.yaml").read_text())
    assert load_scenario(tmp_path / "sub" / "child.yaml").name == "child"


@pytest.mark.parametrize("parent", ["/etc/passwd", "../../pyproject.toml", "parent.json"])
def test_extends_must_name_a_yaml_file(tmp_path, parent):
    (tmp_path / "child.yaml").write_text(f"extends: {parent}\nname: child\n")
    with pytest.raises(ScenarioError, match=r"child\.yaml:1 extends: must name a YAML file"):
        load_scenario(tmp_path / "child.yaml")
