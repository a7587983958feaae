"""The promotion plan: each rule refuses what it should, and says so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from modelpromote.policy.plan import PromotionRequest, plan_promotion
from tests.support.manifests import MANIFEST, NOW, manifest

RULES = ["model", "version", "ladder", "promote_from", "soak", "status", "failures", "downgrade", "major", "freeze", "hold", "rollout"]


def plan(model: str, version: str, env: str, text: str = MANIFEST, now: datetime = NOW, **kw: object):  # type: ignore[no-untyped-def]
    return plan_promotion(manifest(text), PromotionRequest(model, version, env, **kw), now)  # type: ignore[arg-type]


def failed(p) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.name: r.code for r in p.rules if r.verdict == "fail"}


def test_allowed_plan_lists_every_rule_and_starts_a_canary() -> None:
    p = plan("alpha", "base-a-v1.1.0", "production")
    assert p.allowed and not p.noop
    assert [r.name for r in p.rules] == RULES
    assert p.current == "base-a-v1.0.0"
    assert p.canary is not None and (p.canary.baseline, p.canary.weight) == ("base-a-v1.0.0", 5)
    assert p.approvals == 2 and p.change == "minor"


def test_refused_plan_still_reports_all_rules() -> None:
    p = plan("beta", "base-b-v2.1.0", "production")
    assert not p.allowed
    assert [r.name for r in p.rules] == RULES
    assert failed(p) == {"promote_from": "MP401"}
    assert "not live in staging" in p.failures[0].message


def test_soak_counts_from_the_log_entry_below() -> None:
    # alpha's v1.1.0 went live in staging at 2026-05-02T00:00Z; production needs 24h
    early = plan("alpha", "base-a-v1.1.0", "production", now=datetime(2026, 5, 2, 20, tzinfo=timezone.utc))
    assert failed(early) == {"soak": "MP402"}
    assert "needs 24h" in early.failures[0].message and "2026-05-03T00:00:00+00:00" in early.failures[0].message
    on_time = plan("alpha", "base-a-v1.1.0", "production", now=datetime(2026, 5, 3, 0, tzinfo=timezone.utc))
    assert on_time.allowed


@given(st.integers(min_value=-3 * 86400, max_value=3 * 86400))
def test_soak_passes_exactly_when_the_soak_has_elapsed(offset: int) -> None:
    live_since = datetime(2026, 5, 2, tzinfo=timezone.utc)
    now = live_since + timedelta(days=1) + timedelta(seconds=offset)
    p = plan("alpha", "base-a-v1.1.0", "production", now=now)
    soak = next(r for r in p.rules if r.name == "soak")
    assert (soak.verdict == "pass") == (offset >= 0)


def test_no_log_entry_below_means_soak_unproven() -> None:
    text = MANIFEST.replace('  - {model: alpha, env: staging, from: null, to: base-a-v1.1.0, at: "2026-05-02T00:00:00Z", by: "@ops"}\n', "")
    p = plan("alpha", "base-a-v1.1.0", "production", text=text)
    assert failed(p) == {"soak": "MP402"}
    assert "does not say when" in p.failures[0].message


def test_unknown_names_are_bad_input() -> None:
    assert failed(plan("gamma", "base-a-v1.1.0", "dev")) == {"model": "MP301"}
    assert plan("gamma", "base-a-v1.1.0", "dev").bad_input
    assert failed(plan("alpha", "base-a-v9.9.9", "dev")) == {"version": "MP203"}
    assert failed(plan("alpha", "base-a-v1.1.0", "qa")) == {"ladder": "MP204"}
    assert failed(plan("alpha", "not a version", "dev")) == {"version": "MP201"}
    # a refused plan still names what is live in the target (the header must not say "nothing")
    live = manifest().model("alpha").environments.get("dev")  # type: ignore[union-attr]
    assert live is not None and plan("alpha", "base-a-v9.9.9", "dev").current == live


def test_status_rules() -> None:
    assert failed(plan("beta", "base-b-v1.0.0", "dev")) == {"status": "MP403", "downgrade": "MP406"}
    text = MANIFEST.replace("      staging: base-a-v1.1.0\n", "      staging: base-a-v1.2.0-rc.1\n").replace(
        "to: base-a-v1.1.0, at: \"2026-05-02", "to: base-a-v1.2.0-rc.1, at: \"2026-05-02"
    )
    p = plan("alpha", "base-a-v1.2.0-rc.1", "production", text=text)
    assert failed(p) == {"status": "MP404"}
    assert "--finalize base-a-v1.2.0-rc.1" in (p.failures[0].hint or "")


def test_recorded_failure_blocks_unless_forced_with_reason() -> None:
    text = MANIFEST.replace(
        "failures: []",
        'failures:\n  - {model: alpha, version: base-a-v1.1.0, env: production, at: "2026-05-03T00:00:00Z", gate: eval}',
    )
    assert failed(plan("alpha", "base-a-v1.1.0", "production", text=text)) == {"failures": "MP405"}
    forced = plan("alpha", "base-a-v1.1.0", "production", text=text, force=True, reason="eval was flaky")
    assert forced.allowed
    assert next(r for r in forced.rules if r.name == "failures").verdict == "overridden"
    # a failure in another environment does not block this one
    assert plan("alpha", "base-a-v1.1.0", "staging", text=text).allowed


def test_lower_version_is_a_rollback_not_a_promotion() -> None:
    p = plan("alpha", "base-a-v1.0.0", "dev")
    assert failed(p) == {"downgrade": "MP406"}
    assert "modelpromote rollback alpha --env dev" in (p.failures[0].hint or "")


def test_major_change_needs_breaking_and_one_more_approval() -> None:
    text = MANIFEST.replace("version_history:\n", "version_history:\n  - version: base-a-v2.0.0\n    base_model: base-a\n    status: stable\n")
    text = text.replace("      dev: base-a-v1.1.0     # newest\n", "      dev: base-a-v2.0.0\n")
    text = text.replace('to: base-a-v1.1.0, at: "2026-05-01', 'to: base-a-v2.0.0, at: "2026-05-01')
    p = plan("alpha", "base-a-v2.0.0", "staging", text=text)
    assert failed(p) == {"major": "MP407"}
    ok = plan("alpha", "base-a-v2.0.0", "staging", text=text, breaking=True)
    assert ok.allowed and ok.major and ok.approvals == 1  # staging needs 0, +1 for MAJOR
    # another base model is MAJOR too
    other = plan("beta", "base-a-v1.1.0", "dev")
    assert failed(other) == {"major": "MP407"}


def test_freeze_blocks_its_environments_only() -> None:
    window = '  freeze:\n    - {start: "2026-05-10T00:00:00Z", end: "2026-05-11T00:00:00Z", reason: launch week, environments: [production]}\n'
    text = MANIFEST.replace("  freeze: []\n", window)
    p = plan("alpha", "base-a-v1.1.0", "production", text=text)
    assert failed(p) == {"freeze": "MP408"} and "launch week" in p.failures[0].message
    assert plan("beta", "base-b-v2.1.0", "staging", text=text).allowed
    assert plan("alpha", "base-a-v1.1.0", "production", text=text, now=NOW + timedelta(days=1)).allowed


def test_hold_blocks_until_cleared() -> None:
    text = MANIFEST.replace("    fallbacks: [base-a-v1.0.0]\n",
                            '    fallbacks: [base-a-v1.0.0]\n    hold: {reason: rolled back, at: "2026-05-09T00:00:00Z", env: production}\n')
    p = plan("alpha", "base-a-v1.1.0", "production", text=text)
    assert failed(p) == {"hold": "MP409"} and "hold alpha --clear" in (p.failures[0].hint or "")
    assert plan("alpha", "base-a-v1.1.0", "staging", text=text).allowed  # held in production only


def test_canary_in_progress_blocks_another_promotion() -> None:
    text = MANIFEST.replace(
        "      production: base-a-v1.0.0\n",
        "      production: base-a-v1.1.0\n",
    ).replace("    fallbacks: [base-a-v1.0.0]\n",
              '    fallbacks: [base-a-v1.0.0]\n    canary:\n      production: {baseline: base-a-v1.0.0, weight: 5, started_at: "2026-05-09T00:00:00Z"}\n')
    p = plan("alpha", "base-a-v1.1.0", "production", text=text)
    assert failed(p) == {"rollout": "MP410"}


def test_already_live_is_a_noop() -> None:
    p = plan("alpha", "base-a-v1.1.0", "staging")
    assert p.allowed and p.noop and p.canary is None


def test_no_canary_without_a_previous_version() -> None:
    text = MANIFEST.replace("      production: base-a-v1.0.0\n", "")
    p = plan("alpha", "base-a-v1.1.0", "production", text=text)
    assert p.allowed and p.canary is None and p.current is None
