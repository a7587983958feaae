"""The runtime's metrics exporter: what a scrape shows after an application's calls, both backends."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from modelpromote.runtime import CallFailed, JsonLinesSink, Runtime
from modelpromote.runtime.metrics import latency_buckets, otel_exporter, prometheus_exporter
from tests.support.paths import ROOT
from tests.support.runtime import config, key_in

# The families health reads (the metric-family contract of docs/health.md), by sample name.
FAMILIES = {
    "modelpromote_requests_total": "counter",
    "modelpromote_request_errors_total": "counter",
    "modelpromote_request_latency_seconds": "histogram",
    "modelpromote_quality_score": "summary",
    "modelpromote_quality_score_squares_total": "counter",
    "modelpromote_hallucinations_total": "counter",
    "modelpromote_request_cost_cents": "summary",
    "modelpromote_request_cost_cents_squares_total": "counter",
}
SUFFIXES = {"counter": ("",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}


def scrape(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(sample name, sorted labels): value} of one scrape, as Prometheus would store it."""
    out = {}
    for fam in text_string_to_metric_families(generate_latest(registry).decode()):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: dict[Any, float], name: str, version: str, **extra: str) -> float:
    want = {"model": "chat", "version": version, "env": "production", **extra}
    return sum(v for (n, labels), v in samples.items() if n == name and all(dict(labels).get(k) == x for k, x in want.items()))


def runtime_with_prometheus(**options: Any) -> tuple[Runtime, Any, CollectorRegistry]:
    cfg = {**config(), "rollback": {"latency_p99_ms": 2000, "error_rate": 0.01, "cost_per_request_cents": 2.0}}
    rt = Runtime(cfg)
    registry = CollectorRegistry()
    return rt, prometheus_exporter(rt, registry=registry, **options), registry


def test_a_scrape_holds_exactly_the_health_families_labelled_per_version() -> None:
    rt, _, registry = runtime_with_prometheus()
    rt.call("chat", "user-1", lambda a: "ok")
    families = {fam.name: fam.type for fam in text_string_to_metric_families(generate_latest(registry).decode())}
    assert {n + ("_total" if t == "counter" else ""): t for n, t in families.items()} == FAMILIES
    names = {n for n, _ in scrape(registry)}
    assert names == {f + sfx for f, t in FAMILIES.items() for sfx in SUFFIXES[t]}  # no _created, nothing else
    assert all(set(dict(labels)) - {"le"} == {"model", "version", "env"} for _, labels in scrape(registry))


def test_calls_count_per_attempt_errors_and_latency_with_threshold_buckets() -> None:
    rt, metrics, registry = runtime_with_prometheus()
    canary, control = key_in(rt, "canary"), key_in(rt, "control")

    def fn(a: Any) -> str:
        if a.version == "chat-v2.0.0":
            raise ConnectionError("provider down")
        return a.version

    assert rt.call("chat", canary, fn) == "chat-v1.0.0"  # the canary failed, its fallback answered
    assert rt.call("chat", control, fn) == "chat-v1.0.0"
    s = scrape(registry)
    assert value(s, "modelpromote_requests_total", "chat-v2.0.0") == 1
    assert value(s, "modelpromote_request_errors_total", "chat-v2.0.0") == 1
    assert value(s, "modelpromote_requests_total", "chat-v1.0.0") == 2
    assert value(s, "modelpromote_request_errors_total", "chat-v1.0.0") == 0
    # The 2000 ms rollback threshold is a bucket bound, so health can count requests slower than it.
    assert metrics.buckets == latency_buckets([2.0]) and 2.0 in metrics.buckets
    assert value(s, "modelpromote_request_latency_seconds_bucket", "chat-v1.0.0", le="2.0") == 2
    assert value(s, "modelpromote_request_latency_seconds_count", "chat-v1.0.0") == 2


def test_a_timeout_is_an_error_of_the_version_that_timed_out() -> None:
    rt, _, registry = runtime_with_prometheus()
    import threading

    gate = threading.Event()

    def slow(a: Any) -> str:
        if a.version == "chat-v1.0.0":
            gate.wait(2)
        return a.version

    assert rt.call("chat", key_in(rt, "control"), slow, timeout=0.05) == "ext-model"
    gate.set()
    s = scrape(registry)
    assert value(s, "modelpromote_request_errors_total", "chat-v1.0.0") == 1
    assert value(s, "modelpromote_request_latency_seconds_bucket", "chat-v1.0.0", le="0.05") == 0
    assert value(s, "modelpromote_request_latency_seconds_bucket", "chat-v1.0.0", le="0.1") == 1


def test_when_every_version_fails_each_attempt_is_an_error() -> None:
    rt, _, registry = runtime_with_prometheus()

    def down(a: Any) -> str:
        raise RuntimeError("down")

    with pytest.raises(CallFailed):
        rt.call("chat", key_in(rt, "canary"), down)
    s = scrape(registry)
    assert [value(s, "modelpromote_request_errors_total", v) for v in ("chat-v2.0.0", "chat-v1.0.0", "ext-model")] == [1, 1, 1]


def test_cost_and_graded_outcomes_later_by_request_key() -> None:
    rt, metrics, registry = runtime_with_prometheus()
    canary = key_in(rt, "canary")

    def fn(a: Any) -> str:
        metrics.record_cost(a, 1.5, input_tokens=900, output_tokens=120)
        return "answer"

    rt.call("chat", canary, fn)
    rt.call("chat", "user-x", fn)
    # Grades arrive later (a reviewer, a judge), by key: counted for the version that served it.
    assert metrics.record_outcome("chat", canary, quality=0.5, hallucinated=True) is True
    assert metrics.record_outcome("chat", "never-served", quality=1.0) is False and metrics.unmatched_outcomes == 1
    s = scrape(registry)
    assert value(s, "modelpromote_quality_score_count", "chat-v2.0.0") == 1
    assert value(s, "modelpromote_quality_score_sum", "chat-v2.0.0") == 0.5
    assert value(s, "modelpromote_quality_score_squares_total", "chat-v2.0.0") == 0.25
    assert value(s, "modelpromote_hallucinations_total", "chat-v2.0.0") == 1
    assert value(s, "modelpromote_request_cost_cents_sum", "chat-v2.0.0") == 1.5
    assert value(s, "modelpromote_request_cost_cents_squares_total", "chat-v2.0.0") == 2.25
    with pytest.raises(ValueError):
        metrics.record_outcome("chat", canary, quality=1.5)
    with pytest.raises(ValueError):
        metrics.record_cost(rt.route("chat", canary), -1)


def test_remembered_keys_are_bounded_oldest_first() -> None:
    rt, metrics, _ = runtime_with_prometheus(remember=100)
    for i in range(1000):
        rt.route("chat", f"user-{i}")  # route() remembers too: apps that call the provider themselves
    rt.route("chat", "user-900")  # served again: now the newest
    for i in range(1000, 1099):
        rt.route("chat", f"user-{i}")
    assert metrics.assignment_for("chat", "user-900") is not None
    assert metrics.assignment_for("chat", "user-901") is None and metrics.assignment_for("chat", "user-0") is None
    assert len(metrics._keys) == 100


def test_a_broken_recorder_never_fails_a_request() -> None:
    class Broken:
        def attempted(self, *a: Any, **k: Any) -> None:
            raise RuntimeError("metrics backend bug")

        def served(self, *a: Any, **k: Any) -> None:
            raise RuntimeError("metrics backend bug")

    rt = Runtime(config(), recorder=Broken())
    assert rt.call("chat", "user-1", lambda a: "fine") == "fine" and rt.route("chat", "u").version
    assert rt.sink_errors == 3


def test_otel_backend_translates_to_the_same_families_with_genai_attributes() -> None:
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider

    registry = CollectorRegistry()
    reader = PrometheusMetricReader(registry=registry, disable_target_info=True, scope_info_enabled=False)
    provider = MeterProvider(metric_readers=[reader])
    rt = Runtime({**config(), "rollback": {"latency_p99_ms": 1500}})
    metrics = otel_exporter(rt, meter_provider=provider, provider_name="anthropic")

    def fn(a: Any) -> str:
        if a.version == "chat-v2.0.0":
            raise TimeoutError("slow")
        metrics.record_cost(a, 0.8, input_tokens=10, output_tokens=3)
        return "ok"

    canary = key_in(rt, "canary")
    rt.call("chat", canary, fn)
    metrics.record_outcome("chat", canary, quality=0.75)
    s = scrape(registry)
    names = {n for n, _ in s}
    ours = {n for n in names if n.startswith("modelpromote_")}
    # The contract's sample names; OTel has no summary, so quality and cost also get one +Inf bucket.
    assert ours == {f + sfx for f, t in FAMILIES.items() for sfx in SUFFIXES[t]} | {
        "modelpromote_quality_score_bucket",
        "modelpromote_request_cost_cents_bucket",
    }
    assert value(s, "modelpromote_request_errors_total", "chat-v2.0.0", error_type="TimeoutError") == 1
    assert value(s, "modelpromote_requests_total", "chat-v1.0.0", gen_ai_request_model="p-0301", gen_ai_provider_name="anthropic") == 1
    assert value(s, "modelpromote_request_latency_seconds_bucket", "chat-v1.0.0", le="1.5") == 1  # the threshold is a bound
    assert value(s, "modelpromote_quality_score_sum", "chat-v1.0.0") == 0.75
    assert value(s, "modelpromote_request_cost_cents_sum", "chat-v1.0.0") == 0.8
    # ... and the GenAI conventions' own instruments.
    assert {"gen_ai_client_operation_duration_seconds_count", "gen_ai_client_token_usage_count"} <= names
    assert value(s, "gen_ai_client_token_usage_sum", "chat-v1.0.0", gen_ai_token_type="input") == 10


def test_importing_the_runtime_does_not_import_the_exporter() -> None:
    code = "import modelpromote.runtime, sys; print(sorted(m for m in sys.modules if 'metrics' in m or m.split('.')[0] in ('prometheus_client', 'opentelemetry')))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"
    # The exporter's own module is stdlib-only too; a backend loads its library when chosen.
    code = "import modelpromote.runtime.metrics, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in ('prometheus_client', 'opentelemetry')))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


# -- event sampling -----------------------------------------------------------------------------


def test_30000_routes_at_rate_001_write_about_300_lines_the_same_keys_every_time() -> None:
    def run() -> list[dict[str, Any]]:
        buf = io.StringIO()
        rt = Runtime(config(), on_event=JsonLinesSink(buf, sample=0.01, flush=False))
        for i in range(30_000):
            rt.route("chat", f"user-{i}")
        return [json.loads(line) for line in buf.getvalue().splitlines()]

    lines = run()
    assert 240 <= len(lines) <= 360, len(lines)
    assert [e["key_hash"] for e in lines] == [e["key_hash"] for e in run()]  # deterministic per key, not random
    # In another process too (no hash(): PYTHONHASHSEED must not matter).
    code = (
        "import io; from modelpromote.runtime import Runtime, JsonLinesSink; from tests.support.runtime import config\n"
        "buf = io.StringIO(); rt = Runtime(config(), on_event=JsonLinesSink(buf, sample=0.01))\n"
        "[rt.route('chat', f'user-{i}') for i in range(30000)]; print(len(buf.getvalue().splitlines()))"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "7", "PATH": ""}, cwd=ROOT
    )
    assert int(r.stdout) == len(lines)


def test_sampling_keeps_every_failure_fallback_and_shadow_decision() -> None:
    buf = io.StringIO()
    rt = Runtime(config(), on_event=JsonLinesSink(buf, sample=0.0, flush=False))
    rt.route("chat", "user-1")
    rt.call("chat", "user-1", lambda a: "ok")
    assert buf.getvalue() == ""  # rate 0: ordinary decisions are dropped ...

    def fail_v2(a: Any) -> str:
        if a.version == "chat-v2.0.0":
            raise RuntimeError("x")
        return "ok"

    rt.call("chat", key_in(rt, "canary"), fail_v2)
    rt.shadow("chat", "user-2")
    kinds = [(e["event"], e["outcome"]) for e in map(json.loads, buf.getvalue().splitlines())]
    assert kinds == [("call", "fallback"), ("shadow", "shadowed")]  # ... these never are
    with pytest.raises(ValueError):
        JsonLinesSink(io.StringIO(), sample=1.5)
