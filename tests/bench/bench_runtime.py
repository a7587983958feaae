"""Runtime benchmarks (issue 6).

Targets: ``Runtime.route()`` <= 2 us median in-process (canary split, loaded from a file so the
reload check is included, event sink off), quoted
against a feature-flag client's bucketing measured in the same run: UnleashClient's
``normalized_hash`` (murmur3 via the mmh3 C extension) and LaunchDarkly's documented SHA-1
bucketing (reimplemented here: ``int(sha1(f"{flag}.{salt}.{key}")[:15], 16) / 0xFFFFFFFFFFFFFFF``;
the LaunchDarkly SDK itself needs a client and a data source to call it).  And the cost of
``python -c "import modelpromote.runtime"`` against bare ``python -c pass``, whole process:
<= 30 ms over it (issue 14).  And the metrics exporter (issue 14): recording one call's attempt
<= 5 us (prometheus backend), quoted against a ``prometheus_client`` Counter.inc + Histogram.observe
with labels, measured in the same run; the OpenTelemetry backend, ``Runtime.call`` with and without
the exporter, and ``record_outcome`` for information.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ._util import Row, median_call, median_process

N = 10_000
KEYS = [f"user-{i}" for i in range(N)]

CONFIG = {
    "format": 2,
    "rollback": {"latency_p99_ms": 2000},
    "env": "production",
    "models": {
        "chat": {
            "version": "chat-v2.0.0",
            "settings": {"timeout_ms": 2000},
            "split": {
                "kind": "canary",
                "salt": "chat/production/canary/chat-v2.0.0",
                "arms": [{"arm": "canary", "version": "chat-v2.0.0", "weight": 500}, {"arm": "control", "version": "chat-v1.0.0", "weight": 9500}],
            },
            "fallbacks": {"chat-v2.0.0": ["chat-v1.0.0"]},
            "versions": {"chat-v2.0.0": {"provider_model": "p2"}, "chat-v1.0.0": {"provider_model": "p1"}},
        }
    },
}


def _per_key(fn: Callable[[str], object]) -> float:
    def batch() -> None:
        for k in KEYS:
            fn(k)

    return median_call(batch, repeat=9) / N


def _launchdarkly_bucket(key: str, flag: str = "chat-rollout", salt: str = "abcdef") -> float:
    digest = hashlib.sha1(f"{flag}.{salt}.{key}".encode()).hexdigest()[:15]  # LaunchDarkly's documented scheme
    return int(digest, 16) / 0xFFFFFFFFFFFFFFF


def run() -> list[Row]:
    from modelpromote.runtime import Runtime

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runtime.json"
        path.write_text(json.dumps(CONFIG))
        rt = Runtime.load(path)  # as applications use it: with the reload check on every call
        route = _per_key(lambda k: rt.route("chat", k))
    mem = Runtime(CONFIG)
    in_memory = _per_key(lambda k: mem.route("chat", k))
    ld = _per_key(_launchdarkly_bucket)
    try:
        from UnleashClient.utils import normalized_hash
    except ImportError:
        normalized_hash = None  # type: ignore[assignment]
    if normalized_hash is not None:
        unleash = _per_key(lambda k: normalized_hash(k, "chat-rollout"))
        rows.append(Row("UnleashClient normalized_hash (mmh3, C)", unleash, "us", note="feature-flag baseline"))
    rows.append(Row("LaunchDarkly SHA-1 bucketing (reimplemented)", ld, "us", note="feature-flag baseline"))
    base_name, base = ("UnleashClient normalized_hash", unleash) if normalized_hash is not None else ("LaunchDarkly SHA-1 bucketing", ld)
    rows.append(Row("Runtime.route() canary split, loaded from a file", route, "us", target="<= 2 us", ok=route <= 2e-6,
                    baseline=base_name, ratio=route / base))
    rows.append(Row("Runtime.route() from a dict (no reload check)", in_memory, "us", baseline=base_name, ratio=in_memory / base))
    rows.append(Row("Runtime.route() vs LaunchDarkly bucketing", route, "us", baseline="LaunchDarkly SHA-1 bucketing", ratio=route / ld))

    events: list[object] = []
    rt_ev = Runtime(CONFIG, on_event=events.append)
    with_sink = _per_key(lambda k: rt_ev.route("chat", k))
    rows.append(Row("Runtime.route() with an event callback", with_sink, "us", baseline="route() without", ratio=with_sink / route))

    bare = median_process([sys.executable, "-c", "pass"], repeat=15)
    imp = median_process([sys.executable, "-c", "import modelpromote.runtime"], repeat=15)
    rows.append(Row("python -c pass", bare, "ms", note="process baseline"))
    floor = median_process([sys.executable, "-c", "import json, hashlib, threading, typing"], repeat=15)
    rows.append(Row("python -c 'import json, hashlib, threading, typing'", floor, "ms", baseline="python -c pass", ratio=floor / bare,
                    note="the stdlib the runtime needs"))
    over = imp - bare
    rows.append(Row("python -c 'import modelpromote.runtime'", imp, "ms", target="<= 30 ms over bare", ok=over <= 0.030,
                    baseline="python -c pass", ratio=imp / bare, note=f"+{over * 1e3:.1f} ms"))
    rows += _metrics_rows()
    return rows


def _metrics_rows() -> list[Row]:
    """The exporter's cost per recorded call, against prometheus_client's own instruments."""
    try:
        from prometheus_client import CollectorRegistry, Counter, Histogram
    except ImportError:
        return []
    from modelpromote.runtime import Runtime
    from modelpromote.runtime.metrics import otel_exporter, prometheus_exporter

    rows: list[Row] = []
    rt = Runtime(CONFIG)
    metrics = prometheus_exporter(rt, registry=CollectorRegistry())
    a = rt.route("chat", "user-1")
    n = 20_000

    def per_call(fn: Callable[[], object]) -> float:
        def batch() -> None:
            for _ in range(n):
                fn()

        return median_call(batch, repeat=9) / n

    record = per_call(lambda: metrics.attempted(a, 0.123, False))
    reg = CollectorRegistry()
    c = Counter("bench_requests", "r", ["model", "version", "env"], registry=reg)
    h = Histogram("bench_latency_seconds", "l", ["model", "version", "env"], registry=reg, buckets=metrics.buckets)

    def client() -> None:
        c.labels(a.model, a.version, a.env).inc()
        h.labels(a.model, a.version, a.env).observe(0.123)

    base = per_call(client)
    rows.append(Row("prometheus_client Counter.inc + Histogram.observe with labels", base, "us", note="exporter baseline"))
    rows.append(Row("exporter: record one call's attempt (prometheus backend)", record, "us", target="<= 5 us", ok=record <= 5e-6,
                    baseline="prometheus_client with labels", ratio=record / base))
    outcome = per_call(lambda: metrics.record_outcome("chat", "user-1", quality=0.9))
    rows.append(Row("exporter: record_outcome by request key", outcome, "us", baseline="prometheus_client with labels",
                    ratio=outcome / base))
    plain = Runtime(CONFIG)
    call_plain = per_call(lambda: plain.call("chat", "user-1", lambda a: None, timeout=float("inf")))
    call_metrics = per_call(lambda: rt.call("chat", "user-1", lambda a: None, timeout=float("inf")))
    rows.append(Row("Runtime.call() without the exporter", call_plain, "us", note="call baseline"))
    rows.append(Row("Runtime.call() with the exporter", call_metrics, "us", baseline="call() without", ratio=call_metrics / call_plain,
                    note=f"+{(call_metrics - call_plain) * 1e6:.2f} us per call"))
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    except ImportError:
        return rows
    otel = otel_exporter(meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]))
    otel_record = per_call(lambda: otel.attempted(a, 0.123, False))
    rows.append(Row("exporter: record one call's attempt (OpenTelemetry backend)", otel_record, "us",
                    baseline="prometheus_client with labels", ratio=otel_record / base, note="SDK cost: 2 instruments + GenAI duration"))
    return rows
