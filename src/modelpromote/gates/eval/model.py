"""The normalized shape every eval format is read into, and the gate's verdicts.

Whatever tool produced the results (our pytest plugin, JUnit, promptfoo, lm-evaluation-harness,
inspect_ai), the gate sees the same thing: named metrics that are either a *pass rate*
(successes out of a count, judged with a Wilson interval) or a *score* (a value with, ideally, a
standard error and a sample count, judged with a normal interval).  Keeping the two kinds apart is
what lets a 2-out-of-3 pass rate be "too few samples" instead of a confident 67 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

MetricKind = Literal["pass_rate", "score"]
Status = Literal["PASS", "FAIL", "INCONCLUSIVE"]


@dataclass(frozen=True)
class Metric:
    name: str
    kind: MetricKind
    value: float  # observed pass rate, or the score
    n: int | None = None  # samples behind the value, when known
    successes: int | None = None  # pass_rate only
    stderr: float | None = None  # score only, when the tool reports one (or we computed it)
    higher_is_better: bool = True
    source: str = ""  # where in the file it came from, for the report

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "n": self.n,
            "successes": self.successes,
            "stderr": self.stderr,
            "higher_is_better": self.higher_is_better,
            "source": self.source,
        }


@dataclass(frozen=True)
class EvalResults:
    format: str  # generic | junit | promptfoo | lm-eval | inspect
    metrics: dict[str, Metric]
    complete: bool = True  # False: the run stopped early (error, cancelled); nothing may PASS on it
    notes: tuple[str, ...] = ()  # facts worth showing: "3 of 200 samples errored"
    model: str | None = None
    version: str | None = None
    env: str | None = None
    cases: tuple[dict[str, Any], ...] = ()  # per-case records (generic format / plugin), passed through

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "complete": self.complete,
            "notes": list(self.notes),
            "model": self.model,
            "version": self.version,
            "env": self.env,
            "metrics": {k: m.to_json() for k, m in self.metrics.items()},
        }


@dataclass(frozen=True)
class Condition:
    """One comparison: ``>= 0.85``, ``>= baseline - 0.02``, ``no worse than baseline - 0.02``."""

    op: Literal[">=", ">", "<=", "<", "no_worse"]
    value: float = 0.0  # absolute threshold, or the margin for a relative condition
    relative: bool = False  # compared with the baseline's value
    text: str = ""

    @property
    def higher_is_better(self) -> bool | None:
        if self.op in (">=", ">"):
            return True
        if self.op in ("<=", "<"):
            return False
        return None  # no_worse: the metric says


@dataclass(frozen=True)
class Rule:
    """What one metric must satisfy (every condition), and with how much evidence."""

    metric: str
    conditions: tuple[Condition, ...]
    min_samples: int = 30
    confidence: float = 0.95
    text: str = ""
    origin: str = ""  # "policies.eval.default", "--threshold", ...


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    status: Status
    threshold: float  # the effective threshold (baseline resolved)
    low: float | None  # interval of the quantity compared (the metric, or the difference for a paired check)
    high: float | None
    method: str
    reason: str
    more_samples: int | None = None  # INCONCLUSIVE: samples that would decide it if the observed value holds
    undecidable: bool = False  # INCONCLUSIVE and more samples cannot help (value sits on the threshold)

    def to_json(self) -> dict[str, Any]:
        return {
            "condition": self.condition.text,
            "status": self.status,
            "threshold": self.threshold,
            "interval": [self.low, self.high],
            "method": self.method,
            "reason": self.reason,
            "more_samples": self.more_samples,
        }


@dataclass(frozen=True)
class MetricDecision:
    rule: Rule
    metric: Metric
    baseline: Metric | None
    status: Status
    conditions: tuple[ConditionResult, ...]

    @property
    def more_samples(self) -> int | None:
        wanted = [c.more_samples for c in self.conditions if c.status == "INCONCLUSIVE" and c.more_samples is not None]
        return max(wanted) if wanted else None

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric.name,
            "rule": self.rule.text,
            "origin": self.rule.origin,
            "status": self.status,
            "value": self.metric.value,
            "n": self.metric.n,
            "successes": self.metric.successes,
            "stderr": self.metric.stderr,
            "baseline": None if self.baseline is None else self.baseline.value,
            "min_samples": self.rule.min_samples,
            "confidence": self.rule.confidence,
            "more_samples": self.more_samples,
            "conditions": [c.to_json() for c in self.conditions],
        }


@dataclass(frozen=True)
class GateReport:
    status: Status
    decisions: tuple[MetricDecision, ...]
    results: EvalResults
    baseline: EvalResults | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.status == "PASS"

    @property
    def more_samples(self) -> int | None:
        wanted = [d.more_samples for d in self.decisions if d.status == "INCONCLUSIVE" and d.more_samples is not None]
        return max(wanted) if wanted else None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "passed": self.passed,
            "more_samples": self.more_samples,
            "method": METHOD_TEXT,
            "notes": list(self.notes),
            "decisions": [d.to_json() for d in self.decisions],
            "results": self.results.to_json(),
            "baseline": None if self.baseline is None else self.baseline.to_json(),
        }


METHOD_TEXT = (
    "Pass rates use the Wilson score interval; scores use value ± z·stderr (normal approximation). "
    "A metric passes only when its whole interval clears the threshold, fails when the whole interval misses it, "
    "and is inconclusive in between or below the minimum sample count. Comparisons with the baseline use "
    "Newcombe's interval for a difference of pass rates, or √(se₁² + se₀²) for scores."
)
