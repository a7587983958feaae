"""`modelpromote health` against a real Prometheus, backfilled with promtool.

One server per module holds the traffic of three canaries that started at 10:00 at 5 %:
support-bot is healthy, erroring-bot's new version fails 5 % of requests, quiet-bot's new version
saw one request a minute.  Every run pins the evaluation time with --at, so the answers are
exact.  Without the binaries these tests skip, or fail under MODELPROMOTE_REQUIRE_PROMETHEUS=1.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import Result

from modelpromote.manifest.load import load_manifest
from tests.support.openmetrics import Traffic, openmetrics
from tests.support.paths import DATA
from tests.support.prometheus import free_port, prometheus_with

T0 = int(datetime(2026, 6, 1, 10, 0, tzinfo=timezone.utc).timestamp())
NEW, OLD = "claude-3-5-sonnet-v1.3.0", "claude-3-5-sonnet-v1.2.3"
Cli = Callable[..., Result]


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    traffic = [Traffic(m, "production", OLD, requests_per_min=400) for m in ("support-bot", "erroring-bot", "quiet-bot")]
    traffic += [
        Traffic("support-bot", "production", NEW),
        Traffic("erroring-bot", "production", NEW, error_rate=0.05),
        Traffic("quiet-bot", "production", NEW, requests_per_min=1),
    ]
    with prometheus_with(openmetrics(traffic, T0 - 3600, T0 + 3 * 3600), tmp_path_factory.mktemp("prom")) as url:
        yield url


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    dst = tmp_path / "manifest.yaml"
    shutil.copy(DATA / "health-registry.yaml", dst)
    return dst


def health(cli: Cli, manifest: Path, url: str, at: str, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = cli("health", "-m", str(manifest), "--prometheus", url, "--at", at, "--json", *args)
    return r.exit_code, json.loads(r.stdout)


def only(out: dict, model: str) -> dict:  # type: ignore[type-arg]
    (d,) = [d for d in out["decisions"] if d["model"] == model]
    return d  # type: ignore[no-any-return]


def test_healthy_canary_advances_through_every_step_to_100(cli: Cli, manifest: Path, prom: str) -> None:
    seen, samples = [], []
    for at in ("2026-06-01T10:30:00Z", "2026-06-01T10:45:00Z", "2026-06-01T11:00:00Z", "2026-06-01T11:30:00Z"):
        code, out = health(cli, manifest, prom, at, "--model", "support-bot")
        assert code == 0
        d = only(out, "support-bot")
        m = load_manifest(str(manifest)).manifest
        assert m is not None
        bot = m.model("support-bot")
        assert bot is not None
        state = bot.canary.get("production")
        seen.append((d["action"], d["next_weight"], state.weight if state else None))
        assert {r["verdict"] for r in d["metrics"]} == {"PASS"}, [r["reason"] for r in d["metrics"]]
        samples.append(only(out, "support-bot")["metrics"][1]["samples"])
        assert only(out, "support-bot")["metrics"][0]["method"] == "histogram"  # the p99 from the histogram's buckets
    # 200 requests/min since the step began (evidence accumulates over runs): 30m, 15m, 30m, 30m
    assert samples == [6000, 3000, 6000, 6000]
    assert seen == [("ADVANCE", 25, 25), ("HOLD", None, 25), ("ADVANCE", 50, 50), ("ADVANCE", 100, None)]
    m = load_manifest(str(manifest)).manifest
    assert m is not None
    assert m.model("support-bot").environments["production"] == NEW  # type: ignore[union-attr]
    last = m.promotions[-1] if m.promotions[-1].model == "support-bot" else None
    assert [p.kind for p in m.promotions if p.model == "support-bot"][-1] == "complete"
    assert last is None or last.to == NEW
    # Once complete it is watched as a recent promotion: healthy, nothing to move, file unchanged.
    before = manifest.read_bytes()
    code, out = health(cli, manifest, prom, "2026-06-01T11:40:00Z", "--model", "support-bot")
    assert (code, only(out, "support-bot")["kind"], only(out, "support-bot")["action"]) == (0, "promotion", "ADVANCE"), [
        r["reason"] for r in only(out, "support-bot")["metrics"]
    ]
    assert manifest.read_bytes() == before


def test_canary_at_5_percent_errors_rolls_back(cli: Cli, manifest: Path, prom: str) -> None:
    code, out = health(cli, manifest, prom, "2026-06-01T10:30:00Z", "--model", "erroring-bot")
    assert code == 1
    d = only(out, "erroring-bot")
    assert (d["action"], d["restore"]) == ("ROLLBACK", OLD)
    err = next(r for r in d["metrics"] if r["metric"] == "error_rate")
    assert (err["verdict"], err["events"], err["samples"]) == ("FAIL", 300, 6000)
    assert err["low"] > 0.01 and err["baseline_value"] < 0.01
    m = load_manifest(str(manifest)).manifest
    assert m is not None
    bot = m.model("erroring-bot")
    assert bot is not None
    assert bot.environments["production"] == OLD and "production" not in bot.canary
    assert bot.hold is not None
    assert [(f.model, f.version, f.gate) for f in m.failures] == [("erroring-bot", NEW, "health")]
    # The next run does not touch the rollback.
    before = manifest.read_bytes()
    code, out = health(cli, manifest, prom, "2026-06-01T10:40:00Z", "--model", "erroring-bot")
    assert code == 0 and out["decisions"] == [] and "rollback" in out["skipped"][0]["reason"]
    assert manifest.read_bytes() == before


def test_canary_with_30_requests_holds(cli: Cli, manifest: Path, prom: str) -> None:
    before = manifest.read_bytes()
    code, out = health(cli, manifest, prom, "2026-06-01T10:30:00Z", "--model", "quiet-bot")
    assert code == 0
    d = only(out, "quiet-bot")
    assert d["action"] == "HOLD"
    assert [(r["verdict"], r["samples"]) for r in d["metrics"] if r["metric"] in ("error_rate", "latency_p99_ms")] == [
        ("INCONCLUSIVE", 30),
        ("INCONCLUSIVE", 30),
    ]
    assert manifest.read_bytes() == before


def test_dry_run_prints_the_decisions_and_changes_nothing(cli: Cli, manifest: Path, prom: str) -> None:
    before = manifest.read_bytes()
    r = cli("health", "-m", str(manifest), "--prometheus", prom, "--at", "2026-06-01T10:30:00Z", "--dry-run")
    assert r.exit_code == 1  # erroring-bot would roll back
    assert "support-bot/production: canary 5%" in r.stdout and "ADVANCE -> 25%" in r.stdout
    assert f"ROLLBACK -> {OLD}" in r.stdout and "dry run: nothing changed" in r.stdout
    assert manifest.read_bytes() == before


def test_prometheus_down_exits_3_and_changes_nothing(cli: Cli, manifest: Path) -> None:
    before = manifest.read_bytes()
    r = cli("health", "-m", str(manifest), "--prometheus", f"http://127.0.0.1:{free_port()}", "--at", "2026-06-01T10:30:00Z")
    assert r.exit_code == 3
    assert "MP801" in r.stderr and "failed after 3 attempt(s)" in r.stderr
    assert manifest.read_bytes() == before


def test_prometheus_stopped_after_start_exits_3(cli: Cli, manifest: Path, tmp_path: Path) -> None:
    with prometheus_with(openmetrics([Traffic("support-bot", "production", NEW)], T0, T0 + 3600), tmp_path) as url:
        pass  # now it is gone again
    before = manifest.read_bytes()
    r = cli("health", "-m", str(manifest), "--prometheus", url, "--at", "2026-06-01T10:30:00Z", "--json")
    assert r.exit_code == 3 and json.loads(r.stdout)["findings"][0]["code"] == "MP801"
    assert manifest.read_bytes() == before


def test_query_prometheus_rejects_is_a_usage_error(cli: Cli, manifest: Path, prom: str) -> None:
    text = manifest.read_text().replace("    min_samples: 100\n", "    min_samples: 100\n    metrics:\n      cost_per_request_cents: {query: 'sum(rate(x[{window}]'}\n")
    manifest.write_text(text)
    r = cli("health", "-m", str(manifest), "--prometheus", prom, "--at", "2026-06-01T10:30:00Z")
    assert r.exit_code == 2
    assert "MP802" in r.stderr


def test_query_overrides_are_used(cli: Cli, manifest: Path, prom: str) -> None:
    # Latency measured as the p50 instead: same data, a different number.
    p50 = "1000 * histogram_quantile(0.5, sum by (le) (increase(modelpromote_request_latency_seconds_bucket{model=\"{model}\",version=\"{version}\",env=\"{env}\"}[{window}])))"
    text = manifest.read_text().replace("    min_samples: 100\n", f"    min_samples: 100\n    metrics:\n      latency_p99_ms: {{query: '{p50}'}}\n")
    manifest.write_text(text)
    code, out = health(cli, manifest, prom, "2026-06-01T10:30:00Z", "--model", "support-bot", "--dry-run")
    lat = next(r for r in only(out, "support-bot")["metrics"] if r["metric"] == "latency_p99_ms")
    assert code == 0 and 250 < lat["value"] < 400  # p50 interpolated in the 0.25..0.5 s bucket; the p99 is ~499 ms
