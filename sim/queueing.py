"""Textbook queueing formulas the model is validated against (M/M/c, Erlang C)."""

from __future__ import annotations


def erlang_c(c: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue, C(c, a), for offered load
    ``a = lambda / mu`` (Erlangs); requires ``a < c``."""
    if not 0 <= offered_load < c:
        raise ValueError(f"need 0 <= a < c for a stable queue, got a={offered_load}, c={c}")
    a = offered_load
    # Erlang B by its stable recursion, then C = B / (1 - rho (1 - B)).
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho * (1 - b))


def mmc_wait_in_queue(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean wait in queue Wq = C(c, a) / (c mu - lambda), in the rates' time unit."""
    a = arrival_rate / service_rate
    return erlang_c(c, a) / (c * service_rate - arrival_rate)


def mmc_utilisation(arrival_rate: float, service_rate: float, c: int) -> float:
    """Server utilisation rho = lambda / (c mu)."""
    return arrival_rate / (c * service_rate)
