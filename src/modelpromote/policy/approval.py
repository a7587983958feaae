"""The approval gate of a promotion pull request, as a pure decision.

``evaluate(GateInput) -> GateResult``: every rule is evaluated and reported, so a failing gate
says everything that is missing at once.  The rules follow how GitHub itself counts reviews:

* each reviewer's *latest* decisive review decides: APPROVED, CHANGES_REQUESTED or DISMISSED;
  a later COMMENTED review changes nothing (GitHub keeps the earlier state);
* an approval counts only on the current head commit (a push makes it stale), only from a person
  other than the author, never from a bot, and, when the model has owners, only from an owner;
* any reviewer whose latest decisive review is CHANGES_REQUESTED blocks, whatever the commit;
* a MAJOR change needs one approval more and the ``breaking-change`` label.

Checks computed elsewhere (the manifest at the head validates, the diff is what the plan says)
come in as ready-made :class:`Check` values so that the result is one list of verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

BREAKING_LABEL = "breaking-change"
DECISIVE = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


@dataclass(frozen=True)
class Review:
    login: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    commit_id: str | None
    is_bot: bool = False


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: skipped (not applicable)
    message: str
    code: str | None = None  # MP### when not ok

    def to_json(self) -> dict[str, Any]:
        verdict = "skip" if self.ok is None else ("pass" if self.ok else "fail")
        return {"rule": self.name, "verdict": verdict, "message": self.message, "code": self.code}


@dataclass(frozen=True)
class GateInput:
    reviews: Sequence[Review]  # in the order GitHub lists them (oldest first)
    head_sha: str
    author: str
    required: int  # approvals the environment asks for, before the MAJOR extra
    owners: frozenset[str] | None = None  # resolved logins; None when the model names no owners
    is_major: bool = False
    labels: frozenset[str] = frozenset()
    extra: Sequence[Check] = field(default_factory=tuple)


@dataclass(frozen=True)
class GateResult:
    checks: tuple[Check, ...]
    approvers: tuple[str, ...]
    needed: int

    @property
    def passed(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.ok is False]

    def summary(self) -> str:
        """One line, short enough for a commit status description (GitHub cuts at 140)."""
        if self.passed:
            return f"approved by {', '.join(self.approvers) or 'nobody needed'} ({len(self.approvers)}/{self.needed})"
        return "; ".join(c.message for c in self.failures)[:140]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "approvals": len(self.approvers),
            "needed": self.needed,
            "approvers": list(self.approvers),
            "rules": [c.to_json() for c in self.checks],
        }


def latest_decisive(reviews: Sequence[Review]) -> dict[str, Review]:
    """Each reviewer's latest APPROVED / CHANGES_REQUESTED / DISMISSED review."""
    latest: dict[str, Review] = {}
    for r in reviews:
        if r.state in DECISIVE:
            latest[r.login] = r
    return latest


def evaluate(inp: GateInput) -> GateResult:
    needed = inp.required + (1 if inp.is_major else 0)
    latest = latest_decisive(inp.reviews)
    approvers: list[str] = []
    ignored: list[str] = []
    for login, r in latest.items():
        if r.state != "APPROVED":
            continue
        why = (
            "the author"
            if login == inp.author
            else "a bot"
            if r.is_bot
            else "not an owner"
            if inp.owners is not None and login not in inp.owners
            else "on an older commit"
            if r.commit_id != inp.head_sha
            else None
        )
        if why is None:
            approvers.append(login)
        else:
            ignored.append(f"{login} ({why})")
    approvers.sort()
    tail = f"; not counted: {', '.join(ignored)}" if ignored else ""
    checks: list[Check] = []
    if len(approvers) >= needed:
        checks.append(
            Check("approvals", True, f"{len(approvers)} of {needed} approvals{': ' + ', '.join(approvers) if approvers else ''}{tail}")
        )
    else:
        who = " from owners" if inp.owners is not None else ""
        checks.append(
            Check(
                "approvals",
                False,
                f"{len(approvers)} of {needed} approvals{who} on the head commit {inp.head_sha[:7]}{tail}",
                "MP710",
            )
        )
    blockers = sorted(login for login, r in latest.items() if r.state == "CHANGES_REQUESTED" and login != inp.author)
    if blockers:
        checks.append(Check("changes-requested", False, f"changes requested by {', '.join(blockers)}", "MP711"))
    else:
        checks.append(Check("changes-requested", True, "no outstanding change requests"))
    if inp.is_major:
        if BREAKING_LABEL in inp.labels:
            checks.append(Check("breaking-change", True, f"MAJOR change labelled {BREAKING_LABEL}"))
        else:
            checks.append(Check("breaking-change", False, f"a MAJOR change needs the {BREAKING_LABEL} label", "MP712"))
    else:
        checks.append(Check("breaking-change", None, "not a MAJOR change"))
    checks.extend(inp.extra)
    return GateResult(tuple(checks), tuple(approvers), needed)
