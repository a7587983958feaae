"""The ``prometheus_client`` backend: one collector that exposes exactly the health families.

A custom collector rather than ``Counter``/``Histogram`` objects, for two reasons: recording stays a
dict lookup and a few additions under one lock (``labels()`` plus a lock per child costs several
times that, and a call is recorded on the request path), and the exposition holds exactly the
families of docs/health.md (no ``_created`` series, which ``prometheus_client`` adds by default).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, start_http_server
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from ..assignment import Assignment

LABELS = ("model", "version", "env")


class _Series:
    """Cumulative values of one (model, version, env); written under the backend's lock."""

    __slots__ = (
        "buckets",
        "cost_count",
        "cost_sq",
        "cost_sum",
        "errors",
        "graded_n",
        "hallucinations",
        "labels",
        "latency_sum",
        "lock",
        "quality_sq",
        "quality_sum",
        "requests",
        "upper",
    )

    def __init__(self, labels: list[str], upper: tuple[float, ...], lock: threading.Lock) -> None:
        self.labels = labels
        self.upper = upper
        self.lock = lock
        self.requests = self.errors = self.graded_n = self.hallucinations = self.cost_count = 0
        self.latency_sum = self.quality_sum = self.quality_sq = self.cost_sum = self.cost_sq = 0.0
        self.buckets = [0] * (len(upper) + 1)  # per bucket, not cumulative; the last is +Inf only

    def request(self, seconds: float, failed: bool, error_type: str | None) -> None:
        i = bisect_left(self.upper, seconds)  # the first bound >= seconds: "le" is inclusive
        with self.lock:
            self.requests += 1
            if failed:
                self.errors += 1
            self.buckets[i] += 1
            self.latency_sum += seconds

    def cost(self, cents: float, input_tokens: int | None, output_tokens: int | None) -> None:
        with self.lock:
            self.cost_count += 1
            self.cost_sum += cents
            self.cost_sq += cents * cents

    def graded(self, quality: float, hallucinated: bool) -> None:
        with self.lock:
            self.graded_n += 1
            self.quality_sum += quality
            self.quality_sq += quality * quality
            if hallucinated:
                self.hallucinations += 1


class PrometheusBackend(Collector):
    def __init__(self, upper: tuple[float, ...], *, registry: Any = None) -> None:
        self.upper = upper
        self._lock = threading.Lock()
        self._all: list[_Series] = []
        self.registry = REGISTRY if registry is None else registry
        self.registry.register(self)

    def series(self, a: Assignment) -> _Series:
        s = _Series([a.model, a.version, a.env], self.upper, self._lock)
        with self._lock:
            self._all.append(s)
        return s

    def serve(self, port: int, addr: str) -> None:
        start_http_server(port, addr=addr, registry=self.registry)

    def collect(self) -> Iterator[Metric]:
        with self._lock:  # one consistent snapshot: a scrape never sees errors > requests
            rows = [
                (s.labels, s.requests, s.errors, list(s.buckets), s.latency_sum, s.graded_n, s.quality_sum, s.quality_sq,
                 s.hallucinations, s.cost_count, s.cost_sum, s.cost_sq)
                for s in self._all
            ]  # fmt: skip
        requests = CounterMetricFamily("modelpromote_requests", "Requests per version (each attempt of a call).", labels=LABELS)
        errors = CounterMetricFamily("modelpromote_request_errors", "Requests that failed (error or timeout).", labels=LABELS)
        latency = HistogramMetricFamily("modelpromote_request_latency_seconds", "Request latency.", labels=LABELS)
        quality = SummaryMetricFamily("modelpromote_quality_score", "Quality score of graded responses (0..1).", labels=LABELS)
        quality_sq = CounterMetricFamily("modelpromote_quality_score_squares", "Sum of squared quality scores.", labels=LABELS)
        halluc = CounterMetricFamily("modelpromote_hallucinations", "Graded responses that hallucinated.", labels=LABELS)
        cost = SummaryMetricFamily("modelpromote_request_cost_cents", "Cost per request in cents.", labels=LABELS)
        cost_sq = CounterMetricFamily("modelpromote_request_cost_cents_squares", "Sum of squared request costs.", labels=LABELS)
        bounds = [*(repr(float(b)) for b in self.upper), "+Inf"]
        for labels, n, err, per_bucket, lat_sum, graded, q_sum, q_sq, hal, c_n, c_sum, c_sq in rows:
            requests.add_metric(labels, n)
            errors.add_metric(labels, err)
            cumulative, running = [], 0
            for le, k in zip(bounds, per_bucket, strict=True):
                running += k
                cumulative.append((le, running))
            latency.add_metric(labels, cumulative, lat_sum)
            quality.add_metric(labels, graded, q_sum)
            quality_sq.add_metric(labels, q_sq)
            halluc.add_metric(labels, hal)
            cost.add_metric(labels, c_n, c_sum)
            cost_sq.add_metric(labels, c_sq)
        yield from (requests, errors, latency, quality, quality_sq, halluc, cost, cost_sq)
