"""Intervals, with the standard library only (``statistics.NormalDist`` gives z).

Why Wilson and not ``p ± z·√(p(1-p)/n)``: the textbook (Wald) interval collapses to a single point
at 0/n and n/n ("0 failures in 20 runs, so the failure rate is exactly 0") and undercovers for the
small samples eval suites usually have.  Wilson behaves at the edges: 0/50 gives [0, 0.0713].
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist


@lru_cache(maxsize=64)
def z_for(confidence: float) -> float:
    """Two-sided critical value: 0.95 -> 1.959964."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    z = z_for(confidence)
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # Exact ends: at 0/n and n/n the algebra gives the bound up to rounding; say it exactly.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def normal(value: float, stderr: float, confidence: float = 0.95) -> tuple[float, float]:
    half = z_for(confidence) * stderr
    return (value - half, value + half)


def newcombe(s1: int, n1: int, s0: int, n0: int, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for p1 - p0 (Newcombe 1998, method 10: hybrid of two Wilson intervals)."""
    p1, p0 = s1 / n1, s0 / n0
    l1, u1 = wilson(s1, n1, confidence)
    l0, u0 = wilson(s0, n0, confidence)
    d = p1 - p0
    return (d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))


def mean_and_stderr(values: list[float]) -> tuple[float, float | None]:
    """Mean and standard error of the mean (None for fewer than two values)."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(var / n)
