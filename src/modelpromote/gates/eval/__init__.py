"""The eval gate: read results (five formats), apply thresholds with confidence intervals, report.

Public API (pure; the CLI and the pytest plugin do the I/O):

* ``parse_results(data: bytes, file: str, fmt="auto") -> EvalResults``
* ``resolve_rules(manifest, model, env, *, threshold=None, specs=(), min_samples=None, confidence=None, source=None) -> list[Rule]``
* ``decide(results, rules, baseline=None) -> GateReport``

Its rendering (terminal table, markdown) is :mod:`modelpromote.report.eval`.
"""

from __future__ import annotations

from .decide import decide, find_metric
from .formats import FORMATS, parse_results
from .model import METHOD_TEXT, Condition, EvalResults, GateReport, Metric, MetricDecision, Rule
from .rules import resolve_rules
from .thresholds import ThresholdError, parse_expression, parse_spec

__all__ = [
    "FORMATS",
    "METHOD_TEXT",
    "Condition",
    "EvalResults",
    "GateReport",
    "Metric",
    "MetricDecision",
    "Rule",
    "ThresholdError",
    "decide",
    "find_metric",
    "parse_expression",
    "parse_results",
    "parse_spec",
    "resolve_rules",
]
