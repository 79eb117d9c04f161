"""What one replication's event log is built from: its tables (orders, shipments,
tours, label jobs, parcel lines, supplier orders) and the two things they do not hold,
recomputed exactly from the seed with the model's own functions:

- the order lines (SKU and units of each), from :func:`sim.model.demand.generate_orders`;
- the time of every payment attempt's answer, from :func:`sim.model.payment.authorise`.

Both are keyed draws (:mod:`sim.rng`): a pure function of (seed, replication, order),
so calling the same functions again gives the run's own values, not new ones. A check
that the regenerated placement times equal the run's guards against a mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import demand, payment
from sim.rng import Streams
from sim.scenario.schema import Scenario
from sim.units import HOURS_PER_DAY


@dataclass
class LogSource:
    """One replication's tables (README, Outputs), as the run left them."""

    scenario: Scenario
    seed: int
    replication: int
    end_h: float
    orders: pd.DataFrame
    shipments: pd.DataFrame
    tours: pd.DataFrame
    label_jobs: pd.DataFrame
    shipment_lines: pd.DataFrame
    supplier_orders: pd.DataFrame

    @classmethod
    def from_run_result(cls, scenario: Scenario, result) -> LogSource:
        """From :func:`sim.model.world.run_replication`'s ``RunResult``."""
        return cls(scenario, int(result.seed), int(result.replication), float(result.end_h),
                   result.orders, result.shipments, result.tours, result.label_jobs,
                   result.shipment_lines, result.supplier_orders)

    @classmethod
    def from_result(cls, result, replication: int) -> LogSource:
        """Replication ``replication`` of :func:`sim.run`'s ``Result``."""
        def rows(df: pd.DataFrame) -> pd.DataFrame:
            if "replication" not in df.columns:
                return df
            return df[df["replication"].to_numpy() == replication].reset_index(drop=True)

        reps = sorted(set(result.orders["replication"].tolist()))
        if replication not in reps:
            raise ValueError(f"replication must be one of {reps}, got {replication}")
        sc = result.scenario
        end_h = result.end_h or (sc.horizon.days + sc.horizon.drain_days) * HOURS_PER_DAY
        return cls(sc, int(result.summary.get("seed", sc.seed)), replication, float(end_h),
                   rows(result.orders), rows(result.shipments), rows(result.tours),
                   rows(result.label_jobs), rows(result.shipment_lines), rows(result.supplier_orders))


@dataclass
class OrderLines:
    """Every order's lines: order ``o``'s are ``sku[start[o]:start[o + 1]]``."""

    start: np.ndarray
    sku: np.ndarray
    units: np.ndarray


@dataclass
class Payments:
    """When each payment attempt was answered: ``answer_h[o, k]`` is attempt ``k + 1``
    of order ``o`` (hours from the start of the run; NaN: not made)."""

    answer_h: np.ndarray


def regenerate(src: LogSource) -> tuple[OrderLines, Payments]:
    """The order lines and payment attempt times of ``src`` (module docstring)."""
    streams = Streams(src.seed, src.replication)
    orders = demand.generate_orders(src.scenario, streams)
    placed = src.orders["placed_h"].to_numpy()
    if len(orders) != len(placed) or not np.array_equal(orders.placed_h, placed):
        raise RuntimeError(
            f"event log: the orders regenerated from seed {src.seed}, replication "
            f"{src.replication} differ from the run's (was the scenario changed?)")
    cfg = src.scenario.payment
    answer = np.full((len(orders), cfg.max_attempts), np.nan)
    for k in range(1, cfg.max_attempts + 1):
        # With at most k attempts, an order that made k attempts gets its answer to
        # attempt k as its final delay: the same keyed draws (order, attempt) as the run.
        upto = payment.authorise(cfg.model_copy(update={"max_attempts": k}), orders.key, streams)
        made = upto.attempts >= k
        answer[made, k - 1] = orders.placed_h[made] + upto.delay_h[made]
    return OrderLines(orders.line_start, orders.line_sku, orders.line_units), Payments(answer)
