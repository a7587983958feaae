"""Pointer changes between two manifests -> deployment requests (canary or full)."""

from __future__ import annotations

from modelpromote.manifest.load import load_text
from modelpromote.manifest.schema import Manifest
from modelpromote.policy.deploy import deployment_requests, pointer_changes
from tests.support.paths import EXAMPLE as EXAMPLE_PATH

EXAMPLE = EXAMPLE_PATH.read_text(encoding="utf-8")


def manifest(text: str) -> Manifest:
    loaded = load_text(text, check=False)
    assert loaded.manifest is not None, loaded.findings
    return loaded.manifest


def test_identical_manifests_deploy_nothing() -> None:
    assert deployment_requests(manifest(EXAMPLE), manifest(EXAMPLE)) == []


def test_production_change_starts_as_canary_at_first_step() -> None:
    after = EXAMPLE.replace(
        "      production: claude-3-5-sonnet-v1.2.3\n    # Runtime", "      production: claude-3-5-sonnet-v1.3.0-rc.1\n    # Runtime"
    )
    assert after != EXAMPLE
    [req] = deployment_requests(manifest(EXAMPLE), manifest(after))
    assert (req.model, req.env, req.version, req.previous) == (
        "customer-support",
        "production",
        "claude-3-5-sonnet-v1.3.0-rc.1",
        "claude-3-5-sonnet-v1.2.3",
    )
    assert (req.strategy, req.weight) == ("canary", 5)
    payload = req.payload()
    assert payload["canary_weight"] == 5 and payload["strategy"] == "canary" and payload["previous_version"] == "claude-3-5-sonnet-v1.2.3"


def test_canary_block_in_manifest_gives_the_weight() -> None:
    after = EXAMPLE.replace(
        "      production: claude-3-5-sonnet-v1.2.3\n    # Runtime",
        "      production: claude-3-5-sonnet-v1.3.0-rc.1\n    canary:\n      production: {baseline: claude-3-5-sonnet-v1.2.3, weight: 25, step: 1, "
        'started_at: "2026-06-01T00:00:00Z"}\n    # Runtime',
    )
    [req] = deployment_requests(manifest(EXAMPLE), manifest(after))
    assert (req.strategy, req.weight) == ("canary", 25)


def test_staging_change_is_a_full_rollout_and_major_is_flagged() -> None:
    after = EXAMPLE.replace("      staging: claude-3-5-sonnet-v1.2.3\n", "      staging: claude-opus-v4.0.0\n")
    [req] = deployment_requests(manifest(EXAMPLE), manifest(after))
    assert (req.model, req.env, req.strategy, req.weight, req.major) == ("code-generator", "staging", "full", 100, True)


def test_first_manifest_deploys_every_pointer_in_full() -> None:
    changes = pointer_changes(None, manifest(EXAMPLE))
    assert len(changes) == 6 and all(c.before is None for c in changes)
    reqs = deployment_requests(None, manifest(EXAMPLE))
    # customer-support's staging pointer is the treatment of a 50 % A/B experiment: that is what serves
    assert [(r.model, r.env, r.strategy, r.weight) for r in reqs if r.strategy != "full"] == [("customer-support", "staging", "ab", 50)]


STAGING = "      staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4\n"
EXPERIMENT = "      staging: {control: claude-3-5-sonnet-v1.2.3, weight: 50, salt: cs-v1.3.0-ab}\n"


def test_a_pointer_under_an_experiment_deploys_as_ab_with_weight_and_control() -> None:
    after = EXAMPLE.replace(STAGING, "      staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v3\n").replace(
        EXPERIMENT, "      staging: {control: claude-3-5-sonnet-v1.2.3, weight: 20, salt: cs-v1.3.0-ab}\n")
    [req] = deployment_requests(manifest(EXAMPLE), manifest(after))
    assert (req.env, req.strategy, req.weight, req.control) == ("staging", "ab", 20, "claude-3-5-sonnet-v1.2.3")
    assert req.payload() == {
        "kind": "modelpromote/v1", "model": "customer-support", "version": "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v3",
        "previous_version": "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4", "environment": "staging", "strategy": "ab",
        "canary_weight": None, "weight": 20, "control_version": "claude-3-5-sonnet-v1.2.3",
    }
    assert req.description().endswith("(A/B 20 % vs control claude-3-5-sonnet-v1.2.3)")


def test_an_experiment_that_changes_under_the_same_pointer_is_deployed() -> None:
    heavier = EXAMPLE.replace(EXPERIMENT, "      staging: {control: claude-3-5-sonnet-v1.2.3, weight: 80, salt: cs-v1.3.0-ab}\n")
    [req] = deployment_requests(manifest(EXAMPLE), manifest(heavier))
    assert (req.env, req.version, req.strategy, req.weight, req.control) == (
        "staging", "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4", "ab", 80, "claude-3-5-sonnet-v1.2.3")
    ended = EXAMPLE.replace("    experiments:\n" + EXPERIMENT, "")
    assert ended != EXAMPLE
    [req] = deployment_requests(manifest(EXAMPLE), manifest(ended))
    assert (req.env, req.strategy, req.weight, req.control) == ("staging", "full", 100, None)
    [req] = deployment_requests(manifest(ended), manifest(EXAMPLE))
    assert (req.strategy, req.weight) == ("ab", 50)
    salted = EXAMPLE.replace("salt: cs-v1.3.0-ab", "salt: other")  # same arms and weights: nothing to deploy
    assert deployment_requests(manifest(EXAMPLE), manifest(salted)) == []
