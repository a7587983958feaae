"""The OpenTelemetry backend: the health families as OTel instruments, with GenAI attributes.

Instrument names are chosen so that OTel's Prometheus translation (the SDK's Prometheus reader,
or the Collector's ``prometheus``/``prometheusremotewrite`` exporters) gives exactly the families
``modelpromote health`` queries: ``modelpromote.requests`` -> ``modelpromote_requests_total``,
``modelpromote.request.latency`` (unit ``s``) -> ``modelpromote_request_latency_seconds``, ...  The
dimensionless ones carry their suffix in the name and an empty unit, so no unit suffix is added.
OTel has no summary: the quality and cost distributions are histograms with no bucket bounds
(their ``_sum``/``_count`` are what health reads; the single ``+Inf`` bucket is harmless).

GenAI semantic conventions, where they apply: each series carries ``gen_ai.operation.name``,
``gen_ai.request.model`` (the provider model) and ``gen_ai.provider.name`` when given; failed
requests ``error.type``.  With ``genai_instruments`` the standard client instruments
``gen_ai.client.operation.duration`` (s) and ``gen_ai.client.token.usage`` ({token}, with
``gen_ai.token.type`` input/output) are recorded too, for dashboards built on the conventions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import metrics as otel_metrics

if TYPE_CHECKING:
    from ..assignment import Assignment

#: The conventions' recommended bucket bounds for gen_ai.client.operation.duration (seconds) ...
GENAI_DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
#: ... and for gen_ai.client.token.usage.
GENAI_TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)


class _Series:
    __slots__ = ("attrs", "backend", "errors_by_type", "input_attrs", "output_attrs")

    def __init__(self, backend: OtelBackend, attrs: dict[str, str]) -> None:
        self.backend = backend
        self.attrs = attrs
        self.input_attrs = {**attrs, "gen_ai.token.type": "input"}
        self.output_attrs = {**attrs, "gen_ai.token.type": "output"}
        self.errors_by_type: dict[str, dict[str, str]] = {}
        backend.errors.add(0, attrs)  # the error series exists (at 0) from the first request on

    def request(self, seconds: float, failed: bool, error_type: str | None) -> None:
        b = self.backend
        attrs = self.attrs
        b.requests.add(1, attrs)
        b.latency.record(seconds, attrs)
        if failed:
            kind = error_type or "_OTHER"
            err_attrs = self.errors_by_type.get(kind)
            if err_attrs is None:
                err_attrs = self.errors_by_type.setdefault(kind, {**attrs, "error.type": kind})
            b.errors.add(1, err_attrs)
            if b.duration is not None:
                b.duration.record(seconds, err_attrs)
        elif b.duration is not None:
            b.duration.record(seconds, attrs)

    def cost(self, cents: float, input_tokens: int | None, output_tokens: int | None) -> None:
        b = self.backend
        b.cost.record(cents, self.attrs)
        b.cost_sq.add(cents * cents, self.attrs)
        if b.tokens is not None:
            if input_tokens is not None:
                b.tokens.record(input_tokens, self.input_attrs)
            if output_tokens is not None:
                b.tokens.record(output_tokens, self.output_attrs)

    def graded(self, quality: float, hallucinated: bool) -> None:
        b = self.backend
        b.quality.record(quality, self.attrs)
        b.quality_sq.add(quality * quality, self.attrs)
        # Always add (0 when it did not hallucinate) so the series exists from the first grade on.
        b.hallucinations.add(1 if hallucinated else 0, self.attrs)


class OtelBackend:
    def __init__(
        self,
        upper: tuple[float, ...],
        *,
        meter_provider: Any = None,
        operation: str = "chat",
        provider_name: str | None = None,
        genai_instruments: bool = True,
    ) -> None:
        from ... import __version__

        meter = (meter_provider or otel_metrics.get_meter_provider()).get_meter("modelpromote", __version__)
        self.operation = operation
        self.provider_name = provider_name
        self.requests = meter.create_counter("modelpromote.requests", "", "Requests per version (each attempt of a call).")
        self.errors = meter.create_counter("modelpromote.request.errors", "", "Requests that failed (error or timeout).")
        self.latency = meter.create_histogram(
            "modelpromote.request.latency", "s", "Request latency.", explicit_bucket_boundaries_advisory=list(upper)
        )
        self.quality = meter.create_histogram(
            "modelpromote.quality_score", "", "Quality score of graded responses (0..1).", explicit_bucket_boundaries_advisory=[]
        )
        self.quality_sq = meter.create_counter("modelpromote.quality_score_squares", "", "Sum of squared quality scores.")
        self.hallucinations = meter.create_counter("modelpromote.hallucinations", "", "Graded responses that hallucinated.")
        self.cost = meter.create_histogram(
            "modelpromote.request.cost_cents", "", "Cost per request in cents.", explicit_bucket_boundaries_advisory=[]
        )
        self.cost_sq = meter.create_counter("modelpromote.request.cost_cents_squares", "", "Sum of squared request costs.")
        self.duration = (
            meter.create_histogram("gen_ai.client.operation.duration", "s", "GenAI operation duration.",
                                   explicit_bucket_boundaries_advisory=list(GENAI_DURATION_BUCKETS))
            if genai_instruments else None
        )  # fmt: skip
        self.tokens = (
            meter.create_histogram("gen_ai.client.token.usage", "{token}", "Number of input and output tokens used.",
                                   explicit_bucket_boundaries_advisory=list(GENAI_TOKEN_BUCKETS))
            if genai_instruments else None
        )  # fmt: skip

    def series(self, a: Assignment) -> _Series:
        attrs = {"model": a.model, "version": a.version, "env": a.env, "gen_ai.operation.name": self.operation}
        if a.provider_model:
            attrs["gen_ai.request.model"] = a.provider_model
        if self.provider_name:
            attrs["gen_ai.provider.name"] = self.provider_name
        return _Series(self, attrs)
