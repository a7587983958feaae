"""The approval gate of a promotion pull request, as a pure decision.

``evaluate(GateInput) -> GateResult``: every rule is evaluated and reported, so a failing gate
says everything that is missing at once.  The rules follow how GitHub itself counts reviews:

* each reviewer's *latest* decisive review decides: APPROVED, CHANGES_REQUESTED or DISMISSED;
  a later COMMENTED review changes nothing (GitHub keeps the earlier state);
* an approval counts only on the current head commit (a push makes it stale), only from a person
  other than the author, never from a bot, only from someone with write access to the repository
  (when the caller knows who has it), and, when the model has owners, only from an owner; logins
  compare case-insensitively, as GitHub's do;
* a pull request may need several approvals at once (:class:`Need`: one per kind of change it
  makes, e.g. the settings of two models with different owners): each is checked on its own;
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
class Need:
    """Approvals one part of a change needs: ``required`` distinct approvals from ``owners`` (None: any writer)."""

    what: str
    required: int
    owners: frozenset[str] | None = None


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
    writers: frozenset[str] | None = None  # logins (any case) with write access; None: not checked here
    needs: Sequence[Need] = ()  # when given, replaces required/owners: each need is checked on its own


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


def _fold(logins: frozenset[str] | None) -> frozenset[str] | None:
    return None if logins is None else frozenset(x.lower() for x in logins)


def _approvals(inp: GateInput, latest: dict[str, Review], need: Need, major: bool) -> tuple[Check, list[str]]:
    """One approvals check: who counts for ``need`` and whether they are enough."""
    needed = need.required + (1 if major else 0)
    owners, writers, author = _fold(need.owners), _fold(inp.writers), inp.author.lower()
    approvers: list[str] = []
    ignored: list[str] = []
    for login, r in latest.items():
        if r.state != "APPROVED":
            continue
        key = login.lower()
        why = (
            "the author"
            if key == author
            else "a bot"
            if r.is_bot
            else "no write access"
            if writers is not None and key not in writers
            else "not an owner"
            if owners is not None and key not in owners
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
    name = "approvals" if not inp.needs else f"approvals: {need.what}"
    if len(approvers) >= needed:
        return Check(
            name, True, f"{len(approvers)} of {needed} approvals{': ' + ', '.join(approvers) if approvers else ''}{tail}"
        ), approvers
    who = " from owners" if owners is not None else ""
    what = f" for {need.what}" if inp.needs else ""
    return Check(
        name, False, f"{len(approvers)} of {needed} approvals{who}{what} on the head commit {inp.head_sha[:7]}{tail}", "MP710"
    ), approvers


def evaluate(inp: GateInput) -> GateResult:
    latest = latest_decisive(inp.reviews)
    needs = list(inp.needs) or [Need("the change", inp.required, inp.owners)]
    checks: list[Check] = []
    counted: set[str] = set()
    for need in needs:
        check, who = _approvals(inp, latest, need, inp.is_major)
        checks.append(check)
        counted.update(who)
    needed = max(n.required for n in needs) + (1 if inp.is_major else 0)
    approvers = sorted(counted)
    blockers = sorted(login for login, r in latest.items() if r.state == "CHANGES_REQUESTED" and login.lower() != inp.author.lower())
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
