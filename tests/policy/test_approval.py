"""The approval gate, rule by rule (table-driven), plus a property: more approvals never hurt."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.policy.approval import Check, GateInput, Review, evaluate

HEAD, OLD = "h" * 40, "o" * 40


def R(login: str, state: str = "APPROVED", commit: str = HEAD, bot: bool = False) -> Review:
    return Review(login, state, commit, bot)


CASES = [
    # (id, reviews, kwargs, passed, approvers)
    ("no reviews", [], {}, False, []),
    ("two approvals pass", [R("bob"), R("carol")], {}, True, ["bob", "carol"]),
    ("one approval is not two", [R("bob")], {}, False, ["bob"]),
    ("same reviewer twice counts once", [R("bob"), R("bob")], {}, False, ["bob"]),
    ("author's own approval does not count", [R("alice"), R("bob")], {}, False, ["bob"]),
    ("bots do not count", [R("renovate[bot]", bot=True), R("bob")], {}, False, ["bob"]),
    ("stale approval (older commit) does not count", [R("bob", commit=OLD), R("carol")], {}, False, ["carol"]),
    ("re-approval on the head counts", [R("bob", commit=OLD), R("bob"), R("carol")], {}, True, ["bob", "carol"]),
    ("later CHANGES_REQUESTED replaces approval and blocks", [R("bob"), R("carol"), R("bob", "CHANGES_REQUESTED")], {}, False, ["carol"]),
    ("later APPROVED clears own change request", [R("bob", "CHANGES_REQUESTED"), R("bob"), R("carol")], {}, True, ["bob", "carol"]),
    ("stale CHANGES_REQUESTED still blocks", [R("dave", "CHANGES_REQUESTED", OLD), R("bob"), R("carol")], {}, False, ["bob", "carol"]),
    ("DISMISSED approval does not count", [R("bob"), R("bob", "DISMISSED"), R("carol")], {}, False, ["carol"]),
    (
        "DISMISSED change request no longer blocks",
        [R("dave", "CHANGES_REQUESTED"), R("dave", "DISMISSED"), R("bob"), R("carol")],
        {},
        True,
        ["bob", "carol"],
    ),
    ("COMMENTED after approval keeps the approval", [R("bob"), R("bob", "COMMENTED"), R("carol")], {}, True, ["bob", "carol"]),
    ("COMMENTED alone does not count", [R("bob", "COMMENTED"), R("carol", "COMMENTED")], {}, False, []),
    ("owners only: non-owner ignored", [R("bob"), R("mallory")], {"owners": frozenset({"bob", "carol"})}, False, ["bob"]),
    ("owners only: two owners pass", [R("bob"), R("carol")], {"owners": frozenset({"bob", "carol"})}, True, ["bob", "carol"]),
    ("major needs one more", [R("bob"), R("carol")], {"is_major": True, "labels": frozenset({"breaking-change"})}, False, ["bob", "carol"]),
    (
        "major with three approvals and label",
        [R("bob"), R("carol"), R("dave")],
        {"is_major": True, "labels": frozenset({"breaking-change"})},
        True,
        ["bob", "carol", "dave"],
    ),
    ("major without the label fails", [R("bob"), R("carol"), R("dave")], {"is_major": True}, False, ["bob", "carol", "dave"]),
    ("zero required passes with none", [], {"required": 0}, True, []),
    (
        "an extra failing check fails the gate",
        [R("bob"), R("carol")],
        {"extra": (Check("scope", False, "changes more", "MP713"),)},
        False,
        ["bob", "carol"],
    ),
    ("a skipped extra check does not fail it", [R("bob"), R("carol")], {"extra": (Check("scope", None, "n/a"),)}, True, ["bob", "carol"]),
]


@pytest.mark.parametrize(("reviews", "kwargs", "passed", "approvers"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_gate_rules(reviews: list[Review], kwargs: dict[str, object], passed: bool, approvers: list[str]) -> None:
    args: dict[str, object] = {"reviews": reviews, "head_sha": HEAD, "author": "alice", "required": 2, **kwargs}
    result = evaluate(GateInput(**args))  # type: ignore[arg-type]
    assert result.passed is passed
    assert list(result.approvers) == approvers
    assert all(c.code and c.code.startswith("MP7") for c in result.failures)


def test_failure_message_says_what_is_missing() -> None:
    result = evaluate(GateInput([R("alice"), R("bob", commit=OLD)], HEAD, "alice", 2))
    msg = result.summary()
    assert "0 of 2 approvals" in msg and "alice (the author)" in msg and "bob (on an older commit)" in msg
    assert len(msg) <= 140


logins = st.sampled_from(["alice", "bob", "carol", "dave", "erin"])
states = st.sampled_from(["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"])
reviews_st = st.lists(st.builds(Review, logins, states, st.sampled_from([HEAD, OLD])), max_size=12)


@given(reviews_st, logins)
def test_adding_a_fresh_approval_from_a_new_reviewer_never_turns_a_pass_into_a_fail(reviews: list[Review], newcomer: str) -> None:
    if newcomer == "alice" or any(r.login == newcomer for r in reviews):
        return
    before = evaluate(GateInput(reviews, HEAD, "alice", 2))
    after = evaluate(GateInput([*reviews, Review(newcomer, "APPROVED", HEAD)], HEAD, "alice", 2))
    assert len(after.approvers) == len(before.approvers) + 1
    assert not (before.passed and not after.passed)


@given(reviews_st)
def test_approvers_are_distinct_non_authors_on_the_head(reviews: list[Review]) -> None:
    result = evaluate(GateInput(reviews, HEAD, "alice", 2))
    assert len(set(result.approvers)) == len(result.approvers)
    assert "alice" not in result.approvers
    for login in result.approvers:
        last = [r for r in reviews if r.login == login and r.state != "COMMENTED"][-1]
        assert last.state == "APPROVED" and last.commit_id == HEAD
