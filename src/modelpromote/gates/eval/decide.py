"""The eval gate: metrics + rules (+ the production version's metrics) -> PASS / FAIL / INCONCLUSIVE.

Pure: no files, no clock.  A condition passes only when the whole confidence interval of the
compared quantity is on the good side of the threshold, fails when the whole interval is on the
bad side, and is inconclusive when the interval straddles it or when there are fewer samples than
the rule's ``min_samples``.  Too few samples is never a pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace

from ...errors import Finding, InputError
from . import stats
from .model import Condition, ConditionResult, EvalResults, GateReport, Metric, MetricDecision, Rule, Status

MAX_SAMPLES = 100_000_000
_ALIASES = {"accuracy": "pass_rate", "pass_rate": "accuracy"}


def find_metric(results: EvalResults, name: str) -> Metric | None:
    """Exact name first; ``accuracy`` and ``pass_rate`` stand in for each other when only one exists."""
    if name in results.metrics:
        return results.metrics[name]
    alias = _ALIASES.get(name)
    if alias and alias in results.metrics:
        return results.metrics[alias]
    # lm-eval's "<metric>,none" is the unfiltered value, named without the filter here.
    if name.endswith(",none") and name[: -len(",none")] in results.metrics:
        return results.metrics[name[: -len(",none")]]
    # "acc" names "arc_easy/acc" when exactly one task or scorer has it.
    tails = [m for key, m in results.metrics.items() if key.endswith("/" + name)]
    return tails[0] if len(tails) == 1 else None


def _verdict(low: float, high: float, threshold: float, op: str, higher: bool) -> Status:
    strict = op in (">", "<")
    if higher:
        if low > threshold or (not strict and low >= threshold):
            return "PASS"
        if high < threshold or (strict and high <= threshold):
            return "FAIL"
    else:
        if high < threshold or (not strict and high <= threshold):
            return "PASS"
        if low > threshold or (strict and low >= threshold):
            return "FAIL"
    return "INCONCLUSIVE"


def _search(decided: Callable[[int], bool], start: int) -> int | None:
    """Smallest N >= start with decided(N), assuming decidedness is (roughly) monotone in N."""
    n = max(1, start)
    if decided(n):
        return n
    lo, hi = n, n * 2
    while not decided(hi):
        lo, hi = hi, hi * 2
        if hi > MAX_SAMPLES:
            return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if decided(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _judge(metric: Metric, cond: Condition, rule: Rule, base: Metric | None) -> ConditionResult:
    conf = rule.confidence
    z = stats.z_for(conf)
    higher = cond.higher_is_better if cond.higher_is_better is not None else metric.higher_is_better
    op = cond.op if cond.op != "no_worse" else (">=" if higher else "<=")
    pct = f"{round(conf * 100, 2):g} %"

    if cond.relative:
        assert base is not None
        offset = cond.value if cond.op != "no_worse" else (-cond.value if higher else cond.value)
        threshold = base.value + offset
    else:
        offset = 0.0
        threshold = cond.value

    paired_rates = (
        cond.relative and base is not None and metric.kind == "pass_rate" and base.kind == "pass_rate"
        and metric.n and base.n and metric.successes is not None and base.successes is not None
    )
    paired_scores = cond.relative and base is not None and metric.stderr is not None and base.stderr is not None and not paired_rates

    decided: Callable[[int], bool] | None = None
    needed_se: float | None = None
    if paired_rates:
        assert base is not None and metric.n and base.n and metric.successes is not None and base.successes is not None
        s1, n1, s0, n0 = metric.successes, metric.n, base.successes, base.n
        low, high = stats.newcombe(s1, n1, s0, n0, conf)
        status = _verdict(low, high, offset, op, higher)
        method = f"Newcombe {pct} interval of the difference from baseline ({s1}/{n1} vs {s0}/{n0})"
        p1 = s1 / n1

        def decided_rates(n: int) -> bool:
            return _verdict(*stats.newcombe(round(p1 * n), n, s0, n0, conf), offset, op, higher) != "INCONCLUSIVE"

        decided = decided_rates
        shown = (metric.value - base.value, low, high)
    elif paired_scores:
        assert base is not None and metric.stderr is not None and base.stderr is not None
        d = metric.value - base.value
        se = math.hypot(metric.stderr, base.stderr)
        low, high = stats.normal(d, se, conf)
        status = _verdict(low, high, offset, op, higher)
        method = f"normal {pct} interval of the difference from baseline, se = √(se₁² + se₀²)"
        gap = abs(d - offset)
        if metric.n and gap > z * base.stderr:
            se1, n1, se0 = metric.stderr, metric.n, base.stderr

            def decided_scores(n: int) -> bool:
                return z * math.sqrt(se1 * se1 * n1 / n + se0 * se0) < gap

            decided = decided_scores
        shown = (d, low, high)
    else:
        # One-sample: the metric against a fixed threshold (absolute, or baseline without uncertainty).
        if metric.kind == "pass_rate" and metric.n and metric.successes is not None:
            s, n = metric.successes, metric.n
            low, high = stats.wilson(s, n, conf)
            method = f"Wilson {pct} interval ({s}/{n})"
            p = s / n

            def decided_rate(m: int) -> bool:
                return _verdict(*stats.wilson(round(p * m), m, conf), threshold, op, higher) != "INCONCLUSIVE"

            decided = decided_rate
        elif metric.stderr is not None:
            low, high = stats.normal(metric.value, metric.stderr, conf)
            method = f"normal {pct} interval, value ± {z:.2f}·stderr (stderr {metric.stderr:.4g})"
            gap = abs(metric.value - threshold)
            needed_se = gap / z if gap > 0 else None
            if metric.n and gap > 0:
                se1, n1 = metric.stderr, metric.n

                def decided_score(m: int) -> bool:
                    return z * se1 * math.sqrt(n1 / m) < gap

                decided = decided_score
        else:
            low = high = metric.value
            method = "point estimate (the results report no standard error or counts)"
        status = _verdict(low, high, threshold, op, higher)
        shown = (metric.value, low, high)

    paired = bool(paired_rates or paired_scores)
    reason = _reason(status, shown, offset if paired else threshold, op, paired)
    more: int | None = None
    undecidable = False
    n_now = metric.n
    if n_now is not None and n_now < rule.min_samples:
        status = "INCONCLUSIVE"
        reason = f"{n_now} samples, fewer than the minimum {rule.min_samples}; " + reason
    if status == "INCONCLUSIVE":
        if n_now is not None and decided is not None:
            n_needed = _search(decided, max(n_now + 1, rule.min_samples))
            if n_needed is None:
                undecidable = True
            else:
                more = max(n_needed, rule.min_samples) - n_now
        elif n_now is not None and n_now < rule.min_samples and decided is None and metric.stderr is None:
            more = rule.min_samples - n_now
        else:
            undecidable = decided is None and needed_se is None
        if needed_se is not None and more is None:
            reason += f"; it decides once the standard error is below {needed_se:.4g}"
        elif undecidable:
            reason += "; more samples would not decide it if the observed value holds (it sits on the threshold)"
    return ConditionResult(cond, status, threshold, shown[1], shown[2], method, reason, more, undecidable)


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else f"{x:.4g}"


def _reason(status: Status, shown: tuple[float, float, float], threshold: float, op: str, diff: bool) -> str:
    value, low, high = shown
    what = "difference from baseline" if diff else "value"
    interval = f"[{_fmt(low)}, {_fmt(high)}]" if low != high else "(no interval)"
    side = {"PASS": "clears", "FAIL": "misses", "INCONCLUSIVE": "straddles"}[status]
    return f"{what} {_fmt(value)}, interval {interval} {side} {op} {_fmt(threshold)}"


def _worst(statuses: Iterable[Status]) -> Status:
    seen = set(statuses)
    if "FAIL" in seen:
        return "FAIL"
    if "INCONCLUSIVE" in seen or not seen:
        return "INCONCLUSIVE"
    return "PASS"


def _incomplete(d: MetricDecision) -> MetricDecision:
    """A run that stopped early cannot pass: its PASS conditions become INCONCLUSIVE."""
    conds = tuple(
        c if c.status != "PASS" else replace(c, status="INCONCLUSIVE", reason=c.reason + "; but the run did not complete")
        for c in d.conditions
    )
    return MetricDecision(d.rule, d.metric, d.baseline, _worst(c.status for c in conds), conds)


def decide(results: EvalResults, rules: list[Rule] | tuple[Rule, ...], baseline: EvalResults | None = None) -> GateReport:
    """Judge every rule against the results; the gate passes only when every metric passes."""
    if not rules:
        raise InputError(Finding("MP506", "no eval thresholds to check"))
    decisions: list[MetricDecision] = []
    problems: list[Finding] = []
    for rule in rules:
        metric = find_metric(results, rule.metric)
        if metric is None:
            available = ", ".join(sorted(results.metrics)[:20]) or "none"
            problems.append(Finding("MP505", f"the results have no metric {rule.metric!r} (rule from {rule.origin or 'flags'})",
                                    hint=f"metrics in the {results.format} results: {available}"))
            continue
        base: Metric | None = None
        if any(c.relative for c in rule.conditions):
            if baseline is None:
                msg = f"{rule.metric}: {rule.text!r} compares with the baseline, but no baseline results were given"
                problems.append(Finding("MP507", msg, hint="pass --baseline FILE with the production version's results"))
                continue
            base = find_metric(baseline, rule.metric)
            if base is None:
                available = ", ".join(sorted(baseline.metrics)[:20]) or "none"
                msg = f"the baseline results have no metric {rule.metric!r}"
                problems.append(Finding("MP505", msg, hint=f"baseline metrics: {available}"))
                continue
        judged = tuple(_judge(metric, c, rule, base) for c in rule.conditions)
        status = _worst(c.status for c in judged)
        decisions.append(MetricDecision(rule, metric, base, status, judged))
    if problems:
        raise InputError(problems)

    notes = list(results.notes)
    if not results.complete:
        notes.append("the eval run did not complete, so the gate cannot pass on it; re-run it")
        decisions = [_incomplete(d) for d in decisions]
    return GateReport(_worst(d.status for d in decisions), tuple(decisions), results, baseline, tuple(notes))
