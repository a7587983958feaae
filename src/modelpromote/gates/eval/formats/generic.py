"""modelpromote's own results format (what the pytest plugin writes with --eval-report).

::

    {"format": "modelpromote-eval", "version": 1,
     "model": "customer-support", "model_version": "claude-3-5-sonnet-v1.3.0", "env": "production",
     "metrics": {"pass_rate": {"successes": 45, "total": 50},
                 "helpfulness": {"value": 0.82, "stderr": 0.01, "n": 50, "higher_is_better": true}},
     "cases": [{"id": "test_refund[1]", "outcome": "passed", "scores": {"helpfulness": 0.9}}]}

``metrics`` and ``cases`` are both optional (one is needed); metrics computed from cases fill in
whatever ``metrics`` does not state.
"""

from __future__ import annotations

from typing import Any

from ..model import EvalResults, Metric
from .common import bad, count, metrics_from_cases, number

FORMAT_ID = "modelpromote-eval"
OUTCOMES = ("passed", "failed", "error", "skipped")


def looks_like(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    if obj.get("format") == FORMAT_ID:
        return True
    return ("metrics" in obj or "cases" in obj) and not {"results", "eval", "stats"} & set(obj)


def _metric(name: str, spec: Any, file: str) -> Metric:
    where = f"metrics.{name}"
    if number(spec) is not None:
        return Metric(name, "score", float(spec), None, None, None, True, where)
    if not isinstance(spec, dict):
        raise bad(file, f"{where} must be a number or an object with successes/total or value", "see docs/eval.md, 'generic format'")
    hib = spec.get("higher_is_better", True)
    if not isinstance(hib, bool):
        raise bad(file, f"{where}.higher_is_better must be true or false")
    if "successes" in spec or "total" in spec:
        s, n = count(spec.get("successes")), count(spec.get("total"))
        if s is None or n is None or n == 0 or s > n:
            raise bad(file, f"{where}: successes and total must be whole numbers with 0 <= successes <= total and total > 0")
        return Metric(name, "pass_rate", s / n, n, s, None, hib, where)
    value = number(spec.get("value"))
    if value is None:
        raise bad(file, f"{where}.value must be a number")
    se = spec.get("stderr")
    if se is not None and (number(se) is None or se < 0):
        raise bad(file, f"{where}.stderr must be a non-negative number")
    n = spec.get("n")
    if n is not None and count(n) is None:
        raise bad(file, f"{where}.n must be a whole number")
    return Metric(name, "score", value, count(n), None, number(se), hib, where)


def _cases(raw: Any, file: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise bad(file, "cases must be a list")
    out: list[dict[str, Any]] = []
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise bad(file, f"cases[{i}] must be an object")
        outcome = c.get("outcome")
        if outcome is None and isinstance(c.get("passed"), bool):
            outcome = "passed" if c["passed"] else "failed"
        if outcome is not None and outcome not in OUTCOMES:
            raise bad(file, f"cases[{i}].outcome is {outcome!r}; use one of {', '.join(OUTCOMES)}")
        scores = c.get("scores") or {}
        if not isinstance(scores, dict):
            raise bad(file, f"cases[{i}].scores must be an object of metric -> number or true/false")
        out.append({**c, "outcome": outcome, "scores": scores})
    return out


def parse(obj: Any, file: str) -> EvalResults:
    if not isinstance(obj, dict):
        raise bad(file, "generic results must be a JSON object")
    if obj.get("format") == FORMAT_ID and obj.get("version", 1) != 1:
        raise bad(file, f"unsupported {FORMAT_ID} version {obj.get('version')!r}; this modelpromote reads version 1")
    cases = _cases(obj.get("cases", []), file)
    metrics = metrics_from_cases(cases, "cases")
    raw = obj.get("metrics", {})
    if not isinstance(raw, dict):
        raise bad(file, "metrics must be an object of name -> metric")
    for name, spec in raw.items():
        metrics[str(name)] = _metric(str(name), spec, file)
    if not metrics:
        raise bad(file, "the results hold no metrics and no decided cases", "add metrics or cases; see docs/eval.md")
    def s(key: str) -> str | None:
        v = obj.get(key)
        return v if isinstance(v, str) else None
    return EvalResults("generic", metrics, True, (), s("model"), s("model_version") or s("version_id"), s("env"), tuple(cases))
