"""Metric sources: PromQL templating that cannot be injected, the JSON document (file and URL), retries."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.errors import InputError, ServiceError
from modelpromote.providers.metrics_json import JsonMetricsSource
from modelpromote.providers.prometheus import DEFAULT_QUERIES, PrometheusSource, prom_duration, render
from tests.support.paths import DATA

AT = datetime(2026, 6, 1, 10, 30, tzinfo=timezone.utc)
NEW, OLD = "claude-3-5-sonnet-v1.3.0", "claude-3-5-sonnet-v1.2.3"
Cli = Callable[..., Result]

# -- PromQL templates -------------------------------------------------------------------------------


def test_default_queries_select_exactly_one_version() -> None:
    q = render(DEFAULT_QUERIES["error_rate"][0], model="support-bot", version=NEW + "_prompt-v4", env="production", window=timedelta(minutes=90))
    assert q == (
        'sum(increase(modelpromote_request_errors_total{model="support-bot",version="claude-3-5-sonnet-v1.3.0_prompt-v4",'
        'env="production"}[1h30m]))'
    )


@given(st.text(min_size=1, max_size=40))
def test_nothing_that_could_close_a_label_string_reaches_promql(value: str) -> None:
    try:
        q = render('x{version="{version}"}', model="m", version=value, env="e", window=timedelta(minutes=5))
    except InputError as exc:
        assert exc.findings[0].code == "MP803"
        return
    inner = q[len('x{version="') : -2]
    assert inner == value
    assert not set(value) & set('"\\{}\n\r\t ')


def test_unknown_placeholder_is_reported() -> None:
    with pytest.raises(InputError) as exc:
        render("up{job='{jobb}'}", model="m", version="v", env="e", window=timedelta(minutes=5))
    assert exc.value.findings[0].code == "MP805" and "{jobb}" in exc.value.findings[0].message


@pytest.mark.parametrize(("d", "text"), [(timedelta(minutes=30), "30m"), (timedelta(hours=24), "1d"), (timedelta(seconds=3661), "1h1m1s")])
def test_window_is_written_from_numbers(d: timedelta, text: str) -> None:
    assert prom_duration(d) == text


def test_source_refuses_a_non_http_url() -> None:
    with pytest.raises(InputError) as exc:
        PrometheusSource("file:///etc/passwd")
    assert exc.value.findings[0].code == "MP806"


# -- a flaky HTTP server: retries, then exit 3 -------------------------------------------------------


class _Flaky(BaseHTTPRequestHandler):
    plan: ClassVar[list[int]] = []  # status per request; 200 answers with a scalar
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        status = type(self).plan.pop(0) if type(self).plan else 200
        body = json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [0, "42"]}})
        if status != 200:
            body = json.dumps({"status": "error", "error": f"status {status}"})
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky() -> Iterator[str]:
    _Flaky.plan, _Flaky.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_5xx_is_retried_then_succeeds(flaky: str) -> None:
    _Flaky.plan = [503, 502]
    src = PrometheusSource(flaky, backoff=0.01)
    assert src.instant("vector(42)", AT) == 42.0
    assert len(_Flaky.seen) == 3
    assert "time=1780309800.000" in _Flaky.seen[-1]  # evaluated at the pinned time, not "now"


def test_persistent_5xx_is_a_service_error(flaky: str) -> None:
    _Flaky.plan = [500, 500, 500]
    with pytest.raises(ServiceError) as exc:
        PrometheusSource(flaky, backoff=0.01).instant("vector(1)", AT)
    assert exc.value.exit_code == 3 and "HTTP 500" in exc.value.findings[0].message


def test_a_rejected_query_is_not_retried(flaky: str) -> None:
    _Flaky.plan = [400]
    with pytest.raises(InputError) as exc:
        PrometheusSource(flaky, backoff=0.01).instant("sum(", AT)
    assert exc.value.findings[0].code == "MP802" and len(_Flaky.seen) == 1


# -- the JSON document ------------------------------------------------------------------------------


def doc(*observations: dict) -> dict:  # type: ignore[type-arg]
    return {"observations": list(observations)}


def obs(version: str, at: str, **metrics: dict) -> dict:  # type: ignore[type-arg]
    return {"model": "support-bot", "env": "production", "version": version, "at": at, "metrics": metrics}


def test_json_latest_observation_inside_the_window_wins(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    p.write_text(
        json.dumps(
            doc(
                obs(NEW, "2026-06-01T09:00:00Z", error_rate={"events": 500, "samples": 1000}),  # older than the window: ignored
                obs(NEW, "2026-06-01T10:20:00Z", error_rate={"events": 1, "samples": 1000}),
                obs(NEW, "2026-06-01T10:10:00Z", error_rate={"events": 50, "samples": 1000}),
                obs(NEW, "2026-06-01T11:00:00Z", error_rate={"events": 900, "samples": 1000}),  # after --at: ignored
            )
        )
    )
    got = JsonMetricsSource(str(p)).observe(
        model="support-bot", env="production", version=NEW, window=timedelta(minutes=30), at=AT, metrics=["error_rate", "latency_p99_ms"]
    )
    assert got["error_rate"].events == 1 and got["error_rate"].samples == 1000
    assert "latency_p99_ms" not in got


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not JSON"),
        ('{"observations": {}}', "'observations' list"),
        (json.dumps(doc(obs(NEW, "yesterday"))), "ISO timestamp"),
        (json.dumps(doc(obs(NEW, "2026-06-01T10:20:00Z", error_rate={"events": 5, "samples": 2}))), "0..samples"),
        (json.dumps(doc(obs(NEW, "2026-06-01T10:20:00Z", latency={"value": 1, "samples": 2}))), "unknown metric"),
    ],
)
def test_json_errors_say_what_is_wrong(tmp_path: Path, content: str, fragment: str) -> None:
    p = tmp_path / "m.json"
    p.write_text(content)
    with pytest.raises(InputError) as exc:
        JsonMetricsSource(str(p)).observe(model="support-bot", env="production", version=NEW, window=timedelta(minutes=30), at=AT, metrics=["error_rate"])
    assert exc.value.findings[0].code == "MP804" and fragment in exc.value.findings[0].message


def _full(version: str, at: str, errors: int, n: int = 2000) -> dict:  # type: ignore[type-arg]
    return obs(
        version,
        at,
        latency_p99_ms={"value": 900, "samples": n},
        error_rate={"events": errors, "samples": n},
        quality_score={"value": 0.9, "samples": n},
        hallucination_rate={"events": 2, "samples": n},
        cost_per_request_cents={"value": 0.7, "samples": n},
    )


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    dst = tmp_path / "manifest.yaml"
    shutil.copy(DATA / "health-registry.yaml", dst)
    return dst


def test_health_from_a_json_file_configured_in_the_manifest(cli: Cli, manifest: Path) -> None:
    (manifest.parent / "metrics.json").write_text(json.dumps(doc(_full(NEW, "2026-06-01T10:29:00Z", 2), _full(OLD, "2026-06-01T10:29:00Z", 3))))
    text = manifest.read_text().replace("    min_samples: 100\n", "    min_samples: 100\n    source: {kind: json, path: metrics.json}\n")
    manifest.write_text(text)
    r = cli("health", "-m", str(manifest), "--model", "support-bot", "--at", "2026-06-01T10:30:00Z", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["source"].startswith("json ") and out["applied"] is True
    assert out["decisions"][0]["action"] == "ADVANCE" and out["decisions"][0]["next_weight"] == 25
    assert "weight: 25" in manifest.read_text()


def test_stale_json_breach_is_ignored(cli: Cli, manifest: Path, tmp_path: Path) -> None:
    p = tmp_path / "metrics.json"
    p.write_text(json.dumps(doc(_full(NEW, "2026-06-01T09:00:00Z", 500))))  # bad, but 90 minutes old
    before = manifest.read_bytes()
    r = cli("health", "-m", str(manifest), "--model", "support-bot", "--metrics-json", str(p), "--at", "2026-06-01T10:30:00Z", "--json")
    out = json.loads(r.stdout)
    assert r.exit_code == 0 and out["decisions"][0]["action"] == "HOLD"
    assert {m["verdict"] for m in out["decisions"][0]["metrics"]} == {"INCONCLUSIVE"}
    assert manifest.read_bytes() == before


def test_no_source_is_a_usage_error_naming_the_fix(cli: Cli, manifest: Path) -> None:
    r = cli("health", "-m", str(manifest), "--at", "2026-06-01T10:30:00Z", env={"MODELPROMOTE_PROMETHEUS_URL": ""})
    assert r.exit_code == 2 and "MP806" in r.stderr and "--prometheus" in r.stderr


def test_nothing_to_check_needs_no_source(cli: Cli, manifest_path: Path) -> None:
    r = cli("health", "-m", str(manifest_path), "--at", "2026-06-01T10:30:00Z")  # the example registry has no canary
    assert r.exit_code == 0 and "nothing to check" in r.stdout


def test_bad_at_is_a_usage_error(cli: Cli, manifest: Path) -> None:
    r = cli("health", "-m", str(manifest), "--at", "tomorrow")
    assert r.exit_code == 2 and "--at" in r.stderr
