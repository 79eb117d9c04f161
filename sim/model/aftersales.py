"""After the delivery: remedies for what went wrong, and customer satisfaction.

Both follow from the record at the end of the run, so they are computed in bulk, not
as SimPy processes; only what came to light before the end counts.

Remedies (``remedies``), per parcel: a lost, damaged or wrong-item parcel is reshipped
(the reship parcel was made: the remedy costs its goods at unit cost, box and carrier
charge) or refunded (its units at selling price; also when the chain of reships is
``max_reships`` deep). Per order: ``reship`` if any parcel was reshipped, else
``refund`` if any was refunded, else ``discount`` (a code worth ``late_discount``) if
the order arrived after its promised day. An order shipped in parts is late when its
last part arrives late: one discount, one late penalty per order.

Satisfaction (``satisfaction``): the customer of an order that arrived whole, or whose
parcel was declared lost, answers a survey with ``survey_prob``. The score starts at
``base_score``; it loses ``late_penalty_per_day`` per business day late (calendar days
/ 7 x 5), and the penalty of each thing that went wrong (wrong item, damaged, lost,
address problem); a remedy gives some back; Gaussian noise (``noise_sd``) stands for
everything else; the result is rounded and kept within 1..5. An answer at or below
``dissatisfied_at_most`` is dissatisfied, and its reason is the worst thing that
happened to the order (lost, wrong item, damaged, late, address problem) or ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.quantiles import norm_ppf
from sim.scenario.schema import Remedies, Satisfaction
from sim.units import HOURS_PER_DAY

REMEDIES = ("", "refund", "discount", "reship")
REFUND, DISCOUNT, RESHIP_REMEDY = 1, 2, 3
DISSATISFACTION_REASONS = ("", "lost", "wrong_item", "damaged", "late", "address_problem", "other")


def parcel_remedies(remedies: Remedies, troubled: np.ndarray, reshipped: np.ndarray,
                    value: np.ndarray, reship_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(remedy code, cost) per parcel: ``troubled`` (its trouble came to light in the
    run), ``reshipped`` (its reship was made), ``value`` (selling price of its units),
    ``reship_cost`` (what its reship cost, where made). A troubled parcel that was not
    reshipped is refunded (refund is the remedy, or the reships ran out)."""
    refund = troubled & ~reshipped
    reship = troubled & reshipped
    code = np.select([refund, reship], [REFUND, RESHIP_REMEDY], 0).astype(np.int8)
    cost = np.where(refund, value, 0.0) + np.where(reship, np.nan_to_num(reship_cost), 0.0)
    return code, cost


@dataclass
class OrderTrouble:
    """Per order, what went wrong, as known at the end of the run."""

    delivered_h: np.ndarray  # the whole order arrived (NaN: not, or not yet)
    due_h: np.ndarray
    lost: np.ndarray  # a first-attempt parcel was declared lost
    damaged: np.ndarray  # a delivered first-attempt parcel was damaged
    wrong: np.ndarray  # a delivered first-attempt parcel held a wrong item
    address_problem: np.ndarray
    refunded: np.ndarray  # a parcel of the order was refunded
    reshipped: np.ndarray  # a parcel of the order was reshipped
    parcel_remedy_cost: np.ndarray  # summed over the order's parcels


@dataclass
class Aftersales:
    remedy: np.ndarray  # index into REMEDIES
    remedy_cost: np.ndarray
    csat: np.ndarray  # 1..5, NaN: no answer
    dissatisfied_reason: np.ndarray  # index into DISSATISFACTION_REASONS


def aftersales(remedies: Remedies, sat: Satisfaction, trouble: OrderTrouble,
               survey_u: np.ndarray, noise_u: np.ndarray) -> Aftersales:
    """Each order's remedy and survey answer (see the module docstring); ``survey_u``
    and ``noise_u``: the order's own uniforms."""
    delivered = ~np.isnan(trouble.delivered_h)
    late_days = np.where(delivered, np.maximum(0.0, trouble.delivered_h - trouble.due_h), 0.0) / HOURS_PER_DAY
    late = late_days > 0
    discount = late & ~trouble.refunded & ~trouble.reshipped & (remedies.late_discount > 0)
    remedy = np.select([trouble.reshipped, trouble.refunded, discount],
                       [RESHIP_REMEDY, REFUND, DISCOUNT], 0).astype(np.int8)
    cost = trouble.parcel_remedy_cost + np.where(discount, remedies.late_discount, 0.0)

    lost, damaged, wrong = trouble.lost, trouble.damaged, trouble.wrong
    answers = (delivered | lost) & (survey_u < sat.survey_prob)
    noise = sat.noise_sd * norm_ppf(noise_u) if sat.noise_sd > 0 else 0.0
    score = (sat.base_score - sat.late_penalty_per_day * late_days * 5 / 7
             - sat.wrong_item_penalty * wrong - sat.damaged_penalty * damaged
             - sat.lost_penalty * lost
             - sat.address_problem_penalty * trouble.address_problem
             + sat.refund_bonus * trouble.refunded + sat.discount_bonus * discount
             + sat.reship_bonus * trouble.reshipped + noise)
    csat = np.where(answers, np.clip(np.rint(score), 1, 5), np.nan)

    reason = np.zeros(len(score), dtype=np.int8)
    unhappy = answers & (csat <= sat.dissatisfied_at_most)
    reason[unhappy] = DISSATISFACTION_REASONS.index("other")
    # The worst thing that happened wins: assign the mildest first.
    for name, mask in (("address_problem", trouble.address_problem), ("late", late),
                       ("damaged", damaged), ("wrong_item", wrong), ("lost", lost)):
        reason[unhappy & mask] = DISSATISFACTION_REASONS.index(name)
    return Aftersales(remedy, cost, csat, reason)
