"""Synthetic traffic as OpenMetrics text, for ``promtool tsdb create-blocks-from openmetrics``.

A :class:`Traffic` profile says how one version behaves (requests per minute, error fraction,
latency, quality, ...).  :func:`openmetrics` turns profiles into the metric families an
application exports (docs/health.md), one sample per minute from ``start`` to ``end``.  Counts are
exact, not random: the cumulative errors at minute k are ``floor(error_rate * requests_k)``, so a
test knows what Prometheus will answer.  Timestamps are in seconds, as OpenMetrics wants, and the
text ends with ``# EOF``, without which promtool refuses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


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


def _labels(t: Traffic, extra: str = "") -> str:
    base = f'model="{t.model}",version="{t.version}",env="{t.env}"'
    return "{" + base + (f",{extra}" if extra else "") + "}"


def _bucket_counts(t: Traffic, requests: int) -> list[int]:
    """Cumulative counts per bucket (and +Inf) for ``requests`` requests so far."""
    slow = math.floor(requests * t.slow_fraction)
    fast = requests - slow
    out = []
    for le in BUCKETS:
        out.append((fast if t.latency_s <= le else 0) + (slow if t.tail_s <= le else 0))
    out.append(requests)
    return out


def _minutes(t: Traffic, start: int, end: int) -> list[tuple[int, int]]:
    """(timestamp, cumulative requests) per minute of the profile's life."""
    a = t.start if t.start is not None else start
    b = t.end if t.end is not None else end
    return [(ts, (ts - a) // 60 * t.requests_per_min) for ts in range(a, b + 1, 60)]


def openmetrics(traffic: list[Traffic], start: int, end: int) -> str:
    lines: list[str] = []

    def counter(name: str, help_: str, value_of: object) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} counter")
        for t in traffic:
            for ts, req in _minutes(t, start, end):
                lines.append(f"{name}_total{_labels(t)} {value_of(t, req)} {ts}")  # type: ignore[operator]

    def graded(t: Traffic, req: int) -> int:
        return math.floor(req * t.graded_fraction)

    counter("modelpromote_requests", "Requests served.", lambda t, req: req)
    counter("modelpromote_request_errors", "Requests that failed.", lambda t, req: math.floor(req * t.error_rate))
    counter("modelpromote_hallucinations", "Graded responses judged to hallucinate.", lambda t, req: math.floor(graded(t, req) * t.hallucination_rate))

    name = "modelpromote_request_latency_seconds"
    lines += [f"# HELP {name} Request latency.", f"# TYPE {name} histogram"]
    for t in traffic:
        for ts, req in _minutes(t, start, end):
            for le, n in zip((*(str(b) for b in BUCKETS), "+Inf"), _bucket_counts(t, req), strict=True):
                lines.append(f'{name}_bucket{_labels(t, f"le={chr(34)}{le}{chr(34)}")} {n} {ts}')
            slow = math.floor(req * t.slow_fraction)
            lines.append(f"{name}_count{_labels(t)} {req} {ts}")
            lines.append(f"{name}_sum{_labels(t)} {(req - slow) * t.latency_s + slow * t.tail_s:.3f} {ts}")

    for name, help_, per in (
        ("modelpromote_quality_score", "Quality score of graded responses (0..1).", "quality"),
        ("modelpromote_request_cost_cents", "Cost per request in cents.", "cost_cents"),
    ):
        lines += [f"# HELP {name} {help_}", f"# TYPE {name} summary"]
        for t in traffic:
            for ts, req in _minutes(t, start, end):
                n = graded(t, req) if per == "quality" else req
                lines.append(f"{name}_count{_labels(t)} {n} {ts}")
                lines.append(f"{name}_sum{_labels(t)} {n * getattr(t, per):.4f} {ts}")
    lines.append("# EOF")
    return "\n".join(lines) + "\n"
