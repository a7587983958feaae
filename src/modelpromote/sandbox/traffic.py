"""Synthetic application traffic, as OpenMetrics for Prometheus or as a JSON metrics document.

A :class:`Traffic` profile says how one version behaves during ``[start, end]`` (requests per
minute, error fraction, latency, quality, ...).  Several profiles with the same
model/env/version are *phases* of one series: the counters carry on from one phase to the next
(no reset), so "the error rate jumps to 6 % at 10:45" is two profiles.

Counts are exact, not random: the cumulative errors of a phase at minute k are
``floor(error_rate * requests_k)``, so a test (or the demo) knows what Prometheus will answer, and
:func:`json_metrics` gives the same numbers to the JSON metrics source.

:func:`openmetrics` writes the metric families an application exports (docs/health.md), one
sample per minute, for ``promtool tsdb create-blocks-from openmetrics``: timestamps in seconds,
and the text ends with ``# EOF``, without which promtool refuses it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# A bound at the default p99 threshold (2 s), as runtime.metrics.latency_buckets adds one: health then
# counts the requests slower than the threshold exactly (its order-statistic interval for the p99).
BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Traffic:
    model: str
    env: str
    version: str
    requests_per_min: int = 200
    error_rate: float = 0.001
    graded_fraction: float = 0.5  # share of responses scored for quality and hallucination
    hallucination_rate: float = 0.005
    quality: float = 0.9
    cost_cents: float = 0.8
    latency_s: float = 0.3  # typical latency ...
    slow_fraction: float = 0.005  # ... and this share of requests at tail_s
    tail_s: float = 1.5
    start: int | None = None  # unix seconds; None: the scenario's start
    end: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.model, self.env, self.version)


@dataclass(frozen=True)
class Totals:
    """Cumulative counters of one series at one instant (what the application has exported)."""

    requests: int = 0
    errors: int = 0
    graded: int = 0
    hallucinations: int = 0
    slow: int = 0
    latency_sum: float = 0.0
    quality_sum: float = 0.0
    cost_sum: float = 0.0
    buckets: tuple[int, ...] = (0,) * (len(BUCKETS) + 1)


def _phase_totals(t: Traffic, requests: int) -> Totals:
    slow = math.floor(requests * t.slow_fraction)
    fast = requests - slow
    graded = math.floor(requests * t.graded_fraction)
    buckets = [(fast if t.latency_s <= le else 0) + (slow if t.tail_s <= le else 0) for le in BUCKETS]
    return Totals(
        requests=requests,
        errors=math.floor(requests * t.error_rate),
        graded=graded,
        hallucinations=math.floor(graded * t.hallucination_rate),
        slow=slow,
        latency_sum=fast * t.latency_s + slow * t.tail_s,
        quality_sum=graded * t.quality,
        cost_sum=requests * t.cost_cents,
        buckets=(*buckets, requests),
    )


def _add(a: Totals, b: Totals) -> Totals:
    return Totals(
        a.requests + b.requests,
        a.errors + b.errors,
        a.graded + b.graded,
        a.hallucinations + b.hallucinations,
        a.slow + b.slow,
        a.latency_sum + b.latency_sum,
        a.quality_sum + b.quality_sum,
        a.cost_sum + b.cost_sum,
        tuple(x + y for x, y in zip(a.buckets, b.buckets, strict=True)),
    )


def _minus(a: Totals, b: Totals) -> Totals:
    """What happened between two snapshots of the same counters."""
    return Totals(
        a.requests - b.requests,
        a.errors - b.errors,
        a.graded - b.graded,
        a.hallucinations - b.hallucinations,
        a.slow - b.slow,
        a.latency_sum - b.latency_sum,
        a.quality_sum - b.quality_sum,
        a.cost_sum - b.cost_sum,
        tuple(x - y for x, y in zip(a.buckets, b.buckets, strict=True)),
    )


def _span(t: Traffic, start: int, end: int) -> tuple[int, int]:
    return (t.start if t.start is not None else start, t.end if t.end is not None else end)


def totals_at(phases: Iterable[Traffic], ts: int, start: int, end: int) -> Totals:
    """The series' cumulative counters at ``ts``: every phase contributes what it served by then."""
    out = Totals()
    for t in phases:
        a, b = _span(t, start, end)
        if ts < a:
            continue
        out = _add(out, _phase_totals(t, (min(ts, b) - a) // 60 * t.requests_per_min))
    return out


def _series(traffic: Iterable[Traffic]) -> dict[tuple[str, str, str], list[Traffic]]:
    groups: dict[tuple[str, str, str], list[Traffic]] = {}
    for t in traffic:
        groups.setdefault(t.key, []).append(t)
    return groups


def _timestamps(phases: list[Traffic], start: int, end: int) -> list[int]:
    out: set[int] = set()
    for t in phases:
        a, b = _span(t, start, end)
        out.update(range(a, b + 1, 60))
    return sorted(out)


def _labels(key: tuple[str, str, str], extra: str = "") -> str:
    model, env, version = key
    base = f'model="{model}",version="{version}",env="{env}"'
    return "{" + base + (f",{extra}" if extra else "") + "}"


def openmetrics(traffic: list[Traffic], start: int, end: int, *, since: int | None = None, until: int | None = None) -> str:
    """OpenMetrics text of every series, one sample a minute, within ``(since, until]`` when given.

    ``since``/``until`` let a scenario backfill in instalments (history first, a regression
    later) while the counters stay continuous across them.
    """
    groups = _series(traffic)
    points: dict[tuple[str, str, str], list[tuple[int, Totals]]] = {
        key: [
            (ts, totals_at(phases, ts, start, end))
            for ts in _timestamps(phases, start, end)
            if (since is None or ts > since) and (until is None or ts <= until)
        ]
        for key, phases in groups.items()
    }
    lines: list[str] = []

    def header(name: str, kind: str, help_: str) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} {kind}")

    for name, help_, field in (
        ("modelpromote_requests", "Requests served.", "requests"),
        ("modelpromote_request_errors", "Requests that failed.", "errors"),
        ("modelpromote_hallucinations", "Graded responses judged to hallucinate.", "hallucinations"),
    ):
        header(name, "counter", help_)
        for key, series in points.items():
            lines.extend(f"{name}_total{_labels(key)} {getattr(tot, field)} {ts}" for ts, tot in series)

    name = "modelpromote_request_latency_seconds"
    header(name, "histogram", "Request latency.")
    les = (*(str(b) for b in BUCKETS), "+Inf")
    for key, series in points.items():
        for ts, tot in series:
            for le, n in zip(les, tot.buckets, strict=True):
                lines.append(f"{name}_bucket{_labels(key, f'le={chr(34)}{le}{chr(34)}')} {n} {ts}")
            lines.append(f"{name}_count{_labels(key)} {tot.requests} {ts}")
            lines.append(f"{name}_sum{_labels(key)} {tot.latency_sum:.3f} {ts}")

    for name, help_, count_field, sum_field in (
        ("modelpromote_quality_score", "Quality score of graded responses (0..1).", "graded", "quality_sum"),
        ("modelpromote_request_cost_cents", "Cost per request in cents.", "requests", "cost_sum"),
    ):
        header(name, "summary", help_)
        for key, series in points.items():
            for ts, tot in series:
                lines.append(f"{name}_count{_labels(key)} {getattr(tot, count_field)} {ts}")
                lines.append(f"{name}_sum{_labels(key)} {getattr(tot, sum_field):.4f} {ts}")
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _p99_ms(d: Totals) -> float:
    """p99 from bucket counts, as PromQL's histogram_quantile interpolates it (upper bound of the 99% bucket)."""
    if d.requests == 0:
        return 0.0
    rank = 0.99 * d.requests
    lower, below = 0.0, 0
    for le, n in zip(BUCKETS, d.buckets, strict=False):
        if n >= rank:
            inside = n - below
            return 1000 * (lower + (le - lower) * ((rank - below) / inside if inside else 1.0))
        lower, below = le, n
    return 1000 * BUCKETS[-1]


def json_metrics(traffic: list[Traffic], start: int, end: int, times: Iterable[int], window_s: int) -> dict[str, Any]:
    """The JSON metrics document (docs/health.md): one observation per series and time, over the trailing window.

    Same counters as :func:`openmetrics`, so both sources tell the same story.
    """
    observations: list[dict[str, Any]] = []
    for key, phases in _series(traffic).items():
        for ts in times:
            d = _minus(totals_at(phases, ts, start, end), totals_at(phases, ts - window_s, start, end))
            if d.requests == 0:
                continue
            model, env, version = key
            observations.append(
                {
                    "model": model,
                    "env": env,
                    "version": version,
                    "at": datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "metrics": {
                        "latency_p99_ms": {"value": round(_p99_ms(d), 1), "samples": d.requests},
                        "error_rate": {"events": d.errors, "samples": d.requests},
                        "quality_score": {"value": round(d.quality_sum / d.graded, 4) if d.graded else 0.0, "samples": d.graded},
                        "hallucination_rate": {"events": d.hallucinations, "samples": d.graded},
                        "cost_per_request_cents": {"value": round(d.cost_sum / d.requests, 4), "samples": d.requests},
                    },
                }
            )
    return {"observations": observations}
