"""The staffing planner (``fsim staff``): the cheapest head counts per pool (and per
shift) that meet service targets with a stated confidence.

    from sim.staffing import plan_staffing
    result = plan_staffing("scenarios/baseline.yaml", ["east.pickers", "east.packers"],
                           ["same_day_ship_pct_east >= 90"], bounds={"east.pickers": (1, 20)},
                           out="results/staff/east", executor="processes",
                           progress=lambda p: print(p.phase, p.plan, p.message))
    result.recommended.staff        # {"east.pickers": 6, "east.packers": 6}
    result.recommended.kpis         # every KPI: mean and interval
    result.frontier                 # the cost / service frontier (PlanResult, cheapest first)

Modules: :mod:`~sim.staffing.targets` (parsing and deciding targets),
:mod:`~sim.staffing.pools` (what a plan sets), :mod:`~sim.staffing.cost`,
:mod:`~sim.staffing.evaluate` (runs and sequential sampling),
:mod:`~sim.staffing.search` (bisection and local search),
:mod:`~sim.staffing.diagnose` (why nothing is feasible), :mod:`~sim.staffing.store`
(the resumable folder), :mod:`~sim.staffing.report` (the output files).
"""

from sim.staffing.evaluate import Progress
from sim.staffing.planner import (
    KpiEstimate,
    PlanResult,
    StaffingResult,
    TargetResult,
    plan_staffing,
)

__all__ = ["KpiEstimate", "PlanResult", "Progress", "StaffingResult", "TargetResult",
           "plan_staffing"]
