"""``fsim run --precision``: a full run with as many replications as a precision target
needs (:func:`sim.analysis.run_to_precision`), each replication run once.

Each batch goes through :func:`sim.experiment.run` with the replications already run
passed as ``done``, so the result (and every output file) is exactly that of
``fsim run -r N`` with the N found, and each replication is kept as it finishes (an
interrupted run resumes like any other).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.analysis import PrecisionResult, run_to_precision


def run_for_precision(scenario, seed: int | None, kpis: list[str], relative: float, *,
                      start: int = 3, max_replications: int = 50, workers: int = 1,
                      console=None, provenance: dict | None = None, done: dict | None = None,
                      on_replication: Callable | None = None, tables: bool = True):
    """The :class:`sim.experiment.Result` of the replications the target needed, with
    ``summary["precision"]`` saying how many, and what each KPI reached. ``done``,
    ``on_replication``, ``provenance`` and ``tables`` are passed on to
    :func:`sim.experiment.run`."""
    from sim.experiment import run
    from sim.sweep.runner import check_kpi_names

    seed = scenario.seed if seed is None else seed
    outputs = dict(done or {})
    latest = {}

    def keep(output) -> None:
        outputs[output.replication] = output
        if on_replication is not None:
            on_replication(output)

    def run_batch(replications: range) -> list[dict[str, float]]:
        already = {r: outputs[r] for r in range(replications.stop) if r in outputs}
        latest["result"] = run(scenario, replications.stop, seed, workers, provenance=provenance,
                               done=already, on_replication=keep, tables=tables)
        if replications.start == 0:
            check_kpi_names(kpis, [k for k in outputs[0].kpis if k != "replication"])
        if console is not None:
            console.print(f"precision: ran replications {replications.start}-{replications.stop - 1}",
                          highlight=False)
        return [{k: v for k, v in outputs[r].kpis.items() if k != "replication"}
                for r in replications]

    found = run_to_precision(run_batch, kpis, relative, start=start,
                             max_replications=max_replications)
    result = latest["result"]  # the last batch ran every replication up to the one found
    result.summary["precision"] = precision_summary(found, relative, max_replications)
    if console is not None:
        console.print(precision_line(found, relative, max_replications), highlight=False)
    return result


def precision_summary(found: PrecisionResult, relative: float, max_replications: int) -> dict:
    """What goes into summary.json under ``precision``."""
    def num(x: float):
        return None if x != x else float(x)  # NaN -> null

    return {"relative": relative, "replications": found.replications, "batches": found.batches,
            "max_replications": max_replications, "reached": found.reached,
            "kpis": [{"kpi": k.kpi, "mean": num(k.mean), "half_width": num(k.half_width),
                      "relative_half_width": num(k.relative_half_width), "reached": k.reached}
                     for k in found.kpis]}


def precision_line(found: PrecisionResult, relative: float, max_replications: int) -> str:
    parts = [_kpi_precision(k) for k in found.kpis]
    if found.reached:
        return (f"precision ±{100 * relative:g}% of the mean reached with {found.replications} "
                f"replications ({', '.join(parts)})")
    return (f"precision ±{100 * relative:g}% NOT reached after {found.replications} replications "
            f"(--max-replications {max_replications}): {', '.join(parts)}")


def _kpi_precision(k) -> str:
    """One KPI's precision, in words: its relative half-width; the same value in every
    replication (no spread: reached, though a mean of 0 has no relative width); a mean of 0
    with spread (no relative precision to reach); or no value in some replication."""
    rel = k.relative_half_width
    if rel == rel:
        return f"{k.kpi} ±{rel:.1%}"
    if k.half_width == 0:
        return f"{k.kpi}: {k.mean:g} in every replication"
    if k.mean == 0:
        return f"{k.kpi}: mean 0 (±{k.half_width:.3g}): no relative precision to reach"
    return f"{k.kpi}: no value in some replication (censored or undefined: see the warnings)"
