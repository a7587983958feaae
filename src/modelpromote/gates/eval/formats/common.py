"""Shared by the format readers: JSON with located syntax errors, number checks, metric helpers."""

from __future__ import annotations

import json
import math
from typing import Any

from ....errors import Finding, InputError
from .. import stats
from ..model import Metric

EXPECTED = (
    "modelpromote generic JSON ({\"format\": \"modelpromote-eval\", ...}), JUnit XML (<testsuites>/<testsuite>), "
    "promptfoo --output JSON (results.stats), lm-evaluation-harness results JSON (results.<task>[\"metric,filter\"]), "
    "or an inspect_ai log (.json EvalLog, or .eval archive)"
)


def bad(file: str, message: str, hint: str | None = None, code: str = "MP503",
        line: int | None = None, col: int | None = None) -> InputError:
    return InputError(Finding(code, message, file, line, col, hint))


def decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad(file, f"not UTF-8 text (byte {exc.start})", "save the results as UTF-8", code="MP502") from None


MAX_COUNT = 10**12  # samples, tests, events: more than any eval or metrics window ever holds
MAX_INT_DIGITS = 30  # int() of a 5000-digit string is slow (and refused by Python past 4300 digits)
MAX_DEPTH = 64  # nesting of results and metrics documents


class StrictJSONError(ValueError):
    """A JSON document that parses but that modelpromote refuses (duplicate key, huge number, NaN)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise StrictJSONError(f"duplicate key {k[:60]!r}: which one counts is ambiguous")
        out[k] = v
    return out


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise StrictJSONError(f"a {len(text)}-digit integer ({text[:12]}...): no count or score is that large")
    return int(text)


def _float(text: str) -> float:
    f = float(text)
    if not math.isfinite(f):
        raise StrictJSONError(f"number {text[:30]} is out of range")
    return f


def _constant(name: str) -> float:
    raise StrictJSONError(f"{name} is not a number JSON allows; write null for a missing value")


def _too_deep(data: Any) -> bool:
    """Nested deeper than :data:`MAX_DEPTH` (checked without recursion, so it cannot overflow itself)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return False


def loads_strict(text: str) -> Any:
    """``json.loads`` that refuses duplicate keys, NaN/Infinity, out-of-range numbers, huge integers and
    deep nesting (StrictJSONError, or json.JSONDecodeError for syntax)."""
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise StrictJSONError(f"nested more than {MAX_DEPTH} levels deep") from None
    if _too_deep(data):
        raise StrictJSONError(f"nested more than {MAX_DEPTH} levels deep")
    return data


def load_json(text: str, file: str, what: str) -> Any:
    """Parse JSON; a syntax error (say, a truncated file) names the line and column."""
    try:
        return loads_strict(text)
    except StrictJSONError as exc:
        raise bad(file, f"{what}: {exc}", "fix the tool that wrote it, or the file", code="MP502") from None
    except json.JSONDecodeError as exc:
        tail = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise bad(file, f"{what}: JSON syntax error: {exc.msg}{tail}", "regenerate the file; it is not valid JSON",
                  code="MP502", line=exc.lineno, col=exc.colno) from None
    except RecursionError:
        raise bad(file, f"{what}: JSON nested too deeply", code="MP502") from None


def number(x: Any) -> float | None:
    """A finite number, or None for anything else (lm-eval writes "N/A" for a missing stderr)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def count(x: Any) -> int | None:
    """A non-negative whole number no larger than :data:`MAX_COUNT` (1e300 samples is a broken file)."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int) and 0 <= x <= MAX_COUNT:
        return x
    if isinstance(x, float) and x.is_integer() and 0 <= x <= MAX_COUNT:
        return int(x)
    return None


def rate_metric(name: str, successes: int, n: int, source: str) -> Metric:
    return Metric(name, "pass_rate", successes / n if n else 0.0, n, successes, None, True, source)


def score_metric(name: str, values: list[float], source: str, higher_is_better: bool = True) -> Metric:
    mean, se = stats.mean_and_stderr(values)
    return Metric(name, "score", mean, len(values), None, se, higher_is_better, source)


def metrics_from_cases(cases: list[dict[str, Any]], source: str) -> dict[str, Metric]:
    """pass_rate from each case's outcome; each named score: booleans -> a pass rate, numbers -> a mean."""
    out: dict[str, Metric] = {}
    decided = [c for c in cases if c.get("outcome") in ("passed", "failed", "error")]
    if decided:
        passed = sum(1 for c in decided if c["outcome"] == "passed")
        out["pass_rate"] = rate_metric("pass_rate", passed, len(decided), source)
    named: dict[str, list[Any]] = {}
    for c in cases:
        for k, v in (c.get("scores") or {}).items():
            named.setdefault(k, []).append(v)
    for k, vals in named.items():
        if k in out:
            continue
        if all(isinstance(v, bool) for v in vals):
            out[k] = rate_metric(k, sum(1 for v in vals if v), len(vals), source)
        else:
            nums = [f for f in (number(v) for v in vals) if f is not None]
            if nums:
                out[k] = score_metric(k, nums, source)
    return out
