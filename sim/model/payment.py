"""Payment: card authorisation with declines and retries.

Authorisation is a bank's service, not a resource of ours, and orders do not interact
while they pay, so every order's payment is sampled at once (keyed streams
``payment.<variate>``): attempt after attempt, the still-pending orders draw an authorisation time and
an outcome; a soft decline is retried after a delay while attempts remain and the
customer tries again, a hard decline (or giving up) cancels the order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.rng import Streams
from sim.scenario.schema import Payment
from sim.units import MINUTES_PER_HOUR, SECONDS_PER_HOUR


@dataclass
class PaymentOutcome:
    delay_h: np.ndarray  # hours from placement to the final answer
    attempts: np.ndarray  # attempts made (>= 1)
    failed: np.ndarray  # bool: never authorised


def authorise(cfg: Payment, keys: np.ndarray, streams: Streams) -> PaymentOutcome:
    """The payment of the orders with keys ``keys``: attempt after attempt, the
    still-pending orders draw an authorisation time and an outcome. Every draw is keyed
    by (order, attempt), one stream per variate, so a change in one variate (say the
    decline rate) leaves the others' draws identical."""
    n = len(keys)
    delay = np.zeros(n)
    attempts = np.zeros(n, dtype=np.int16)
    failed = np.zeros(n, dtype=bool)
    pending = np.arange(n)
    auth, declines, soft, retry, retry_delay = (
        streams.keyed(f"payment.{v}") for v in ("auth", "decline", "soft", "retry", "retry_delay"))
    for attempt in range(1, cfg.max_attempts + 1):
        if not len(pending):
            break
        k = keys[pending]
        delay[pending] += auth.sample(cfg.auth_time_s, k, attempt) / SECONDS_PER_HOUR
        attempts[pending] = attempt
        declined = declines.bernoulli(cfg.decline_prob, k, attempt)
        again = (declined & soft.bernoulli(cfg.soft_decline_share, k, attempt)
                 & retry.bernoulli(cfg.retry_prob, k, attempt) & (attempt < cfg.max_attempts))
        failed[pending[declined & ~again]] = True
        pending = pending[again]
        delay[pending] += retry_delay.sample(cfg.retry_delay_min, keys[pending], attempt) / MINUTES_PER_HOUR
    return PaymentOutcome(delay_h=delay, attempts=attempts, failed=failed)
