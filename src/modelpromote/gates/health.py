"""The health decision: metrics of a new version and its baseline -> ADVANCE, HOLD or ROLLBACK.

Pure: data in, decision out; no clock (``now`` is passed), no network, no files.  The providers
read the metrics (:mod:`modelpromote.providers.prometheus`, :mod:`~modelpromote.providers.metrics_json`)
and :mod:`modelpromote.app.health` applies it (:meth:`Decision.changes`); what is watched is
:mod:`modelpromote.policy.watch`.

Why it is not the article's bare ``value > threshold``: a canary at 5 % sees few requests, and
3 errors in 100 requests says little about the true error rate.  So rate metrics (error rate,
hallucination rate) use one-sided Wilson bounds: rolling back needs evidence of harm (the lower
bound is above the threshold), advancing needs evidence of safety (the upper bound is at or below
it), and anything in between, or fewer than ``min_samples``, is INCONCLUSIVE, which holds.
Latency p99, quality score and cost per request are compared as values once they rest on
``min_samples`` samples.  Critical metrics (error and hallucination rate by default) roll back
alone; the others need ``min_breaches`` failures at once (the article's "two or more").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ..manifest.changes import Change
from ..manifest.schema import Policies
from ..policy.watch import Action, Target, changes_for, next_weight
from .eval.stats import wilson

METRICS: tuple[str, ...] = ("latency_p99_ms", "error_rate", "quality_score", "hallucination_rate", "cost_per_request_cents")
RATE_METRICS = frozenset({"error_rate", "hallucination_rate"})
LOWER_IS_WORSE = frozenset({"quality_score"})

Verdict = Literal["PASS", "FAIL", "INCONCLUSIVE"]
SEVERITY: dict[str, int] = {"ADVANCE": 0, "HOLD": 1, "ROLLBACK": 2}


@dataclass(frozen=True)
class Observation:
    """One metric of one version over the window.  Rate metrics carry ``events`` out of ``samples``."""

    value: float | None
    samples: int
    events: int | None = None

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
    low: float | None  # Wilson bounds (rate metrics only)
    high: float | None
    baseline_value: float | None
    baseline_samples: int | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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
    """Wilson bounds for ``events`` out of ``samples``; each side is a one-sided bound at ``confidence``.

    Wilson, unlike ``p ± z·√(p(1-p)/n)``, behaves at 0 events and small samples, which is exactly
    where a young canary lives.  The eval gate's two-sided interval at 2c-1 has one-sided ends at c.
    """
    return wilson(events, samples, 2 * confidence - 1)


# -- one metric --------------------------------------------------------------------------------


def _fmt(metric: str, v: float | None) -> str:
    if v is None:
        return "-"
    if metric in RATE_METRICS:
        return f"{v * 100:.2f}%"
    return f"{v:.4g}"


def _breaches(metric: str, value: float, threshold: float) -> bool:
    return value < threshold if metric in LOWER_IS_WORSE else value > threshold


def judge(metric: str, cand: Observation | None, base: Observation | None, rules: Rules) -> MetricResult:
    """PASS, FAIL or INCONCLUSIVE for one metric of the new version, with the reason in words."""
    t = rules.thresholds[metric]
    crit = metric in rules.critical
    base_ok = base is not None and base.samples >= rules.min_samples and base.value is not None and not math.isnan(base.value)
    bval = base.value if base is not None else None
    bn = base.samples if base is not None else None

    def result(verdict: Verdict, reason: str, low: float | None = None, high: float | None = None) -> MetricResult:
        c = cand or Observation(None, 0)
        return MetricResult(metric, verdict, t, crit, c.value, c.samples, c.events, low, high, bval, bn, reason)

    if cand is None or cand.samples <= 0:
        return result("INCONCLUSIVE", "no data for the new version in the window")
    if cand.samples < rules.min_samples:
        return result("INCONCLUSIVE", f"{cand.samples} samples < min_samples {rules.min_samples}")
    low = high = None
    if metric in RATE_METRICS:
        events = cand.events if cand.events is not None else round((cand.value or 0.0) * cand.samples)
        low, high = one_sided(events, cand.samples, rules.confidence)
        bounds = f"{_fmt(metric, low)}..{_fmt(metric, high)} at {rules.confidence:.0%}"
        if low > t:
            verdict: Verdict = "FAIL"
            reason = f"{events}/{cand.samples}: even the lower bound exceeds {_fmt(metric, t)} ({bounds})"
        elif high <= t:
            return result("PASS", f"{events}/{cand.samples}: the upper bound is within {_fmt(metric, t)} ({bounds})", low, high)
        else:
            return result("INCONCLUSIVE", f"{events}/{cand.samples}: {bounds} straddles {_fmt(metric, t)}; needs more samples", low, high)
    else:
        if cand.value is None or math.isnan(cand.value):
            return result("INCONCLUSIVE", f"no value ({cand.samples} samples)")
        word = "below" if metric in LOWER_IS_WORSE else "above"
        if not _breaches(metric, cand.value, t):
            return result("PASS", f"{_fmt(metric, cand.value)} within {_fmt(metric, t)} ({cand.samples} samples)")
        verdict = "FAIL"
        reason = f"{_fmt(metric, cand.value)} {word} {_fmt(metric, t)} ({cand.samples} samples)"
    # A breach the baseline shares (say, a provider-wide latency spike) is not the new version's
    # doing: rolling back would not help, and advancing is not justified either.
    if base_ok and bval is not None and cand.value is not None and _breaches(metric, bval, t):
        cand_worse = cand.value < bval if metric in LOWER_IS_WORSE else cand.value > bval
        if not cand_worse:
            return result("INCONCLUSIVE", f"{reason}, but the baseline breaches too ({_fmt(metric, bval)})", low, high)
    return result(verdict, reason, low, high)


# -- the decision ------------------------------------------------------------------------------


def decide(target: Target, cand: Mapping[str, Observation], base: Mapping[str, Observation], rules: Rules, now: datetime) -> Decision:
    """ADVANCE, HOLD or ROLLBACK for one target, with every metric's verdict and the reasons."""
    results = tuple(judge(m, cand.get(m), base.get(m), rules) for m in rules.enabled)
    fails = [r for r in results if r.verdict == "FAIL"]
    critical = [r for r in fails if r.critical]
    unsure = [r for r in results if r.verdict == "INCONCLUSIVE"]

    def out(action: Action, *reasons: str, next_weight: int | None = None, restore: str | None = None) -> Decision:
        return Decision(target, action, tuple(reasons), results, next_weight, restore)

    if target.open_pr is not None:
        return out("HOLD", f"promotion PR #{target.open_pr} is open for {target.model}/{target.env}; health waits for it")
    if critical or len(fails) >= rules.min_breaches:
        why = (
            f"critical metric(s) failed: {', '.join(r.metric for r in critical)}"
            if critical
            else f"{len(fails)} metrics failed (min_breaches {rules.min_breaches}): {', '.join(r.metric for r in fails)}"
        )
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
