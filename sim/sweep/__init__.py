"""Parameter sweeps: a sweep file (:mod:`sim.sweep.spec`) resolved into validated points
(:mod:`sim.sweep.resolve`), run as small tasks on an executor
(:mod:`sim.sweep.executors`) into a resumable results folder (:mod:`sim.sweep.store`),
then tabled and plotted (:mod:`sim.sweep.tables`, :mod:`sim.sweep.figures`).

    from sim.sweep import read_sweep, resolve_sweep, run_sweep, SweepOptions
    outcome = run_sweep(resolve_sweep(read_sweep("sweep.yaml")), "results/sweep",
                        SweepOptions(executor="processes", workers=4))
    outcome.runs      # one row per point x replication
    outcome.points    # mean and 95% CI per point and KPI (tidy)
"""

from sim.sweep.resolve import ResolvedSweep, resolve_sweep
from sim.sweep.runner import SweepOptions, SweepOutcome, run_sweep
from sim.sweep.spec import SweepSpec, read_sweep

__all__ = ["ResolvedSweep", "SweepOptions", "SweepOutcome", "SweepSpec", "read_sweep",
           "resolve_sweep", "run_sweep"]
