"""Running a scenario for the page, with every replication kept by the resolved
scenario's hash and the seed: asking again for what was run (going back to an earlier
head count, or to fewer replications) costs nothing, and asking for more replications
runs only the new ones. The run itself is :func:`sim.experiment.run`; the report is
:mod:`sim.html_report`'s."""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable

from sim.experiment import ProgressCallback, ReplicationOutput, Result, run, scenario_sha256
from sim.scenario import with_seed
from sim.scenario.schema import Scenario

RunKey = tuple[str, int, int]  # (resolved scenario's SHA-256, seed, replications)


class ResultCache:
    """Replications by (scenario hash, seed), and the last few assembled results by
    (scenario hash, seed, replications); the least recently used go first. Safe to
    share between the page's sessions (one lock)."""

    def __init__(self, max_scenarios: int = 8, max_results: int = 4) -> None:
        self.max_scenarios, self.max_results = max_scenarios, max_results
        self._replications: OrderedDict[tuple[str, int], dict[int, ReplicationOutput]] = OrderedDict()
        self._results: OrderedDict[RunKey, Result] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, sha: str, seed: int, output: ReplicationOutput) -> None:
        with self._lock:
            self._replications.setdefault((sha, seed), {})[output.replication] = output
            self._replications.move_to_end((sha, seed))
            while len(self._replications) > self.max_scenarios:
                self._replications.popitem(last=False)

    def done(self, sha: str, seed: int, replications: int) -> dict[int, ReplicationOutput]:
        """The replications among the first ``replications`` already run."""
        with self._lock:
            kept = self._replications.get((sha, seed), {})
            return {r: out for r, out in kept.items() if r < replications}

    def result(self, key: RunKey) -> Result | None:
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def keep_result(self, key: RunKey, result: Result) -> None:
        with self._lock:
            self._results[key] = result
            self._results.move_to_end(key)
            while len(self._results) > self.max_results:
                self._results.popitem(last=False)

    def has(self, key: RunKey) -> bool:
        """Whether ``key`` can be shown without simulating anything."""
        sha, seed, replications = key
        return self.result(key) is not None or len(self.done(sha, seed, replications)) == replications


def run_key(scenario: Scenario, seed: int, replications: int) -> RunKey:
    return scenario_sha256(with_seed(scenario, seed)), seed, replications


def run_cached(scenario: Scenario, replications: int, seed: int, cache: ResultCache,
               progress: ProgressCallback | None = None, provenance: dict | None = None) -> Result:
    """:func:`sim.experiment.run` of ``scenario``, running only the replications that
    ``cache`` does not hold (each kept as soon as it finishes, so an interrupted run
    keeps what it finished). The result's scenario has ``seed`` as its own, as the
    resolved scenario of ``fsim run --seed`` has."""
    scenario = with_seed(scenario, seed)
    key = run_key(scenario, seed, replications)
    found = cache.result(key)
    if found is not None:
        return found
    sha = key[0]
    result = run(scenario, replications=replications, seed=seed, progress=progress,
                 provenance=provenance, done=cache.done(sha, seed, replications),
                 on_replication=lambda out: cache.keep(sha, seed, out))
    cache.keep_result(key, result)
    return result


def report_html(result: Result, figures: bool = True,
                folder_hook: Callable[[str], None] | None = None) -> str:
    """The run's self-contained HTML report (what ``fsim report`` makes of a run
    folder): the run is written to a temporary folder, as ``fsim run`` writes it, and
    the report is built from that folder."""
    from sim.html_report import build_report
    from sim.outputs import write_results

    with tempfile.TemporaryDirectory(prefix="fsim-ui-") as tmp:
        write_results(result, tmp, figures=figures, outputs="all")
        if folder_hook is not None:
            folder_hook(tmp)
        return build_report(tmp, name=f"{result.summary['scenario']} (a run of fsim ui)")
