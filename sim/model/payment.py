"""Payment: card authorisation with declines and retries.

Authorisation is a bank's service, not a resource of ours, and orders do not interact
while they pay, so every order's payment is sampled at once (from the ``payment``
stream): attempt after attempt, the still-pending orders draw an authorisation time and
an outcome; a soft decline is retried after a delay while attempts remain and the
customer tries again, a hard decline (or giving up) cancels the order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Payment
from sim.units import MINUTES_PER_HOUR, SECONDS_PER_HOUR


@dataclass
class PaymentOutcome:
    delay_h: np.ndarray  # hours from placement to the final answer
    attempts: np.ndarray  # attempts made (>= 1)
    failed: np.ndarray  # bool: never authorised


def authorise(cfg: Payment, n: int, rng: np.random.Generator) -> PaymentOutcome:
    """Sample the payment of ``n`` orders."""
    delay = np.zeros(n)
    attempts = np.zeros(n, dtype=np.int16)
    failed = np.zeros(n, dtype=bool)
    pending = np.arange(n)
    for attempt in range(1, cfg.max_attempts + 1):
        if not len(pending):
            break
        k = len(pending)
        delay[pending] += cfg.auth_time_s.sample(rng, k) / SECONDS_PER_HOUR
        attempts[pending] = attempt
        declined = rng.random(k) < cfg.decline_prob
        soft = rng.random(k) < cfg.soft_decline_share
        retry = rng.random(k) < cfg.retry_prob
        again = declined & soft & retry & (attempt < cfg.max_attempts)
        failed[pending[declined & ~again]] = True
        pending = pending[again]
        delay[pending] += cfg.retry_delay_min.sample(rng, len(pending)) / MINUTES_PER_HOUR
    return PaymentOutcome(delay_h=delay, attempts=attempts, failed=failed)
