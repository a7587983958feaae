"""`modelpromote experiment`: the treatment arm against the control arm; health judges an experiment against its control."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result

from modelpromote.gates.experiment import compare
from modelpromote.gates.health import Observation
from modelpromote.report.experiment import render_markdown

AT = "2026-06-01T12:00:00Z"
T, C = "bot-v2.0.0", "bot-v1.0.0"
MANIFEST = f"""schema_version: 1
environments:
  - name: staging
  - name: production
    promote_from: staging
models:
  - name: bot
    environments: {{staging: {T}, production: {C}}}
    experiments:
      staging: {{control: {C}, weight: 50, started_at: "2026-06-01T10:00:00Z"}}
  - name: plain
    environments: {{staging: {C}}}
version_history:
  - {{version: {T}, base_model: bot, status: stable}}
  - {{version: {C}, base_model: bot, status: stable}}
promotions:
  - {{model: bot, env: staging, from: null, to: {C}, at: "2026-05-01T09:00:00Z"}}
  - {{model: bot, env: staging, from: {C}, to: {T}, at: "2026-06-01T10:00:00Z"}}
"""
THRESHOLDS = {"latency_p99_ms": 2000.0, "error_rate": 0.01, "quality_score": 0.8, "hallucination_rate": 0.05, "cost_per_request_cents": 2.0}


def arm(n: int, errors: int, quality: float, cost: float = 0.8) -> dict[str, Any]:
    return {
        "latency_p99_ms": {"value": 900, "samples": n, "buckets": {"1000": n - n // 200, "2000": n, "+Inf": n}},
        "error_rate": {"events": errors, "samples": n},
        "quality_score": {"value": quality, "samples": n, "stddev": 0.15},
        "hallucination_rate": {"events": n // 100, "samples": n},
        "cost_per_request_cents": {"value": cost, "samples": n, "stddev": 0.5},
    }


def write(tmp_path: Path, treat: dict[str, Any], ctrl: dict[str, Any]) -> tuple[Path, Path]:
    m, j = tmp_path / "manifest.yaml", tmp_path / "metrics.json"
    m.write_text(MANIFEST)
    obs = [{"model": "bot", "env": "staging", "version": v, "at": "2026-06-01T11:59:00Z", "metrics": x} for v, x in ((T, treat), (C, ctrl))]
    j.write_text(json.dumps({"observations": obs}))
    return m, j


def test_a_better_treatment_is_decided_and_says_how_sure(cli: Any, tmp_path: Path) -> None:
    m, j = write(tmp_path, arm(4000, 8, 0.90), arm(4000, 40, 0.85))
    r: Result = cli("experiment", "bot", "--env", "staging", "-m", str(m), "--metrics-json", str(j), "--at", AT, "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["verdict"], out["treatment"], out["control"]) == ("treatment", T, C)
    q = next(x for x in out["metrics"] if x["metric"] == "quality_score")
    assert q["better"] == "treatment" and q["decided"] and q["confidence"] > 0.99 and q["low"] > 0
    err = next(x for x in out["metrics"] if x["metric"] == "error_rate")
    assert err["better"] == "treatment" and err["high"] < 0
    text = cli("experiment", "bot", "-m", str(m), "--metrics-json", str(j), "--at", AT)
    assert "TREATMENT" in text.stdout and "bot/staging" in text.stdout


def test_too_little_traffic_is_inconclusive_and_says_how_much_more_would_decide(cli: Any, tmp_path: Path) -> None:
    m, j = write(tmp_path, arm(300, 1, 0.88), arm(300, 2, 0.86))
    r = cli("experiment", "bot", "-m", str(m), "--metrics-json", str(j), "--at", AT, "--json", "--fail-unless-better")
    out = json.loads(r.stdout)
    assert r.exit_code == 1 and out["verdict"] == "inconclusive"
    q = next(x for x in out["metrics"] if x["metric"] == "quality_score")
    assert not q["decided"] and q["more_requests"] > 0 and "more requests" in out["summary"]


def test_a_worse_treatment_loses() -> None:
    ctrl = {"error_rate": Observation.rate(10, 5000)}
    treat = {"error_rate": Observation.rate(100, 5000)}
    r = compare("bot", "staging", T, C, 50, treat, ctrl, THRESHOLDS, metrics=["error_rate"])
    assert r.verdict == "control" and r.metrics[0].better == "control"
    md = render_markdown(r)
    assert "**control**" in md and "| error_rate |" in md


def test_no_experiment_is_a_usage_error(cli: Any, tmp_path: Path) -> None:
    m, j = write(tmp_path, arm(100, 0, 0.9), arm(100, 0, 0.9))
    r = cli("experiment", "plain", "-m", str(m), "--metrics-json", str(j), "--at", AT)
    assert r.exit_code == 2 and "MP809" in r.stderr


def test_health_judges_the_treatment_against_the_control_arm(cli: Any, tmp_path: Path) -> None:
    m, j = write(tmp_path, arm(4000, 8, 0.90), arm(4000, 40, 0.85))
    r = cli("health", "-m", str(m), "--metrics-json", str(j), "--at", AT, "--dry-run", "--json", "--model", "bot")
    out = json.loads(r.stdout)
    (d,) = out["decisions"]
    assert (d["kind"], d["baseline"]) == ("promotion", C)
    assert next(x for x in d["metrics"] if x["metric"] == "error_rate")["baseline_samples"] == 4000


def _required(tmp_path: Path, treat: dict[str, Any], ctrl: dict[str, Any]) -> Path:
    m, _ = write(tmp_path, treat, ctrl)
    m.write_text(m.read_text() + "policies:\n  health: {require_experiment: true, source: {kind: json, path: metrics.json}}\n")
    return m


def test_policy_can_require_the_experiment_to_be_won_before_promotion(cli: Any, tmp_path: Path) -> None:
    m = _required(tmp_path, arm(4000, 8, 0.90), arm(4000, 40, 0.85))
    r = cli("plan", "bot", T, "--to", "production", "--breaking", "-m", str(m), "--now", AT, "--json")
    rule = next(x for x in json.loads(r.stdout)["plan"]["rules"] if x["rule"] == "experiment")
    assert r.exit_code == 0 and rule["verdict"] == "pass"


def test_an_undecided_experiment_blocks_promotion_when_required(cli: Any, tmp_path: Path) -> None:
    m = _required(tmp_path, arm(300, 1, 0.88), arm(300, 2, 0.86))
    r = cli("plan", "bot", T, "--to", "production", "--breaking", "-m", str(m), "--now", AT, "--json")
    rule = next(x for x in json.loads(r.stdout)["plan"]["rules"] if x["rule"] == "experiment")
    assert r.exit_code == 1 and (rule["verdict"], rule["code"]) == ("fail", "MP420") and "inconclusive" in rule["message"]


def test_the_promotion_pull_request_carries_the_experiments_verdict(cli: Any, tmp_path: Path) -> None:
    """pr out of an environment where the version is an experiment's treatment: the body has the
    experiment table as evidence (metrics read from the source the manifest names)."""
    from modelpromote.sandbox.emulator import GitHubEmulator
    from modelpromote.sandbox.gitrepo import init_bare
    from tests.support.github import cli_env

    m, j = write(tmp_path, arm(4000, 8, 0.90), arm(4000, 40, 0.85))
    text = m.read_text() + f"policies:\n  health: {{source: {{kind: json, path: {j}}}}}\n"
    bare = tmp_path / "models.git"
    init_bare(bare, {"models/manifest.yaml": text})
    with GitHubEmulator(bare, users=["alice"]) as gh:
        r = cli("pr", "bot", T, "--to", "production", "--breaking", "--now", AT, "--json", env=cli_env(gh, "alice"))
        assert r.exit_code == 0, r.output
        body = gh.state.pulls[json.loads(r.stdout)["number"]].body or ""
    assert "### Experiment bot/staging: **treatment**" in body and f"against control `{C}`" in body
