"""promptfoo ``eval --output results.json``.

The file is ``{"evalId", "results": {"version": 3, "timestamp", "results": [...], "prompts": [...],
"stats": {"successes", "failures", "errors", "tokenUsage", ...}}, "config", "shareableUrl", ...}``.
``results.stats`` gives the pass rate (errors count as not passing); each row of
``results.results`` has ``success``, ``score`` (0..1) and ``namedScores``, which give the
``score`` metric and one metric per named score.  When several providers were compared, each also
gets ``pass_rate[<provider>]``.
"""

from __future__ import annotations

from typing import Any

from ..model import EvalResults, Metric
from .common import bad, count, number, rate_metric, score_metric


def looks_like(obj: Any) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("results"), dict):
        return False
    inner = obj["results"]
    return (isinstance(inner.get("stats"), dict) and "successes" in inner["stats"]) or (
        isinstance(inner.get("results"), list) and ("evalId" in obj or "config" in obj)
    )


def _provider(row: dict[str, Any]) -> str:
    p = row.get("provider")
    if isinstance(p, dict):
        return str(p.get("label") or p.get("id") or "?")
    return str(p) if p else "?"


def parse(obj: Any, file: str) -> EvalResults:
    inner = obj.get("results") if isinstance(obj, dict) else None
    if not isinstance(inner, dict):
        raise bad(file, "promptfoo output has no 'results' object", "write it with: promptfoo eval --output results.json")
    rows = inner.get("results", [])
    if not isinstance(rows, list):
        raise bad(file, "promptfoo results.results must be a list")
    rows = [r for r in rows if isinstance(r, dict)]
    st = inner.get("stats")
    notes: list[str] = []
    if isinstance(st, dict):
        s, f, e = count(st.get("successes")), count(st.get("failures")), count(st.get("errors", 0))
        if s is None or f is None or e is None:
            raise bad(file, "promptfoo results.stats.successes / failures / errors must be whole numbers")
        source = "results.stats"
    elif rows:
        s = sum(1 for r in rows if r.get("success") is True)
        e = sum(1 for r in rows if r.get("success") is not True and (r.get("error") or r.get("failureReason") == 2))
        f = len(rows) - s - e
        source = "results.results[].success"
    else:
        raise bad(file, "promptfoo output has neither results.stats nor results.results",
                  "write it with: promptfoo eval --output results.json")
    total = s + f + e
    if total == 0:
        raise bad(file, "promptfoo ran no tests (successes + failures + errors = 0)")
    if e:
        notes.append(f"{e} error(s) counted as not passing")
    metrics: dict[str, Metric] = {"pass_rate": rate_metric("pass_rate", s, total, source)}
    scores = [v for v in (number(r.get("score")) for r in rows) if v is not None]
    if scores:
        metrics["score"] = score_metric("score", scores, "results.results[].score")
    named: dict[str, list[float]] = {}
    for r in rows:
        ns = r.get("namedScores")
        if isinstance(ns, dict):
            for k, v in ns.items():
                fv = number(v)
                if fv is not None:
                    named.setdefault(str(k), []).append(fv)
    for k, vals in named.items():
        if k not in metrics:
            metrics[k] = score_metric(k, vals, f"results.results[].namedScores.{k}")
    providers = sorted({_provider(r) for r in rows})
    if len(providers) > 1:
        for p in providers:
            mine = [r for r in rows if _provider(r) == p]
            metrics[f"pass_rate[{p}]"] = rate_metric(f"pass_rate[{p}]", sum(1 for r in mine if r.get("success") is True), len(mine),
                                                     f"results.results[] with provider {p}")
        notes.append(f"{len(providers)} providers compared; pass_rate pools them, pass_rate[<provider>] splits them")
    return EvalResults("promptfoo", metrics, True, tuple(notes))
