"""The pure check behind the gate for rollback/... and canary/... pull requests.

The reference texts are what `modelpromote health` really writes (local mode, on the registry of
tests/data/health-registry.yaml, with the metrics of tests/support/health.py): erroring-bot rolls back,
support-bot's canary moves 5 -> 25.  Every hand-made variation of them must fail, with a code
and a message that says what differs.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.cli import main
from modelpromote.manifest import changes as ch
from modelpromote.naming import parse_branch
from modelpromote.policy.approval import Review
from modelpromote.policy.health_change import HealthChange, differences, gate, verify
from tests.support.health import (
    AT,
    BASE,
    CANARY,
    NEW,
    NOW,
    OLD,
    PATH,
    ROLLBACK,
    UNVERIFIED,
    WITH_UNVERIFIED,
    first,
    metrics,
    rollback_to,
)


@functools.cache
def health_output(model: str, base: str = BASE) -> str:
    """What `modelpromote health` writes for ``model`` on ``base`` (local mode, a real run)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path, mpath = Path(d) / "manifest.yaml", Path(d) / "metrics.json"
        path.write_text(base, encoding="utf-8")
        mpath.write_text(json.dumps(metrics()), encoding="utf-8")
        result = CliRunner().invoke(main, ["health", "-m", str(path), "--model", model, "--metrics-json", str(mpath), "--at", AT])
        assert result.exit_code in (0, 1), result.output
        text = path.read_text(encoding="utf-8")
    assert text != base, f"health changed nothing for {model}"
    return text


def change(ref: str, head: str | None, *, base: str = BASE, files: tuple[str, ...] = (PATH,), **kw: object) -> HealthChange:
    return replace(HealthChange(ref, PATH, base, head, files, True, "github-actions[bot]", NOW), **kw)  # type: ignore[arg-type]


def retimed(text: str, when: str) -> str:
    """Health's output as if it had run at ``when`` (every time it wrote moves together)."""
    assert AT in text
    return text.replace(AT, when)


def failing(ref: str, head: str | None, **kw: object) -> dict[str, str]:
    v = verify(change(ref, head, **kw))
    assert not v.verified
    return {c.code or "": c.message for c in v.checks if c.ok is False}


# -- what health writes passes -----------------------------------------------------------------


def test_health_rollback_and_canary_step_are_verified() -> None:
    for ref, model in ((ROLLBACK, "erroring-bot"), (CANARY, "support-bot")):
        v = verify(change(ref, health_output(model)))
        assert v.verified, [c.to_json() for c in v.checks]
        assert v.expected == health_output(model)


def test_canary_completion_at_100_is_verified() -> None:
    at_50 = BASE.replace(
        'production: {baseline: claude-3-5-sonnet-v1.2.3, weight: 5, step: 0, started_at: "2026-06-01T10:00:00Z"}',
        'production: {baseline: claude-3-5-sonnet-v1.2.3, weight: 50, step: 2, started_at: "2026-06-01T09:00:00Z", '
        'updated_at: "2026-06-01T10:00:00Z"}',
        1,
    )
    head = health_output("support-bot", at_50)
    assert "kind: complete" in head
    assert verify(change(f"canary/support-bot/production/{NEW}-to-100", head, base=at_50)).verified
    # The same completion named as the next step that it is not:
    assert "MP716" in failing(f"canary/support-bot/production/{NEW}-to-75", head, base=at_50)


def test_a_later_health_run_with_its_own_time_is_verified_too() -> None:
    head = retimed(health_output("erroring-bot"), "2026-06-01T10:42:00Z")
    assert verify(change(ROLLBACK, head, now=datetime(2026, 6, 1, 10, 43, tzinfo=timezone.utc))).verified


# -- hand-made variations fail -----------------------------------------------------------------




ROLLBACK_CASES = [
    # (name, ref, head, base, code, words in the message)
    ("to an unverified version", ROLLBACK, rollback_to(UNVERIFIED, WITH_UNVERIFIED), WITH_UNVERIFIED, "MP717",
     ["models[erroring-bot].environments.production: expected 'claude-3-5-sonnet-v1.2.3', found 'claude-3-5-sonnet-v1.2.9'"]),
    ("another model's pointer too", ROLLBACK,
     first(health_output("erroring-bot"), "      staging: claude-3-5-sonnet-v1.3.0\n", f"      staging: {OLD}\n"), BASE, "MP717",
     ["models[support-bot].environments.staging"]),
    ("owners changed", ROLLBACK, first(health_output("erroring-bot"), '"@acme/support-ml"', '"@mallory"'), BASE, "MP717",
     ["models[support-bot].owners[0]: expected '@acme/support-ml', found '@mallory'"]),
    ("approvals lowered", ROLLBACK, first(health_output("erroring-bot"), "    approvals: 2\n", "    approvals: 0\n"), BASE, "MP717",
     ["environments[production].approvals: expected 2, found 0"]),
    ("no failure record", ROLLBACK, rollback_to(OLD, failure=False), BASE, "MP717", ["failures: expected 1 entries, found 0"]),
    ("no hold", ROLLBACK, rollback_to(OLD, hold=False), BASE, "MP717", ["models[erroring-bot].hold: expected"]),
    ("a comment added", ROLLBACK, health_output("erroring-bot").replace("failures:", "# hi\nfailures:", 1), BASE, "MP717",
     ["same data, but the bytes differ"]),
    ("names a version that is not live", f"rollback/erroring-bot/production/{OLD}", health_output("erroring-bot"), BASE, "MP716",
     [f"{NEW} is live there, not {OLD}"]),
    ("a model with nothing to roll back", f"rollback/quiet-bot/staging/{NEW}", health_output("erroring-bot"), BASE, "MP716",
     ["health would not roll back quiet-bot/staging"]),
    ("an unknown model", f"rollback/ghost-bot/production/{NEW}", health_output("erroring-bot"), BASE, "MP716", ["no model 'ghost-bot'"]),
    ("a rollback under another model's branch", f"rollback/support-bot/production/{NEW}", health_output("erroring-bot"), BASE,
     "MP717", ["no new rollback entry for support-bot/production"]),
    ("recorded before the canary started", ROLLBACK, retimed(health_output("erroring-bot"), "2026-06-01T09:59:00Z"), BASE, "MP719",
     ["before the state it changes (2026-06-01T10:00:00Z)"]),
    ("recorded in the future", ROLLBACK, retimed(health_output("erroring-bot"), "2026-06-01T12:00:00Z"), BASE, "MP719", ["in the future"]),
]

CANARY_CASES = [
    ("jumps 5 -> 100", f"canary/support-bot/production/{NEW}-to-100",
     ch.apply(BASE, PATH, [ch.CompleteCanary("support-bot", "production", NOW, "modelpromote health", "canary healthy at every step")]),
     BASE, "MP716", ["its next step is 25%, not 100%"]),
    ("names 25 but completes", CANARY,
     ch.apply(BASE, PATH, [ch.CompleteCanary("support-bot", "production", NOW, "modelpromote health", "canary healthy at every step")]),
     BASE, "MP717", ["no canary step time"]),
    ("names 25 but writes 50", CANARY,
     ch.apply(BASE, PATH, [ch.CanaryStep("support-bot", "production", 50, 2, NOW)]), BASE, "MP717",
     ["models[support-bot].canary.production.weight: expected 25, found 50"]),
    ("changes the pointer too", CANARY,
     first(ch.apply(WITH_UNVERIFIED, PATH, [ch.CanaryStep("support-bot", "production", 25, 1, NOW)]),
            f"      production: {NEW}\n", f"      production: {UNVERIFIED}\n"), WITH_UNVERIFIED, "MP717",
     [f"models[support-bot].environments.production: expected '{NEW}', found '{UNVERIFIED}'"]),
    ("before the interval passed", CANARY, retimed(health_output("support-bot"), "2026-06-01T10:20:00Z"), BASE, "MP719",
     ["before the step is due (2026-06-01T10:30:00Z)"]),
    ("while the model is on hold", CANARY, health_output("support-bot"),
     first(BASE, '    owners: ["@acme/support-ml"]\n', '    owners: ["@acme/support-ml"]\n    hold: {reason: "incident", at: "2026-06-01T09:00:00Z"}\n'),
     "MP716", ["on hold"]),
    ("a canary branch for a model without one", f"canary/support-bot/staging/{NEW}-to-25", health_output("support-bot"), BASE,
     "MP716", ["health would not move the support-bot/staging canary"]),
    ("a malformed name", f"canary/support-bot/production/{NEW}-to-lots", health_output("support-bot"), BASE, "MP716",
     ["is not rollback/<model>/<env>/<version> or canary/"]),
]


@pytest.mark.parametrize(("name", "ref", "head", "base", "code", "words"), ROLLBACK_CASES + CANARY_CASES,
                         ids=[c[0] for c in ROLLBACK_CASES + CANARY_CASES])
def test_hand_made_health_branches_fail(name: str, ref: str, head: str, base: str, code: str, words: list[str]) -> None:
    found = failing(ref, head, base=base)
    assert code in found, found
    for w in words:
        assert w in found[code], found[code]


def test_other_files_or_another_base_fail_the_scope() -> None:
    head = health_output("erroring-bot")
    assert "MP718" in failing(ROLLBACK, head, files=(PATH, ".github/workflows/deploy.yml"))
    assert "workflows" in failing(ROLLBACK, head, files=(PATH, ".github/workflows/deploy.yml"))["MP718"]
    assert "not one commit on the current base" in failing(ROLLBACK, head, parent_is_base=False)["MP718"]
    assert "MP714" in failing(ROLLBACK, None)


def test_parse_branch() -> None:
    assert parse_branch(CANARY) is not None and parse_branch(CANARY).weight == 25  # type: ignore[union-attr]
    b = parse_branch(ROLLBACK)
    assert b is not None and (b.kind, b.model, b.env, b.version, b.weight) == ("rollback", "erroring-bot", "production", NEW, None)
    for bad in ("rollback/x", "canary/a/b/v1-to-", "rollback/A/b/c", f"canary/a/b/{NEW}-to-1000", f"{ROLLBACK}\n"):
        assert parse_branch(bad) is None
    assert "MP716" in failing("promote/a/b/c", health_output("erroring-bot"))  # a promotion branch is no health branch


# -- the gate around it ------------------------------------------------------------------------

HEAD = "f" * 40


def _approve(*logins: str) -> list[Review]:
    return [Review(login, "APPROVED", HEAD) for login in logins]


def test_gate_verified_by_the_bot_needs_no_approval() -> None:
    v = verify(change(ROLLBACK, health_output("erroring-bot")))
    r = gate(v, reviews=[], head_sha=HEAD, author="github-actions[bot]", bot="github-actions[bot]", approvals=2, owners=None)
    assert r.passed and r.needed == 0
    assert r.summary().startswith("verified: exactly what health writes to roll back erroring-bot/production")
    # No bot configured: the exact change is enough whoever opened it (the documented trust model).
    assert gate(v, reviews=[], head_sha=HEAD, author="mallory", bot=None, approvals=2, owners=None).passed


def test_gate_verified_by_someone_else_needs_the_usual_approvals() -> None:
    v = verify(change(CANARY, health_output("support-bot")))
    owners = frozenset({"bob", "carol"})
    r = gate(v, reviews=[], head_sha=HEAD, author="mallory", bot="github-actions[bot]", approvals=2, owners=owners)
    assert not r.passed
    assert {c.code for c in r.failures} == {"MP710", "MP720"}
    assert "not the health bot github-actions[bot]" in r.summary()
    r = gate(v, reviews=_approve("bob", "carol"), head_sha=HEAD, author="mallory", bot="github-actions[bot]", approvals=2, owners=owners)
    assert r.passed and r.approvers == ("bob", "carol")
    # Non-owners and the author do not count, as for promotions.
    r = gate(v, reviews=_approve("mallory", "eve"), head_sha=HEAD, author="mallory", bot="github-actions[bot]", approvals=2, owners=owners)
    assert not r.passed


def test_gate_unverified_fails_whatever_the_approvals() -> None:
    v = verify(change(ROLLBACK, rollback_to(UNVERIFIED, WITH_UNVERIFIED), base=WITH_UNVERIFIED))
    r = gate(v, reviews=_approve("bob", "carol", "dave"), head_sha=HEAD, author="github-actions[bot]", bot="github-actions[bot]",
             approvals=2, owners=None)
    assert not r.passed and [c.code for c in r.failures] == ["MP717"]
    assert r.checks[0].ok is None and "approvals cannot pass" in r.checks[0].message
    assert "expected 'claude-3-5-sonnet-v1.2.3', found 'claude-3-5-sonnet-v1.2.9'" in r.failures[0].message
    assert r.summary().startswith("not what health writes: models[erroring-bot].environments.production")


def test_a_change_request_blocks_a_verified_health_pr() -> None:
    v = verify(change(ROLLBACK, health_output("erroring-bot")))
    r = gate(v, reviews=[Review("bob", "CHANGES_REQUESTED", HEAD)], head_sha=HEAD, author="x", bot=None, approvals=2, owners=None)
    assert not r.passed and [c.code for c in r.failures] == ["MP711"]


# -- properties ----------------------------------------------------------------------------------

TIME_FIELDS = (".at", ".updated_at")


@settings(max_examples=150, deadline=None)
@given(which=st.sampled_from([ROLLBACK, CANARY]), pos=st.integers(min_value=0), char=st.characters(codec="utf-8", exclude_categories=("Cs",)))
def test_any_one_character_change_fails_unless_it_only_moves_the_time(which: str, pos: int, char: str) -> None:
    good = health_output("erroring-bot" if which == ROLLBACK else "support-bot")
    i = pos % len(good)
    head = good[:i] + char + good[i + 1 :]
    v = verify(change(which, head))  # never raises, whatever the bytes
    if v.verified:
        # The only freedom the head has is the time of the step (one field for a canary step),
        # within the window checked above; everything else is fixed by the base.
        diffs = differences(good, head, PATH)
        assert head == good or all(d.split(":")[0].endswith(TIME_FIELDS) for d in diffs), diffs


def test_differences_names_paths_and_limits_itself() -> None:
    good = health_output("support-bot")
    bad = good.replace("support-bot", "support-bod").replace("erroring-bot", "erroring-bod")
    out = differences(good, bad, PATH)
    assert len(out) == 5 and out[-1].startswith("and ") and out[0].startswith("models")
    assert differences(good, None, PATH) == [f"{PATH} is missing at the head"]
    assert differences(good, "{: [", PATH) == ["the head is not YAML"]


def test_now_bounds_the_time_with_a_small_skew() -> None:
    head = retimed(health_output("erroring-bot"), "2026-06-01T10:44:00Z")
    assert verify(replace(change(ROLLBACK, head), now=NOW)).verified  # 4 minutes ahead: clock skew
    assert not verify(replace(change(ROLLBACK, head), now=NOW - timedelta(minutes=2))).verified
