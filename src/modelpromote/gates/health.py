"""The health decision: metrics of a new version and its baseline -> ADVANCE, HOLD or ROLLBACK.

Pure: data in, decision out; no clock (``now`` is passed), no network, no files.  The providers
read the metrics (:mod:`modelpromote.providers.prometheus`, :mod:`~modelpromote.providers.metrics_json`)
and :mod:`modelpromote.app.health` applies it (:meth:`Decision.changes`); what is watched is
:mod:`modelpromote.policy.watch`.

Why it is not the article's bare ``value > threshold``: a canary at 5 % sees few requests, and
health looks at it again every run.  Every metric is judged by an *anytime-valid* confidence
sequence (:mod:`modelpromote.gates.sequential`) over everything since the step began: FAIL needs
evidence of harm at ``confidence`` (default 99.5 %), PASS needs evidence of safety at
``advance_confidence`` (default 95 %), and the guarantee holds however many runs look.

* rates (error, hallucination): events out of samples, a Bernoulli mixture martingale (exact);
* latency p99 with histogram buckets: the share of requests above the threshold against 1 %
  (p99 > T exactly when more than 1 % of requests take longer than T: an order-statistic bound;
  a threshold inside a bucket gets that bucket's requests spread evenly, as histogram_quantile does);
* means with a standard deviation (quality, cost): Robbins' normal mixture;
* quality without one: a 0..1 score is bounded, so the Bernoulli mixture holds for its mean too;
* anything else (a bare p99 or mean from Prometheus): the point value, marked ``evidence: false``.

Critical metrics (error and hallucination rate by default) and evidenced failures of the metrics
in ``policies.rollback.alone`` (quality by default) roll back alone; otherwise ``min_breaches``
failures at once do (the article's "two or more").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ..manifest.changes import Change
from ..manifest.schema import Policies
from ..policy.watch import Action, Target, changes_for, next_weight
from .eval.stats import wilson
from .sequential import bernoulli_bounds, bernoulli_evidence, normal_boundary, normal_half_width

METRICS: tuple[str, ...] = ("latency_p99_ms", "error_rate", "quality_score", "hallucination_rate", "cost_per_request_cents")
RATE_METRICS = frozenset({"error_rate", "hallucination_rate"})
LOWER_IS_WORSE = frozenset({"quality_score"})

Verdict = Literal["PASS", "FAIL", "INCONCLUSIVE"]
SEVERITY: dict[str, int] = {"ADVANCE": 0, "HOLD": 1, "ROLLBACK": 2}


@dataclass(frozen=True)
class Observation:
    """One metric of one version since the step began (or over the window).

    Rate metrics carry ``events`` out of ``samples``.  Value metrics may carry ``stddev`` (of the
    individual observations: a mean's interval) and latency ``buckets`` (cumulative counts per upper
    bound in ms, ascending, the last one ``inf``: the p99's order-statistic interval).
    """

    value: float | None
    samples: int
    events: int | None = None
    stddev: float | None = None
    buckets: tuple[tuple[float, int], ...] = ()

    @classmethod
    def rate(cls, events: int, samples: int) -> Observation:
        return cls(events / samples if samples > 0 else None, samples, events)


@dataclass(frozen=True)
class Rules:
    thresholds: Mapping[str, float]
    critical: frozenset[str]
    min_breaches: int
    min_samples: int
    confidence: float
    enabled: tuple[str, ...] = METRICS
    advance_confidence: float = 0.95
    alone: frozenset[str] = frozenset({"quality_score"})

    @classmethod
    def from_policies(cls, p: Policies) -> Rules:
        rb, h = p.rollback, p.health
        disabled = {name for name, q in h.metrics.items() if not q.enabled}
        return cls(
            thresholds={m: float(getattr(rb, m)) for m in METRICS},
            critical=frozenset(rb.critical),
            min_breaches=rb.min_breaches,
            min_samples=h.min_samples,
            confidence=h.confidence,
            enabled=tuple(m for m in METRICS if m not in disabled),
            advance_confidence=h.advance_confidence,
            alone=frozenset(rb.alone),
        )


@dataclass(frozen=True)
class MetricResult:
    metric: str
    verdict: Verdict
    threshold: float
    critical: bool
    value: float | None
    samples: int
    events: int | None
    low: float | None  # the confidence sequence's ends (lower at confidence, upper at advance_confidence)
    high: float | None
    baseline_value: float | None
    baseline_samples: int | None
    reason: str
    method: str = "point"  # binomial | histogram | normal | bounded | point
    evidence: bool = False  # the verdict rests on an interval, not on a point value

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}  # flat: no deep copy (1,000s of targets)


@dataclass(frozen=True)
class Decision:
    target: Target
    action: Action
    reasons: tuple[str, ...]
    metrics: tuple[MetricResult, ...]
    next_weight: int | None = None  # ADVANCE of a canary: its new weight; 100 completes it
    restore: str | None = None  # ROLLBACK: the version put back

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.target.model,
            "env": self.target.env,
            "kind": self.target.kind,
            "version": self.target.version,
            "baseline": self.target.baseline,
            "weight": self.target.weight,
            "action": self.action,
            "next_weight": self.next_weight,
            "restore": self.restore,
            "reasons": list(self.reasons),
            "metrics": [r.to_json() for r in self.metrics],
        }

    def changes(self, at: datetime) -> list[Change]:
        """What this decision changes in the manifest (nothing for HOLD)."""
        reason = self.reasons[0] if self.reasons else "health check failed"
        return changes_for(self.target, self.action, next_weight=self.next_weight, restore=self.restore, reason=reason, at=at)


# -- statistics --------------------------------------------------------------------------------


def one_sided(events: int, samples: int, confidence: float) -> tuple[float, float]:
    """Fixed-sample Wilson bounds, each side one-sided at ``confidence`` (the eval gate's; kept for reports)."""
    return wilson(events, samples, 2 * confidence - 1)


P99_TAIL = 0.01  # p99 > T exactly when more than 1 % of requests take longer than T


@dataclass(frozen=True)
class Evidence:
    harm: bool  # evidence the metric breaches its threshold
    safe: bool  # evidence it does not
    low: float | None
    high: float | None
    method: str
    detail: str


def _above(buckets: tuple[tuple[float, int], ...], bound_index: int) -> int:
    return buckets[-1][1] - buckets[bound_index][1]


def evidence(metric: str, obs: Observation, t: float, rules: Rules, *, bounds: bool = True) -> Evidence | None:
    """What ``obs`` shows about ``metric`` against ``t``, anytime-valid; None without a value to judge."""
    a_fail, a_pass = 1 - rules.confidence, 1 - rules.advance_confidence
    lower_worse = metric in LOWER_IS_WORSE
    n = obs.samples
    if metric in RATE_METRICS:
        k = obs.events if obs.events is not None else round((obs.value or 0.0) * n)
        harm = bernoulli_evidence(k, n, t, a_fail, above=True)
        safe = bernoulli_evidence(k, n, t, a_pass, above=False)
        low, high = bernoulli_bounds(k, n, a_fail, a_pass, at=t) if bounds else (None, None)
        return Evidence(harm, safe, low, high, "binomial", f"{k}/{n}")
    if metric == "latency_p99_ms" and len(obs.buckets) >= 2 and obs.buckets[-1][1] > 0:
        bk = obs.buckets
        total = bk[-1][1]
        finite = [i for i, (le, _) in enumerate(bk) if le != math.inf]
        hi_i = next((i for i in finite if bk[i][0] >= t), None)
        lo_i = next((i for i in reversed(finite) if bk[i][0] <= t), None)
        # requests slower than t: at least those above the next bound up, at most those above the one below
        at_least = _above(bk, hi_i) if hi_i is not None else 0
        at_most = _above(bk, lo_i) if lo_i is not None else total
        slower: float = at_least
        if hi_i is not None and lo_i is not None and bk[hi_i][0] > bk[lo_i][0]:
            # t inside a bucket: spread its requests evenly, as histogram_quantile does for the p99 itself
            lo_b, hi_b = bk[lo_i][0], bk[hi_i][0]
            slower = at_least + (at_most - at_least) * (hi_b - t) / (hi_b - lo_b)
        harm = bernoulli_evidence(slower, total, P99_TAIL, a_fail, above=True)
        safe = bernoulli_evidence(slower, total, P99_TAIL, a_pass, above=False)
        low = high = None
        if bounds:
            low = max((bk[i][0] for i in finite if bernoulli_evidence(_above(bk, i), total, P99_TAIL, a_fail, above=True)), default=None)
            high = min((bk[i][0] for i in finite if bernoulli_evidence(_above(bk, i), total, P99_TAIL, a_pass, above=False)), default=None)
        return Evidence(harm, safe, low, high, "histogram", f"{slower:.0f} of {total} slower than {t:g} ms")
    if obs.value is None or math.isnan(obs.value):
        return None
    v = obs.value
    if obs.stddev is not None and obs.stddev >= 0 and math.isfinite(obs.stddev):
        sd = obs.stddev
        excess = n * ((t - v) if lower_worse else (v - t))  # positive: beyond the threshold
        harm = excess >= normal_boundary(n, sd, a_fail, rules.min_samples) and excess > 0
        safe = -excess >= normal_boundary(n, sd, a_pass, rules.min_samples) and excess < 0
        if not bounds:
            return Evidence(harm, safe, None, None, "normal", f"sd {sd:.3g}")
        h_fail = normal_half_width(n, sd, a_fail, rules.min_samples)
        h_pass = normal_half_width(n, sd, a_pass, rules.min_samples)
        low, high = (v - h_pass, v + h_fail) if lower_worse else (v - h_fail, v + h_pass)
        return Evidence(harm, safe, low, high, "normal", f"sd {sd:.3g}")
    if metric == "quality_score" and 0.0 <= v <= 1.0 and 0.0 < t < 1.0:
        # A score in 0..1: its shortfall 1 - score is bounded, so the Bernoulli martingale holds.
        bad = n * (1.0 - v)
        harm = bernoulli_evidence(bad, n, 1.0 - t, a_fail, above=True)
        safe = bernoulli_evidence(bad, n, 1.0 - t, a_pass, above=False)
        low = high = None
        if bounds:
            b_low, b_high = bernoulli_bounds(bad, n, a_fail, a_pass, at=1.0 - t)
            low, high = 1.0 - b_high, 1.0 - b_low
        return Evidence(harm, safe, low, high, "bounded", "0..1 scores, no stddev")
    breach = _breaches(metric, v, t)
    return Evidence(breach, not breach, None, None, "point", "point value")


# -- one metric --------------------------------------------------------------------------------


def _fmt(metric: str, v: float | None) -> str:
    if v is None:
        return "-"
    if metric in RATE_METRICS:
        return f"{v * 100:.2f}%"
    return f"{v:.4g}"


def _breaches(metric: str, value: float, threshold: float) -> bool:
    return value < threshold if metric in LOWER_IS_WORSE else value > threshold


def judge(metric: str, cand: Observation | None, base: Observation | None, rules: Rules, *, bounds: bool = True) -> MetricResult:
    """PASS, FAIL or INCONCLUSIVE for one metric of the new version, with the reason in words.

    ``bounds=False`` skips computing the interval's ends when nothing needs them (simulations);
    the verdict is the same.
    """
    t = rules.thresholds[metric]
    crit = metric in rules.critical
    bval = base.value if base is not None else None
    bn = base.samples if base is not None else None

    def result(verdict: Verdict, reason: str, ev: Evidence | None = None) -> MetricResult:
        c = cand or Observation(None, 0)
        low, high = (ev.low, ev.high) if ev is not None else (None, None)
        method = ev.method if ev is not None else "point"
        return MetricResult(metric, verdict, t, crit, c.value, c.samples, c.events, low, high, bval, bn, reason, method,
                            ev is not None and ev.method != "point" and verdict != "INCONCLUSIVE")

    if cand is None or cand.samples <= 0:
        return result("INCONCLUSIVE", "no data for the new version in the window")
    if cand.samples < rules.min_samples:
        return result("INCONCLUSIVE", f"{cand.samples} samples < min_samples {rules.min_samples}")
    ev = evidence(metric, cand, t, rules, bounds=bounds)
    if ev is None:
        return result("INCONCLUSIVE", f"no value ({cand.samples} samples)")
    shown = _fmt(metric, cand.value) if ev.method != "binomial" else ev.detail
    ends = f" ({_fmt(metric, ev.low)}..{_fmt(metric, ev.high)})" if ev.low is not None or ev.high is not None else ""
    if ev.method == "point":
        shown += f" ({cand.samples} samples, no interval)"
    if ev.safe:
        return result("PASS", f"{shown}: within {_fmt(metric, t)}{ends}", ev)
    if not ev.harm:
        return result("INCONCLUSIVE", f"{shown}: cannot tell yet against {_fmt(metric, t)}{ends}; needs more samples", ev)
    word = "below" if metric in LOWER_IS_WORSE else "above"
    reason = f"{shown}: {word} {_fmt(metric, t)} with evidence{ends}" if ev.method != "point" else f"{shown}: {word} {_fmt(metric, t)}"
    # A breach the baseline shares (say, a provider-wide latency spike) is not the new version's
    # doing: rolling back would not help, and advancing is not justified either.  The baseline must
    # breach with evidence too, and the new version must lie within the baseline's interval.
    if base is not None and base.samples >= rules.min_samples and cand.value is not None:
        bev = evidence(metric, base, t, rules)
        if bev is not None and bev.harm:
            edge = (bev.low if metric in LOWER_IS_WORSE else bev.high) if bev.method != "point" else bval
            if edge is None and bev.method == "histogram":
                edge = math.inf
            if edge is not None and not (cand.value < edge if metric in LOWER_IS_WORSE else cand.value > edge):
                return result("INCONCLUSIVE", f"{reason}, but the baseline breaches too ({_fmt(metric, bval)})", ev)
    return result("FAIL", reason, ev)


# -- the decision ------------------------------------------------------------------------------


def decide(
    target: Target, cand: Mapping[str, Observation], base: Mapping[str, Observation], rules: Rules, now: datetime, *, bounds: bool = True
) -> Decision:
    """ADVANCE, HOLD or ROLLBACK for one target, with every metric's verdict and the reasons."""
    results = tuple(judge(m, cand.get(m), base.get(m), rules, bounds=bounds) for m in rules.enabled)
    fails = [r for r in results if r.verdict == "FAIL"]
    # critical metrics roll back alone; so does an evidenced failure of a metric in rollback.alone
    critical = [r for r in fails if r.critical or (r.evidence and r.metric in rules.alone)]
    unsure = [r for r in results if r.verdict == "INCONCLUSIVE"]

    def out(action: Action, *reasons: str, next_weight: int | None = None, restore: str | None = None) -> Decision:
        return Decision(target, action, tuple(reasons), results, next_weight, restore)

    if target.open_pr is not None:
        return out("HOLD", f"promotion PR #{target.open_pr} is open for {target.model}/{target.env}; health waits for it")
    if critical or len(fails) >= rules.min_breaches:
        if not critical:
            why = f"{len(fails)} metrics failed (min_breaches {rules.min_breaches}): {', '.join(r.metric for r in fails)}"
        elif all(r.critical for r in critical):
            why = f"critical metric(s) failed: {', '.join(r.metric for r in critical)}"
        else:
            why = f"failed with evidence, and rolls back alone: {', '.join(r.metric for r in critical)}"
        if target.restore is None:
            return out("HOLD", why, "no verified version to restore; roll forward by hand")
        return out("ROLLBACK", why, f"restore {target.restore}", restore=target.restore)
    reasons: list[str] = []
    if fails:
        reasons.append(f"{fails[0].metric} failed ({len(fails)} < min_breaches {rules.min_breaches}): not safe to advance")
    if unsure:
        reasons.append(f"inconclusive: {', '.join(r.metric for r in unsure)}")
    if target.held is not None:
        reasons.append(f"model is on hold: {target.held}")
    if target.kind == "canary" and target.interval is not None:
        at_step = now - target.since
        if at_step < target.interval:
            reasons.append(f"at {target.weight}% for {_span(at_step)} < interval {_span(target.interval)}")
    if reasons:
        return out("HOLD", *reasons)
    if target.kind == "promotion":
        return out("ADVANCE", "healthy: every metric passes; nothing to move")
    nxt = next_weight(target.weight, target.steps)
    what = "complete the rollout" if nxt >= 100 else f"move to {nxt}%"
    return out("ADVANCE", f"healthy: every metric passes; {what}", next_weight=nxt)


def _span(d: timedelta) -> str:
    s = max(0, int(d.total_seconds()))
    h, rem = divmod(s, 3600)
    m = rem // 60
    return f"{h}h{m:02d}m" if h else f"{m}m"
