"""Metrics straight from the runtime: the families ``modelpromote health`` reads, per version.

Optional, and never imported by ``import modelpromote.runtime``: an application that wants it says so::

    from modelpromote.runtime import Runtime
    from modelpromote.runtime.metrics import prometheus_exporter

    rt = Runtime.load("runtime.json")
    metrics = prometheus_exporter(rt, port=9464)        # pip install 'modelpromote[prometheus]'
    answer = rt.call("customer-support", user_id, ask)   # counted: requests, errors, latency
    metrics.record_cost(assignment, cents=0.42)          # inside ask(), or later
    metrics.record_outcome("customer-support", user_id, quality=0.9, hallucinated=False)

Two backends: ``prometheus_client`` (:func:`prometheus_exporter`) and OpenTelemetry metrics with
the GenAI semantic conventions (:func:`otel_exporter`).  Both emit the families of
docs/health.md, labelled ``model``, ``version`` and ``env``; see docs/runtime.md#metrics.

What counts as a request: every attempt ``Runtime.call`` makes on a version (a fallback is a
request to the fallback version, and the failed attempt before it an error of the version that
failed), timed from the start of the attempt to its end.  A version on cooldown is not attempted,
so not counted.  Applications that call the provider themselves after ``route()`` report with
:meth:`Metrics.record_request`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..assignment import Assignment
    from ..router import Runtime

#: Latency buckets (seconds) before the rollback thresholds are added: LLM calls take 0.1 s to a minute.
DEFAULT_BUCKETS: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
#: How many request keys are remembered for :meth:`Metrics.record_outcome` (oldest forgotten first).
DEFAULT_REMEMBER = 100_000


def latency_thresholds_s(rollback: Mapping[str, float]) -> tuple[float, ...]:
    """The latency thresholds (``latency_*_ms``) of a runtime config's ``rollback``, in seconds."""
    return tuple(sorted(v / 1000 for k, v in rollback.items() if k.startswith("latency_") and k.endswith("_ms") and v > 0))


def latency_buckets(thresholds_s: Iterable[float] = (), base: Iterable[float] = DEFAULT_BUCKETS) -> tuple[float, ...]:
    """``base`` plus every threshold, sorted: health counts requests slower than a threshold from
    the bucket whose bound is exactly that threshold."""
    out = sorted({float(b) for b in base} | {float(t) for t in thresholds_s})
    if not out or any(not math.isfinite(b) or b <= 0 for b in out):
        raise ValueError(f"latency buckets must be positive and finite, got {out}")
    return tuple(out)


class Series(Protocol):
    """One (model, version, env)'s instruments in a backend."""

    def request(self, seconds: float, failed: bool, error_type: str | None) -> None: ...

    def cost(self, cents: float, input_tokens: int | None, output_tokens: int | None) -> None: ...

    def graded(self, quality: float, hallucinated: bool) -> None: ...


class Backend(Protocol):
    def series(self, a: Assignment) -> Series: ...


class Metrics:
    """The runtime's metrics hook and the application's API to report cost and graded outcomes.

    Thread-safe.  Built by :func:`prometheus_exporter` or :func:`otel_exporter`; attach it to a
    runtime with ``Runtime(..., recorder=metrics)`` or ``rt.attach(metrics)`` (the helpers do).
    """

    def __init__(self, backend: Backend, *, remember: int = DEFAULT_REMEMBER, buckets: tuple[float, ...] = DEFAULT_BUCKETS) -> None:
        if remember < 0:
            raise ValueError("remember must be >= 0")
        self.backend = backend
        self.buckets = buckets
        self.remember = remember
        self._series: dict[tuple[str, str, str], Series] = {}
        self._keys: dict[tuple[str, str], Assignment] = {}  # insertion order = least recently served first
        self._lock = threading.Lock()
        self.unmatched_outcomes = 0  # record_outcome for a key no longer (or never) remembered

    def _get(self, a: Assignment) -> Series:
        k = (a.model, a.version, a.env)
        s = self._series.get(k)
        if s is None:
            with self._lock:
                s = self._series.get(k)
                if s is None:
                    s = self._series[k] = self.backend.series(a)
        return s

    # -- the runtime's hook (Runtime.call, call_shadow, route) --------------------------------

    def attempted(self, a: Assignment, seconds: float, failed: bool, error_type: str | None = None) -> None:
        """One attempt of ``Runtime.call`` on ``a.version``: a request, maybe an error, its latency."""
        self._get(a).request(seconds, failed, error_type)

    def served(self, a: Assignment, key: str) -> None:
        """``key``'s request went to ``a`` (routed, or answered by a fallback): remembered so that a
        graded outcome reported later by key is counted for the right version."""
        if not self.remember:
            return
        k = (a.model, key)
        with self._lock:
            keys = self._keys
            keys.pop(k, None)  # re-inserting moves it to the newest end
            keys[k] = a
            if len(keys) > self.remember:
                del keys[next(iter(keys))]

    # -- what the application reports -------------------------------------------------------

    def record_request(
        self, a: Assignment, seconds: float, *, error: bool = False, error_type: str | None = None, key: str | None = None
    ) -> None:
        """A request the application made itself with ``route()``'s assignment (not through ``call``)."""
        self.attempted(a, seconds, error, error_type)
        if key is not None and not error:
            self.served(a, key)

    def record_cost(self, a: Assignment, cents: float, *, input_tokens: int | None = None, output_tokens: int | None = None) -> None:
        """What one request to ``a`` cost (cents), and optionally its token counts."""
        if not math.isfinite(cents) or cents < 0:
            raise ValueError(f"cost must be a finite number of cents >= 0, got {cents!r}")
        self._get(a).cost(float(cents), input_tokens, output_tokens)

    def record_graded(self, a: Assignment, *, quality: float, hallucinated: bool = False) -> None:
        """A graded response of ``a``: ``quality`` in 0..1, and whether it hallucinated."""
        if not 0.0 <= quality <= 1.0:
            raise ValueError(f"quality must be in 0..1, got {quality!r}")
        self._get(a).graded(float(quality), bool(hallucinated))

    def record_outcome(self, model: str, key: str, *, quality: float, hallucinated: bool = False) -> bool:
        """A graded response for the request ``key`` of ``model``, reported later (after a review,
        a user's thumbs-down, an LLM judge): counted for the version that served that key.

        False when the key is not remembered (never served by this process, or forgotten after
        ``remember`` newer keys); ``unmatched_outcomes`` counts those.
        """
        a = self._keys.get((model, key))
        if a is None:
            self.unmatched_outcomes += 1
            return False
        self.record_graded(a, quality=quality, hallucinated=hallucinated)
        return True

    def assignment_for(self, model: str, key: str) -> Assignment | None:
        """The assignment ``key`` was last served with, if remembered."""
        return self._keys.get((model, key))


def _thresholds(rt: Runtime | None, latency_thresholds_ms: Iterable[float]) -> tuple[float, ...]:
    out = [t / 1000 for t in latency_thresholds_ms]
    if rt is not None:
        out += latency_thresholds_s(rt.rollback)
    return tuple(out)


def prometheus_exporter(
    rt: Runtime | None = None,
    *,
    port: int | None = None,
    addr: str = "0.0.0.0",
    registry: Any = None,
    latency_thresholds_ms: Iterable[float] = (),
    buckets: Iterable[float] = DEFAULT_BUCKETS,
    remember: int = DEFAULT_REMEMBER,
) -> Metrics:
    """Metrics in a ``prometheus_client`` registry (default: its global ``REGISTRY``), attached to
    ``rt`` when given; with ``port``, also served at ``http://addr:port/metrics``.

    The latency buckets are ``buckets`` plus the latency thresholds of ``rt``'s runtime config
    (its ``rollback`` section) and ``latency_thresholds_ms``; they are fixed from then on (a
    reload that changes a threshold takes effect at the next start of the process).
    """
    from .prometheus import PrometheusBackend

    bounds = latency_buckets(_thresholds(rt, latency_thresholds_ms), buckets)
    backend = PrometheusBackend(bounds, registry=registry)
    metrics = Metrics(backend, remember=remember, buckets=bounds)
    if port is not None:
        backend.serve(port, addr)
    if rt is not None:
        rt.attach(metrics)
    return metrics


def otel_exporter(
    rt: Runtime | None = None,
    *,
    meter_provider: Any = None,
    operation: str = "chat",
    provider_name: str | None = None,
    genai_instruments: bool = True,
    latency_thresholds_ms: Iterable[float] = (),
    buckets: Iterable[float] = DEFAULT_BUCKETS,
    remember: int = DEFAULT_REMEMBER,
) -> Metrics:
    """Metrics as OpenTelemetry instruments (``pip install 'modelpromote[otel]'``), from
    ``meter_provider`` (default: the global one), attached to ``rt`` when given.

    Every instrument carries the GenAI attributes ``gen_ai.operation.name`` (``operation``),
    ``gen_ai.request.model`` (the provider model) and, when given, ``gen_ai.provider.name``; with
    ``genai_instruments`` the standard ``gen_ai.client.operation.duration`` and
    ``gen_ai.client.token.usage`` are recorded as well.  See docs/runtime.md for the mapping.
    """
    from .otel import OtelBackend

    bounds = latency_buckets(_thresholds(rt, latency_thresholds_ms), buckets)
    backend = OtelBackend(bounds, meter_provider=meter_provider, operation=operation, provider_name=provider_name,
                          genai_instruments=genai_instruments)  # fmt: skip
    metrics = Metrics(backend, remember=remember, buckets=bounds)
    if rt is not None:
        rt.attach(metrics)
    return metrics


__all__ = [
    "DEFAULT_BUCKETS",
    "DEFAULT_REMEMBER",
    "Backend",
    "Metrics",
    "Series",
    "latency_buckets",
    "latency_thresholds_s",
    "otel_exporter",
    "prometheus_exporter",
]
