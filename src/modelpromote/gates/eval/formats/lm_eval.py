"""lm-evaluation-harness ``--output_path`` results (``results_<date>.json``, lm-eval 0.4.x).

``results.<task>["<metric>,<filter>"]`` is the value, ``results.<task>["<metric>_stderr,<filter>"]``
its standard error (``"N/A"`` when bootstrapping was off), ``higher_is_better.<task>.<metric>``
the direction and ``n-samples.<task>.effective`` the count (``sample_len`` before 0.4.3).
Aggregated groups (``groups``) are read the same way.  Metric names are ``<task>/<metric>``, with
``,<filter>`` appended unless the filter is ``none``: ``arc_easy/acc``, ``gsm8k/exact_match,strict-match``.
"""

from __future__ import annotations

from typing import Any

from ..model import EvalResults, Metric
from .common import bad, count, number

_FIXED = {"alias", "name", "sample_len", "sample_count", "samples"}


def looks_like(obj: Any) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("results"), dict):
        return False
    markers = {"versions", "n-shot", "higher_is_better", "configs", "n-samples", "group_subtasks", "lm_eval_version"}
    tasks = obj["results"].values()
    return bool(markers & set(obj)) or any(isinstance(t, dict) and any("," in str(k) for k in t) for t in tasks)


def parse(obj: Any, file: str) -> EvalResults:
    results = obj.get("results") if isinstance(obj, dict) else None
    if not isinstance(results, dict):
        raise bad(file, "lm-eval output has no 'results' object", "pass the results_<date>.json that lm_eval --output_path writes")
    hib_all: dict[str, Any] = obj["higher_is_better"] if isinstance(obj.get("higher_is_better"), dict) else {}
    nsamp: dict[str, Any] = obj["n-samples"] if isinstance(obj.get("n-samples"), dict) else {}
    metrics: dict[str, Metric] = {}
    skipped: list[str] = []
    sections = [("results", results)]
    if isinstance(obj.get("groups"), dict):
        sections.append(("groups", obj["groups"]))
    for section, tasks in sections:
        for task, vals in tasks.items():
            if not isinstance(vals, dict) or (section == "groups" and task in results):
                continue
            hib: dict[str, Any] = hib_all[task] if isinstance(hib_all.get(task), dict) else {}
            ns: dict[str, Any] = nsamp[task] if isinstance(nsamp.get(task), dict) else {}
            n = count(ns.get("effective")) or count(ns.get("original")) or count(vals.get("sample_len"))
            for key, raw in vals.items():
                if key in _FIXED or not isinstance(key, str):
                    continue
                metric, _, filt = key.partition(",")
                if metric.endswith("_stderr"):
                    continue
                value = number(raw)
                name = f"{task}/{metric}" + (f",{filt}" if filt and filt != "none" else "")
                if value is None:
                    skipped.append(name)
                    continue
                se = number(vals.get(f"{metric}_stderr,{filt}" if filt else f"{metric}_stderr"))
                direction = hib.get(metric)
                metrics[name] = Metric(name, "score", value, n, None, se if se is not None and se >= 0 else None,
                                       direction is not False, f"{section}.{task}[{key!r}]")
    if not metrics:
        raise bad(file, "lm-eval results hold no numeric metric values")
    notes = [f"{len(skipped)} metric(s) without a numeric value left out: {', '.join(skipped[:5])}"] if skipped else []
    if isinstance(obj.get("model_name"), str):
        notes.append(f"provider model: {obj['model_name']}")
    return EvalResults("lm-eval", metrics, True, tuple(notes))
