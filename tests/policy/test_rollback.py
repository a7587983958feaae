"""Rollback target choice, verified versions, retention and release bumps (pure policies)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from modelpromote.errors import CheckFailed, InputError
from modelpromote.policy import history, release
from modelpromote.policy.retention import retention_plan
from modelpromote.policy.rollback import plan_rollback
from tests.support.manifests import MANIFEST, NOW, manifest

LOG_TAIL = '  - {model: alpha, env: staging, from: null, to: base-a-v1.1.0, at: "2026-05-02T00:00:00Z", by: "@ops"}\n'


def with_log(*lines: str) -> str:
    return MANIFEST.replace(LOG_TAIL, LOG_TAIL + "".join(f"  - {{{x}}}\n" for x in lines))


def test_rollback_goes_to_the_last_verified_version() -> None:
    text = with_log('model: alpha, env: production, from: base-a-v1.0.0, to: base-a-v1.1.0, at: "2026-05-04T00:00:00Z"')
    text = text.replace("      production: base-a-v1.0.0\n", "      production: base-a-v1.1.0\n")
    rb = plan_rollback(manifest(text), "alpha", "production")
    assert (rb.current, rb.target, rb.source) == ("base-a-v1.1.0", "base-a-v1.0.0", "previous live version")


def test_rollback_defaults_to_the_previous_live_version_even_before_the_log_began() -> None:
    # beta's dev log: only "from v2.0.0 to v2.1.0"; v2.0.0's own promotion predates the log.
    rb = plan_rollback(manifest(), "beta", "dev")
    assert (rb.current, rb.target, rb.source) == ("base-b-v2.1.0", "base-b-v2.0.0", "previous live version")


def test_canary_baseline_wins_and_is_cleared() -> None:
    text = MANIFEST.replace("      production: base-a-v1.0.0\n", "      production: base-a-v1.1.0\n").replace(
        "    fallbacks: [base-a-v1.0.0]\n",
        '    fallbacks: [base-a-v1.0.0]\n    canary:\n      production: {baseline: base-a-v1.0.0, weight: 25, started_at: "2026-05-09T00:00:00Z"}\n',
    )
    rb = plan_rollback(manifest(text), "alpha", "production")
    assert rb.target == "base-a-v1.0.0" and rb.source == "canary baseline" and rb.clears_canary


def test_fallback_chain_when_the_log_has_nothing_earlier() -> None:
    rb = plan_rollback(manifest(), "alpha", "staging")
    assert (rb.target, rb.source) == ("base-a-v1.0.0", "fallback chain")


def test_refusals() -> None:
    with pytest.raises(CheckFailed) as exc:
        plan_rollback(manifest(), "beta", "production")  # no previous live version, no earlier one in the log, no fallbacks
    assert exc.value.findings[0].code == "MP414"
    with pytest.raises(InputError):
        plan_rollback(manifest(), "nope", "dev")
    with pytest.raises(CheckFailed):
        plan_rollback(manifest(), "alpha", "staging", to="base-a-v1.1.0")  # already live


def test_explicit_target_must_not_be_retired_or_failed() -> None:
    text = MANIFEST.replace("    training_date: 2025-06-01\n    status: deprecated", "    training_date: 2025-06-01\n    status: retired")
    with pytest.raises(CheckFailed) as exc:
        plan_rollback(manifest(text), "beta", "dev", to="base-b-v1.0.0")
    assert exc.value.findings[0].code == "MP414"
    assert plan_rollback(manifest(), "beta", "dev", to="base-b-v2.0.0").target == "base-b-v2.0.0"


def test_verified_means_fully_live_not_failed() -> None:
    text = with_log(
        'model: alpha, env: production, from: base-a-v1.0.0, to: base-a-v1.1.0, at: "2026-05-04T00:00:00Z", kind: canary',
    )
    m = manifest(text.replace("      production: base-a-v1.0.0\n", "      production: base-a-v1.1.0\n"))
    assert history.verified_versions(m, "alpha", "production") == ["base-a-v1.0.0"]  # the canary never completed
    text2 = with_log(
        'model: alpha, env: production, from: base-a-v1.0.0, to: base-a-v1.1.0, at: "2026-05-04T00:00:00Z", kind: canary',
        'model: alpha, env: production, from: base-a-v1.0.0, to: base-a-v1.1.0, at: "2026-05-05T00:00:00Z", kind: complete',
    )
    m2 = manifest(text2.replace("      production: base-a-v1.0.0\n", "      production: base-a-v1.1.0\n"))
    assert history.verified_versions(m2, "alpha", "production") == ["base-a-v1.1.0", "base-a-v1.0.0"]
    assert not history.last_is_rollback(m2, "alpha", "production")


def test_retention_retires_only_old_unreferenced_versions() -> None:
    m = manifest()
    rp = retention_plan(m, NOW + timedelta(days=60))
    assert rp.retire == ["base-b-v1.0.0"]
    assert rp.kept["base-a-v1.2.0-rc.1"].startswith("age unknown")
    assert rp.kept["base-a-v1.0.0"].startswith("live")
    live = {ref for mod in m.models for ref in mod.environments.values()}
    assert not live & set(rp.retire)
    assert retention_plan(m, NOW).retire == ["base-b-v1.0.0"]  # trained 2025-06: already old
    young = manifest(MANIFEST.replace("training_date: 2025-06-01", "training_date: 2026-05-01"))
    assert retention_plan(young, NOW).retire == []


def test_release_bumps_and_refusals() -> None:
    m = manifest()
    assert release.next_version(m, "base-a", "rc") == "base-a-v1.2.0-rc.2"
    assert release.next_version(m, "base-a", "minor") == "base-a-v1.3.0-rc.1"
    assert release.next_version(m, "base-a", "major", final=True) == "base-a-v2.0.0"
    assert release.next_version(m, "new-base", "minor") == "new-base-v0.1.0-rc.1"
    with pytest.raises(CheckFailed):
        release.next_version(m, "base-b", "rc")  # no rc in progress
    entry = release.finalize(m, "base-a-v1.2.0-rc.1", digest=None, changelog=None, now=NOW)
    assert entry["version"] == "base-a-v1.2.0" and entry["artifact"] == {"digest": "sha256:" + "1" * 64}
    with pytest.raises(CheckFailed) as exc:
        release.finalize(m, "base-a-v1.2.0-rc.1", digest="sha256:" + "2" * 64, changelog=None, now=NOW)
    assert exc.value.findings[0].code == "MP419"
    with pytest.raises(CheckFailed):
        release.finalize(m, "base-a-v1.1.0", digest=None, changelog=None, now=NOW)  # not an rc
