"""What deploy does: the manifest wanted versus what is deployed -> deployment requests (canary, ab or full)."""

from __future__ import annotations

from modelpromote.manifest.load import load_text
from modelpromote.manifest.schema import Manifest
from modelpromote.policy.deploy import deployment_requests, reconcile
from modelpromote.policy.drift import Live, expected
from tests.support.paths import EXAMPLE as EXAMPLE_PATH

EXAMPLE = EXAMPLE_PATH.read_text(encoding="utf-8")


def manifest(text: str) -> Manifest:
    loaded = load_text(text, check=False)
    assert loaded.manifest is not None, loaded.findings
    return loaded.manifest


def test_identical_manifests_deploy_nothing() -> None:
    assert deployment_requests(manifest(EXAMPLE), manifest(EXAMPLE)) == []


def test_a_hand_edited_production_pointer_without_canary_state_deploys_in_full() -> None:
    """The manifest is the truth: without a canary state it says 100 % (drift says the same)."""
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
    assert (req.strategy, req.weight) == ("full", 100)
    payload = req.payload()
    assert payload["canary_weight"] is None and payload["previous_version"] == "claude-3-5-sonnet-v1.2.3"


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


def test_nothing_deployed_yet_deploys_every_pointer() -> None:
    reqs = deployment_requests(None, manifest(EXAMPLE))
    assert len(reqs) == 6 and all(r.previous is None for r in reqs)
    # The example's staging runs an A/B experiment: deployed as strategy ab with its control.
    ab = next(r for r in reqs if (r.model, r.env) == ("customer-support", "staging"))
    assert (ab.strategy, ab.weight, ab.control) == ("ab", 50, "claude-3-5-sonnet-v1.2.3")
    assert ab.payload()["control_version"] == "claude-3-5-sonnet-v1.2.3" and "A/B 50% vs control" in ab.description()
    assert {r.strategy for r in reqs if r is not ab} == {"full"}


def test_reconcile_deploys_only_what_differs_from_what_is_deployed() -> None:
    want = expected(manifest(EXAMPLE))
    assert reconcile(want, want) == []
    key = ("code-generator", "production")
    older = {**want, key: Live(*key, "claude-3-5-sonnet-v1.0.0")}
    [req] = reconcile(want, older)
    assert (req.model, req.env, req.version, req.previous) == (*key, "claude-3-5-sonnet-v1.2.3", "claude-3-5-sonnet-v1.0.0")
    # An A/B whose weight moved is deployed again; one with the same weight is not.
    ab = ("customer-support", "staging")
    moved = {**want, ab: Live(*ab, want[ab].version, "ab", 20, want[ab].baseline)}
    assert [(r.model, r.env, r.weight) for r in reconcile(want, moved)] == [(*ab, 50)]
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
    assert req.description().endswith("(A/B 20% vs control claude-3-5-sonnet-v1.2.3)")


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
