"""Health benchmarks: the pure decision per target, and a whole `health --dry-run` against Prometheus.

Baselines measured in the same run: the article's ``should_rollback`` (five bare comparisons) for
the decision, and ``modelpromote validate`` on the same manifest (process start + load) for the
whole run, so the ratio shows what reading 66 PromQL answers (10 per version and its histogram buckets) and deciding adds.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from modelpromote.gates.health import Observation, Rules, decide
from modelpromote.manifest.schema import Policies
from modelpromote.policy.watch import Target
from modelpromote.sandbox.prometheus import prometheus_with
from modelpromote.sandbox.traffic import Traffic, openmetrics

from ._util import ROOT, Row, median_call, median_process, tool

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def _article_should_rollback(metrics: dict[str, float], thresholds: dict[str, float]) -> bool:
    checks = [
        metrics.get("latency_p99_ms", 0) > thresholds.get("latency_p99_ms", 2000),
        metrics.get("error_rate", 0) > thresholds.get("error_rate", 0.01),
        metrics.get("quality_score", 1.0) < thresholds.get("quality_score", 0.80),
        metrics.get("hallucination_rate", 0) > thresholds.get("hallucination_rate", 0.05),
        metrics.get("cost_per_request_cents", 0) > thresholds.get("cost_per_request_cents", 2.0),
    ]
    return sum(checks) >= 2


def _decision_rows() -> list[Row]:
    rules = Rules.from_policies(Policies())
    t = Target("m", "production", "canary", "a-v1.0.0", "a-v0.9.0", 5, NOW - timedelta(hours=1), (5, 25, 50, 100), timedelta(minutes=30))
    obs = {
        "latency_p99_ms": Observation(800.0, 5000),
        "error_rate": Observation.rate(5, 5000),
        "quality_score": Observation(0.9, 2500),
        "hallucination_rate": Observation.rate(10, 2500),
        "cost_per_request_cents": Observation(0.8, 5000),
    }
    flat = {k: float(v.value or 0) for k, v in obs.items()}
    base = median_call(lambda: _article_should_rollback(flat, {}), repeat=7, number=20000)
    ours = median_call(lambda: decide(t, obs, obs, rules, NOW), repeat=7, number=2000)
    return [
        Row("article should_rollback (baseline)", base, "us"),
        Row("decide(): 5 metrics, confidence sequences, baseline", ours, "us", target="<= 1 ms", ok=ours <= 1e-3,
            baseline="article should_rollback", ratio=ours / base),
    ]


def _process_rows() -> list[Row]:
    if not (shutil.which("prometheus") and shutil.which("promtool")):
        return [Row("health --dry-run vs Prometheus", 0.0, "s", note="skipped: prometheus/promtool not installed")]
    new, old = "claude-3-5-sonnet-v1.3.0", "claude-3-5-sonnet-v1.2.3"
    t0 = int(datetime(2026, 6, 1, 10, tzinfo=timezone.utc).timestamp())
    traffic = [Traffic(m, "production", v) for m in ("support-bot", "erroring-bot", "quiet-bot") for v in (new, old)]
    mp = tool("modelpromote")
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        manifest = work / "manifest.yaml"
        shutil.copy(ROOT / "tests" / "data" / "health-registry.yaml", manifest)
        with prometheus_with(openmetrics(traffic, t0 - 3600, t0 + 3600), work) as url:
            validate = median_process([mp, "validate", str(manifest)], repeat=7)
            health = median_process(
                [mp, "health", "-m", str(manifest), "--prometheus", url, "--at", "2026-06-01T10:30:00Z", "--dry-run"], repeat=7
            )
    return [
        Row("modelpromote validate (process baseline)", validate, "ms"),
        Row("health --dry-run: 3 canaries, 66 PromQL queries", health, "ms", target="<= 2 s", ok=health <= 2.0,
            baseline="validate, same manifest", ratio=health / validate),
    ]


def run() -> list[Row]:
    return _decision_rows() + _process_rows()
