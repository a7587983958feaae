"""A/B verdicts: the treatment arm of an experiment against its control arm, metric by metric.

Pure.  Each of the five health metrics is compared as a difference (treatment - control) with an
anytime-valid confidence sequence (Robbins' normal mixture, :mod:`modelpromote.gates.sequential`),
so that reading the experiment every day does not manufacture a winner:

* rates (errors, hallucinations): difference of proportions, variance ``p(1-p)`` per arm;
* latency p99 with histogram buckets: the share of requests slower than the p99 threshold
  (a tail rate; without buckets only the point values are shown);
* quality and cost: difference of means with the arms' standard deviations (quality without one:
  the 0..1 bound ``m(1-m)``).

Per metric it says which arm is better, a one-sided confidence for that (``Phi(z)``, the
fixed-sample figure people expect), whether the confidence sequence has *decided* it at
``confidence``, and how many more requests (both arms together, same split) would decide it if
the observed difference held.  The verdict: ``control`` when any metric decidedly favours the
control, ``treatment`` when at least one decidedly favours the treatment and none the control,
``inconclusive`` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any, Literal

from .health import LOWER_IS_WORSE, METRICS, P99_TAIL, RATE_METRICS, Observation
from .sequential import normal_boundary

Better = Literal["treatment", "control", "neither"]
Verdict = Literal["treatment", "control", "inconclusive"]
_PHI = NormalDist()


@dataclass(frozen=True)
class ArmComparison:
    metric: str
    treatment: float | None
    control: float | None
    treatment_samples: int
    control_samples: int
    difference: float | None  # treatment - control, in the metric's unit (tail share for a bucketed p99)
    low: float | None  # the difference's confidence sequence at `confidence`
    high: float | None
    better: Better  # which arm the data favour (decided or not)
    confidence: float | None  # one-sided, fixed-sample: how sure that `better` is better
    decided: bool  # the confidence sequence excludes 0
    more_requests: int | None  # more requests (both arms) that would decide it at the observed difference
    method: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ExperimentResult:
    model: str
    env: str
    treatment: str
    control: str
    weight: int
    confidence: float
    verdict: Verdict
    summary: str
    metrics: tuple[ArmComparison, ...]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["metrics"] = [m.to_json() for m in self.metrics]
        return d


def _stat(metric: str, o: Observation, threshold: float) -> tuple[float, float, int, str] | None:
    """(mean, variance of one observation, n, method) of what is compared, or None."""
    n = o.samples
    if n <= 0:
        return None
    if metric in RATE_METRICS:
        k = o.events if o.events is not None else round((o.value or 0.0) * n)
        p = k / n
        return p, p * (1 - p), n, "rate"
    if metric == "latency_p99_ms" and len(o.buckets) >= 2 and o.buckets[-1][1] > 0:
        total = o.buckets[-1][1]
        above_i = next((i for i, (le, _) in enumerate(o.buckets) if le >= threshold), len(o.buckets) - 1)
        p = (total - o.buckets[above_i][1]) / total
        return p, p * (1 - p), total, "tail share"
    if o.value is None or math.isnan(o.value):
        return None
    if o.stddev is not None:
        return o.value, o.stddev**2, n, "mean"
    if metric == "quality_score" and 0 <= o.value <= 1:
        return o.value, o.value * (1 - o.value), n, "mean (0..1 bound)"
    return None


def compare_metric(
    metric: str, treat: Observation | None, ctrl: Observation | None, threshold: float, confidence: float, min_samples: int
) -> ArmComparison:
    """One metric, treatment against control."""
    tv = treat.value if treat is not None else None
    cv = ctrl.value if ctrl is not None else None
    tn = treat.samples if treat is not None else 0
    cn = ctrl.samples if ctrl is not None else 0

    def out(reason: str, **kw: Any) -> ArmComparison:
        base: dict[str, Any] = {"difference": None, "low": None, "high": None, "better": "neither", "confidence": None,
                                "decided": False, "more_requests": None, "method": "point"}
        base.update(kw)
        return ArmComparison(metric, tv, cv, tn, cn, reason=reason, **base)

    if treat is None or ctrl is None or tn <= 0 or cn <= 0:
        return out("no data for one of the arms")
    st, sc = _stat(metric, treat, threshold), _stat(metric, ctrl, threshold)
    if st is None or sc is None:
        return out("no interval for this metric (export buckets / stddev); point values only")
    (mt, vt, nt, method), (mc, vc, nc, _) = st, sc
    diff = mt - mc
    se2 = vt / nt + vc / nc
    if se2 <= 0:
        same = diff == 0
        return out("no variation in either arm" if same else "both arms constant, and different", difference=diff, method=method,
                   decided=not same, better="neither" if same else _favours(metric, diff))
    # The normal mixture on the information scale: S = diff / se^2, V = 1 / se^2; rho at min_samples per arm.
    info = 1 / se2
    rho = 1 / (vt / min_samples + vc / min_samples) if vt + vc > 0 else info
    alpha = 1 - confidence
    half = normal_boundary(info, 1.0, alpha, rho) / info
    z = diff / math.sqrt(se2)
    better = _favours(metric, diff) if diff != 0 else "neither"
    conf = _PHI.cdf(abs(z)) if diff != 0 else 0.5
    decided = abs(diff) > half
    more = None
    if not decided and diff != 0:
        more = _more_requests(diff, vt, vc, nt, nc, alpha, min_samples)
    word = {"treatment": "treatment better", "control": "control better", "neither": "no difference"}[better]
    state = "decided" if decided else ("undecided" if more is None else f"undecided; ~{more} more requests would decide it")
    return out(f"{word} ({conf:.1%} one-sided), {state}", difference=diff, low=diff - half, high=diff + half, better=better,
               confidence=conf, decided=decided, more_requests=more, method=method)


def _favours(metric: str, diff: float) -> Better:
    higher_better = metric in LOWER_IS_WORSE  # quality: higher is better
    return "treatment" if (diff > 0) == higher_better else "control"


def _more_requests(diff: float, vt: float, vc: float, nt: int, nc: int, alpha: float, min_samples: int) -> int | None:
    """Extra requests (both arms, same split) until the boundary falls under the observed |diff|."""

    def decides(f: float) -> bool:
        se2 = vt / (nt * f) + vc / (nc * f)
        info = 1 / se2
        rho = 1 / (vt / min_samples + vc / min_samples) if vt + vc > 0 else info
        return abs(diff) > normal_boundary(info, 1.0, alpha, rho) / info

    hi = 2.0
    while not decides(hi):
        hi *= 2
        if hi > 1e6:
            return None
    lo = 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if decides(mid):
            hi = mid
        else:
            lo = mid
    return max(1, math.ceil((hi - 1) * (nt + nc)))


def compare(
    model: str,
    env: str,
    treatment: str,
    control: str,
    weight: int,
    treat: Mapping[str, Observation],
    ctrl: Mapping[str, Observation],
    thresholds: Mapping[str, float],
    *,
    confidence: float = 0.95,
    min_samples: int = 100,
    metrics: Sequence[str] = METRICS,
) -> ExperimentResult:
    """The experiment's verdict over ``metrics``."""
    rows = tuple(
        compare_metric(m, treat.get(m), ctrl.get(m), thresholds.get(m, P99_TAIL), confidence, min_samples) for m in metrics
    )
    worse = [r.metric for r in rows if r.decided and r.better == "control"]
    better = [r.metric for r in rows if r.decided and r.better == "treatment"]
    if worse:
        verdict: Verdict = "control"
        summary = f"the control is better: the treatment is worse on {', '.join(worse)} at {confidence:.0%}"
    elif better:
        verdict = "treatment"
        summary = f"the treatment is better on {', '.join(better)} at {confidence:.0%}, and worse on nothing"
    else:
        verdict = "inconclusive"
        needs = [r.more_requests for r in rows if r.more_requests is not None]
        summary = "no metric decided yet" + (f"; the closest would need ~{min(needs)} more requests" if needs else "")
    return ExperimentResult(model, env, treatment, control, weight, confidence, verdict, summary, rows)
