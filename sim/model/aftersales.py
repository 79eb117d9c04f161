"""After the delivery: remedies for what went wrong, and customer satisfaction.

Both follow from each order's record once the run is over, so they are computed in
bulk (from the ``aftersales`` stream), not as SimPy processes.

Remedies (``remedies``): a lost, damaged or wrong-item order is reshipped (when its
reship row was placed in the run: the remedy costs the reship's goods at unit cost,
box and carrier charge) or refunded (its value at selling price); a late one gets a
discount code worth ``late_discount``. An order shipped in parts is late when its last
part arrives after its promised day (the parts themselves are not late on their own
account: one discount, one late penalty per order).

Satisfaction (``satisfaction``): a delivered or lost order's customer answers a survey
with ``survey_prob``. The score starts at ``base_score``; it loses
``late_penalty_per_day`` per business day late (calendar days / 7 x 5), and the
penalty of each thing that went wrong (wrong item, damaged, lost, address problem); a
remedy gives some back; Gaussian noise (``noise_sd``) stands for everything else; the
result is rounded and kept within 1..5. An answer at or below ``dissatisfied_at_most``
is dissatisfied, and its reason is the worst thing that happened to the order (lost,
wrong item, damaged, late, address problem) or ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import HOURS_PER_DAY
from sim.model.delivery import ADDRESS_PROBLEM, DAMAGED, LOST
from sim.scenario.schema import Remedies, Satisfaction

REMEDIES = ("", "refund", "discount", "reship")
DISSATISFACTION_REASONS = ("", "lost", "wrong_item", "damaged", "late", "address_problem", "other")


@dataclass
class Aftersales:
    remedy: np.ndarray  # index into REMEDIES
    remedy_cost: np.ndarray
    csat: np.ndarray  # 1..5, NaN: no answer
    dissatisfied_reason: np.ndarray  # index into DISSATISFACTION_REASONS


def aftersales(remedies: Remedies, sat: Satisfaction, order_value: np.ndarray,
               delivered_h: np.ndarray, due_h: np.ndarray, exception: np.ndarray,
               wrong_item: np.ndarray, rng: np.random.Generator,
               reship_cost: np.ndarray | None = None,
               late_h: np.ndarray | None = None) -> Aftersales:
    """Remedy and survey answer of every order (see the module docstring).
    ``reship_cost``: per order, what its placed reship cost (NaN: no reship placed).
    ``late_h``: per order, the time its lateness is judged by (default ``delivered_h``;
    NaN: never late), hours."""
    n = len(order_value)
    reshipped = np.zeros(n, dtype=bool) if reship_cost is None else np.isfinite(reship_cost)
    delivered = ~np.isnan(delivered_h)
    lost = exception == LOST
    damaged = delivered & (exception == DAMAGED)
    wrong = delivered & wrong_item
    late_h = delivered_h if late_h is None else late_h
    late_days = np.where(~np.isnan(late_h), np.maximum(0.0, late_h - due_h) / HOURS_PER_DAY, 0.0)
    late = late_days > 0

    troubled = lost | damaged | wrong
    wants_reship = (lost & (remedies.lost == "reship")) | (damaged & (remedies.damaged == "reship")) | (
        wrong & (remedies.wrong_item == "reship"))
    # Refund if that is the remedy, or if the reships ran out (max_reships deep);
    # a reship not placed by the end of the run is not a remedy yet.
    refund = troubled & (~wants_reship | (~reshipped & _out_of_reships(wants_reship, reship_cost)))
    reship = troubled & reshipped
    discount = late & ~refund & ~reship & (remedies.late_discount > 0)
    remedy = np.select([refund, discount, reship], [1, 2, 3], 0).astype(np.int8)
    cost = (np.where(refund, order_value, 0.0) + np.where(discount, remedies.late_discount, 0.0)
            + np.where(reship, np.nan_to_num(reship_cost if reship_cost is not None else 0.0), 0.0))

    answers = (delivered | lost) & (rng.random(n) < sat.survey_prob)
    noise = rng.normal(0.0, sat.noise_sd, n) if sat.noise_sd > 0 else np.zeros(n)
    score = (sat.base_score - sat.late_penalty_per_day * late_days * 5 / 7
             - sat.wrong_item_penalty * wrong - sat.damaged_penalty * damaged
             - sat.lost_penalty * lost
             - sat.address_problem_penalty * (delivered & (exception == ADDRESS_PROBLEM))
             + sat.refund_bonus * refund + sat.discount_bonus * discount
             + sat.reship_bonus * reship + noise)
    csat = np.where(answers, np.clip(np.rint(score), 1, 5), np.nan)

    reason = np.zeros(n, dtype=np.int8)
    unhappy = answers & (csat <= sat.dissatisfied_at_most)
    reason[unhappy] = DISSATISFACTION_REASONS.index("other")
    # The worst thing that happened wins: assign the mildest first.
    for name, mask in (("address_problem", exception == ADDRESS_PROBLEM), ("late", late),
                       ("damaged", damaged), ("wrong_item", wrong), ("lost", lost)):
        reason[unhappy & mask] = DISSATISFACTION_REASONS.index(name)
    return Aftersales(remedy, cost, csat, reason)


def _out_of_reships(wants: np.ndarray, reship_cost: np.ndarray | None) -> np.ndarray:
    """Orders that wanted a reship but have no reship row at all (the chain is
    ``max_reships`` deep): refunded instead. ``reship_cost`` is None when no order got
    a reship row; rows exist (NaN or a cost) only for orders that got one."""
    if reship_cost is None:
        return wants
    return wants & np.isinf(reship_cost)
