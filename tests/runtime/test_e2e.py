"""End to end, with no metrics code in the test: an application process serves traffic through
``Runtime.call`` with the exporter on, a real Prometheus scrapes it every second, and
``modelpromote health --prometheus URL`` advances the good canary and rolls back the bad one.

Time is Prometheus' own: a 1 s scrape interval and a 10 s health window (policies.health.window in
the manifest), so the test waits only until the window holds ten scrapes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import Result

from modelpromote.manifest.load import load_manifest
from tests.support.paths import ROOT
from tests.support.prometheus import binaries, free_port, serve

pytestmark = pytest.mark.slow
Cli = Callable[..., Result]
NEW, OLD = "chat-v2.0.0", "chat-v1.0.0"
WINDOW_S = 10

MANIFEST = """\
schema_version: 1
environments:
  - name: staging
  - name: production
    promote_from: staging
    allow_prerelease: false
    canary: {{steps: [5, 25, 50, 100], interval: 30m}}
models:
  - name: steady-bot      # its canary is healthy: advances
    environments: {{staging: {new}, production: {new}}}
    canary:
      production: {{baseline: {old}, weight: 5, step: 0, started_at: "{started}"}}
  - name: broken-bot      # its canary fails 5 % of requests: rolls back
    environments: {{staging: {new}, production: {new}}}
    canary:
      production: {{baseline: {old}, weight: 5, step: 0, started_at: "{started}"}}
version_history:
  - {{version: {new}, base_model: chat, provider_model: chat-0601, status: stable}}
  - {{version: {old}, base_model: chat, provider_model: chat-0301, status: stable}}
promotions:
  - {{model: steady-bot, env: production, from: {old}, to: {new}, at: "{started}", kind: canary}}
  - {{model: broken-bot, env: production, from: {old}, to: {new}, at: "{started}", kind: canary}}
policies:
  rollback: {{latency_p99_ms: 2000, error_rate: 0.01, quality_score: 0.80, hallucination_rate: 0.05, cost_per_request_cents: 2.0}}
  health: {{window: {window}s, min_samples: 100}}
"""


def query(url: str, promql: str) -> float:
    with urllib.request.urlopen(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": promql}), timeout=5) as resp:
        result = json.loads(resp.read())["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


@pytest.fixture
def app_and_prometheus(tmp_path: Path, cli: Cli) -> Iterator[tuple[Path, str]]:
    binaries()  # skip (or fail under MODELPROMOTE_REQUIRE_PROMETHEUS=1) without Prometheus
    started = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(MANIFEST.format(new=NEW, old=OLD, started=started, window=WINDOW_S))
    runtime = tmp_path / "runtime.json"
    r = cli("export", "--env", "production", "-m", str(manifest), "--out", str(runtime))
    assert r.exit_code == 0, r.output
    port = free_port()
    app = subprocess.Popen(
        # 1500 req/s: the 5 % canary needs ~500 clean requests before health can show its error rate is under 1 %
        [sys.executable, str(ROOT / "tests" / "support" / "runtime_app.py"), str(runtime), str(port), "--broken", f"broken-bot={NEW}:0.05",
         "--rate", "1500", "--seconds", "90"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "ready"
        scrape = (
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1h\n"
            f"scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        )
        (tmp_path / "prom").mkdir()
        with serve(tmp_path / "prom" / "data", tmp_path / "prom", config_text=scrape) as url:
            # Wait for Prometheus' clock: the window must hold a full window of scrapes of the canary.
            deadline = time.monotonic() + 45
            sel = f'modelpromote_requests_total{{model="steady-bot",version="{NEW}"}}'
            while query(url, f"count_over_time({sel}[{WINDOW_S}s])") < WINDOW_S and time.monotonic() < deadline:
                time.sleep(0.5)
            yield manifest, url
    finally:
        app.terminate()
        app.wait(timeout=10)


def test_health_on_live_scraped_metrics_advances_the_good_canary_and_rolls_back_the_bad(
    cli: Cli, app_and_prometheus: tuple[Path, str]
) -> None:
    manifest, url = app_and_prometheus
    r = cli("health", "-m", str(manifest), "--prometheus", url, "--json")
    out = json.loads(r.stdout)
    assert r.exit_code == 1, out  # a rollback happened
    decisions = {d["model"]: d for d in out["decisions"]}
    steady, broken = decisions["steady-bot"], decisions["broken-bot"]
    assert (steady["action"], steady["next_weight"]) == ("ADVANCE", 25), (steady["reasons"], [m["reason"] for m in steady["metrics"]])
    assert {m["verdict"] for m in steady["metrics"]} == {"PASS"}
    assert (broken["action"], broken["restore"]) == ("ROLLBACK", OLD), broken
    err = next(m for m in broken["metrics"] if m["metric"] == "error_rate")
    assert err["verdict"] == "FAIL" and err["samples"] >= 100 and 0.03 < err["events"] / err["samples"] < 0.07
    m = load_manifest(str(manifest)).manifest
    assert m is not None
    steady_bot, broken_bot = m.model("steady-bot"), m.model("broken-bot")
    assert steady_bot is not None and broken_bot is not None
    assert steady_bot.canary["production"].weight == 25
    assert broken_bot.environments["production"] == OLD and "production" not in broken_bot.canary
