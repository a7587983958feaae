"""Anytime-valid evidence: confidence sequences that stay valid however often health looks.

Why not a fixed-sample interval (Wilson, mean ± z·se): health runs every few minutes and reads
everything since the canary step began, so the same step is judged again and again on growing
data.  A 95 % interval looked at five times rolls back a good version far more often than 5 %
(the chance of *some* look crossing compounds).  A confidence sequence bounds the chance that
*any* look ever crosses: by Ville's inequality a non-negative supermartingale ``M`` started at 1
exceeds ``1/alpha`` at some time with probability at most ``alpha``.

Two martingales, both mixtures of likelihood ratios over a fixed grid of alternatives (a mixture
of test martingales is one; a fixed grid needs no special functions):

* **Bernoulli / bounded** (:func:`bernoulli_evidence`): ``k`` bad events (or a sum of scores in
  0..1) out of ``n``.  Against ``H0: p <= p0`` each term ``(p'/p0)^X ((1-p')/(1-p0))^(1-X)`` with
  ``p' > p0`` has expectation <= 1 for *any* distribution on [0, 1] with mean <= p0 (the term is
  convex in X), so this is exact for counts and valid, if conservative, for bounded scores.
* **Normal** (:func:`normal_boundary`): a mean with a known (estimated) standard deviation, by
  Robbins' normal mixture: ``|S_n| >= sqrt((V+rho) log((V+rho)/(rho alpha^2)))`` with ``V = n sd^2``.

Pure, stdlib only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


# The alternatives, as odds ratios against p0: harm is looked for at 1.3x..4x the threshold's odds,
# safety at 0.2x..0.6x.  A few points where canaries live: each point's weight is 1/len, and weight
# spent on alternatives no one needs (100x the threshold) is power lost where it matters.
def _geometric(lo: float, hi: float, m: int) -> tuple[float, ...]:
    return tuple(lo * (hi / lo) ** (j / (m - 1)) for j in range(m))


ABOVE: tuple[float, ...] = _geometric(1.3, 4.0, 6)
BELOW: tuple[float, ...] = _geometric(0.2, 0.6, 4)
_LOG_ABOVE = tuple(math.log(r) for r in ABOVE)
_LOG_BELOW = tuple(math.log(r) for r in BELOW)


_ITER = 9  # bisection steps for the ends shown: 1/512 of a bracket 16 standard errors wide (0.03 se)


def _logsumexp(xs: Sequence[float]) -> float:
    top = max(xs)
    if top == -math.inf:
        return top
    return top + math.log(sum(math.exp(x - top) for x in xs))


def log_evidence(k: float, n: float, p0: float, *, above: bool) -> float:
    """log of the mixture martingale against ``p <= p0`` (``above``) or ``p >= p0`` (not ``above``)."""
    if n <= 0 or not 0 < p0 < 1:
        return -math.inf
    k = min(max(k, 0.0), n)
    # With odds o = r * o0: p/p0 = r (1+o0)/(1+o) and (1-p)/(1-p0) = (1+o0)/(1+o), so each term is
    # k log r + n log((1+o0)/(1+o)): one log per alternative.
    odds0 = p0 / (1 - p0)
    l0 = math.log1p(odds0)
    grid, logs = (ABOVE, _LOG_ABOVE) if above else (BELOW, _LOG_BELOW)
    terms = [k * lr + n * (l0 - math.log1p(odds0 * r)) for r, lr in zip(grid, logs, strict=True)]
    return _logsumexp(terms) - math.log(len(grid))


def bernoulli_evidence(k: float, n: float, p0: float, alpha: float, *, above: bool) -> bool:
    """True when ``k`` of ``n`` shows, anytime-valid at ``alpha``, that the rate is above (below) ``p0``.

    At ``p0`` of 0 or 1 there is nothing to show in that direction (a rate cannot be below 0).
    """
    if (above and p0 >= 1) or (not above and p0 <= 0):
        return False
    if above and p0 <= 0:
        return k > 0
    if not above and p0 >= 1:
        return k < n
    return log_evidence(k, n, p0, above=above) >= math.log(1 / alpha)


def bernoulli_bounds(
    k: float, n: float, alpha_low: float, alpha_high: float | None = None, *, at: float | None = None
) -> tuple[float, float]:
    """The confidence sequence's ends at ``n``: the rates not yet excluded (lower end at ``alpha_low``,
    upper end at ``alpha_high``, by default the same).

    The ends are found by bisection and err on the wide side.  ``at`` (the threshold a verdict was
    taken at) seeds the brackets, so that the ends shown always agree with that verdict: evidence
    of "above at" gives a lower end >= at, evidence of "below at" an upper end <= at.
    """
    alpha_high = alpha_low if alpha_high is None else alpha_high
    if n <= 0:
        return (0.0, 1.0)
    p = min(max(k / n, 0.0), 1.0)
    # The ends lie within a few dozen standard errors of p: bracket there, then bisect.
    reach = 8 * math.sqrt(max(p * (1 - p), 1 / n) / n) + 8 / n
    lo, hi = max(0.0, p - reach), p  # lower end: the largest p0 with evidence of "above p0"
    if at is not None and 0 < at < p and bernoulli_evidence(k, n, at, alpha_low, above=True):
        lo = max(lo, at)
    elif lo > 0 and not bernoulli_evidence(k, n, lo, alpha_low, above=True):
        lo = 0.0
    for _ in range(_ITER if k > 0 else 0):  # no events: nothing shows the rate is above anything
        mid = (lo + hi) / 2
        if bernoulli_evidence(k, n, mid, alpha_low, above=True):
            lo = mid
        else:
            hi = mid
    low = lo if k > 0 else 0.0
    lo, hi = p, min(1.0, p + reach)  # upper end: the smallest p0 with evidence of "below p0"
    if at is not None and p < at < 1 and bernoulli_evidence(k, n, at, alpha_high, above=False):
        hi = min(hi, at)
    elif hi < 1 and not bernoulli_evidence(k, n, hi, alpha_high, above=False):
        hi = 1.0
    for _ in range(_ITER):
        mid = (lo + hi) / 2
        if bernoulli_evidence(k, n, mid, alpha_high, above=False):
            hi = mid
        else:
            lo = mid
    return (low, hi)


def normal_boundary(n: float, sd: float, alpha: float, rho_n: float) -> float:
    """How far a sum of ``n`` deviations may stray from 0 before it is evidence (Robbins' normal mixture).

    ``rho_n`` is the sample size around which the boundary is tightest-ish (health uses
    ``min_samples``); any positive value keeps the guarantee.
    """
    v = n * sd * sd
    rho = max(rho_n, 1.0) * sd * sd
    if v <= 0 or rho <= 0:
        return 0.0
    return math.sqrt((v + rho) * math.log((v + rho) / (rho * alpha * alpha)))


def normal_half_width(n: int, sd: float, alpha: float, rho_n: float) -> float:
    """Half-width of the mean's confidence sequence at ``n`` samples."""
    return normal_boundary(n, sd, alpha, rho_n) / n if n > 0 else math.inf
