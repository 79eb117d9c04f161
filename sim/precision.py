"""``fsim run --precision``: a full run with as many replications as a precision target
needs (:func:`sim.analysis.run_to_precision`), each replication run once.

Replications are run in batches with :func:`sim.experiment.run_one` and assembled with
:func:`sim.experiment.collect`, so the result (and every output file) is exactly that
of ``fsim run -r N`` with the N found.
"""

from __future__ import annotations

from sim.analysis import PrecisionResult, run_to_precision


def run_for_precision(scenario, seed: int | None, kpis: list[str], relative: float, *,
                      start: int = 3, max_replications: int = 50, workers: int = 1,
                      console=None):
    """The :class:`sim.experiment.Result` of the replications the target needed, with
    ``summary["precision"]`` saying how many, and what each KPI reached."""
    from concurrent.futures import ProcessPoolExecutor

    from sim.experiment import collect, run_one
    from sim.sweep.executors import _mp_context
    from sim.sweep.runner import check_kpi_names

    seed = scenario.seed if seed is None else seed
    outputs = {}

    def run_batch(replications: range) -> list[dict[str, float]]:
        n = len(replications)
        if workers == 1 or n == 1:
            batch = [run_one(scenario, r, seed) for r in replications]
        else:
            with ProcessPoolExecutor(min(workers, n), mp_context=_mp_context()) as pool:
                batch = list(pool.map(run_one, [scenario] * n, replications, [seed] * n))
        if not outputs:
            check_kpi_names(kpis, [k for k in batch[0].kpis if k != "replication"])
        for output in batch:
            outputs[output.replication] = output
        if console is not None:
            console.print(f"precision: ran replications {replications.start}-{replications.stop - 1}",
                          highlight=False)
        return [{k: v for k, v in o.kpis.items() if k != "replication"} for o in batch]

    found = run_to_precision(run_batch, kpis, relative, start=start,
                             max_replications=max_replications)
    result = collect(scenario, seed, [outputs[r] for r in range(found.replications)])
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
    parts = [f"{k.kpi} ±{k.relative_half_width:.1%}" for k in found.kpis]
    if found.reached:
        return (f"precision ±{100 * relative:g}% of the mean reached with {found.replications} "
                f"replications ({', '.join(parts)})")
    return (f"precision ±{100 * relative:g}% NOT reached after {found.replications} replications "
            f"(--max-replications {max_replications}): {', '.join(parts)}")
