"""Is this ``rollback/...`` or ``canary/...`` pull request exactly the change ``health`` would make?

``modelpromote health --github`` opens and merges its own pull requests.  The approval gate is a
required check, so those need to pass it without human approvals, and letting the branch *name*
decide would be a hole: anyone who can push a branch could call it ``rollback/...`` and put
anything in it.  So the gate recomputes the change from the BASE manifest with the engine's own
functions (:func:`modelpromote.policy.watch.targets`, :func:`~modelpromote.policy.watch.next_weight`,
:func:`~modelpromote.policy.watch.changes_for`, which uses ``plan_rollback``, and the
byte-preserving edits of :mod:`modelpromote.manifest.changes`) and byte-compares it with the head.  What is not derivable from the base is
taken from the head and bounded:

* the time the new entries carry (``at`` / ``updated_at``): not before the state it changes
  (and, for a canary step, not before the interval has passed), not after the gate's ``now``
  (plus a small clock skew);
* the ``reason`` text of a rollback (health writes the first breached rule; it appears in the log
  entry, the hold and the failure record alike).  ``by`` is always health's own (``modelpromote health``).

Everything else, including which version a rollback restores (``plan_rollback``'s choice from
the base: the canary baseline, else the last verified version, else the fallback chain), is fixed
by the base.  The verdict comes back as :class:`~modelpromote.policy.approval.Check` values so it
joins the approval gate's report.  Pure: text and data in, verdict out; no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..errors import ModelpromoteError
from ..manifest import changes
from ..manifest.load import Loaded, load_text
from ..manifest.schema import Manifest, Promotion
from ..manifest.source import parse
from ..manifest.yaml_splice import format_time
from ..naming import Branch, parse_branch
from .approval import Check, GateInput, GateResult, Review, evaluate
from .watch import HEALTH_BY, Target, changes_for, next_weight, targets

DEFAULT_SKEW = timedelta(minutes=5)
MAX_DIFFERENCES = 4


@dataclass(frozen=True)
class HealthChange:
    """What the gate read from GitHub about one pull request from a health branch."""

    ref: str  # the head branch
    path: str  # the manifest's path in the repository
    base_text: str  # the manifest at the head commit's parent
    head_text: str | None  # the manifest at the head (None: deleted)
    files: Sequence[str]  # the files the pull request changes
    parent_is_base: bool  # the head is one commit directly on the base branch's current tip
    author: str
    now: datetime
    bot: str | None = None  # the health bot's login; None: any author (see docs/github.md, trust model)
    skew: timedelta = DEFAULT_SKEW


@dataclass(frozen=True)
class HealthVerdict:
    checks: tuple[Check, ...]
    branch: Branch | None
    expected: str | None  # the manifest text health would write (None when it cannot say)

    @property
    def verified(self) -> bool:
        """The head is exactly the change its branch names; the author is not judged here."""
        return all(c.ok is not False for c in self.checks)


# -- the verdict -------------------------------------------------------------------------------


def verify(inp: HealthChange) -> HealthVerdict:
    """Every check at once; ``verified`` only when the head equals what health writes, byte for byte."""
    checks: list[Check] = []
    branch = parse_branch(inp.ref)
    if branch is None or branch.kind == "promote":
        checks.append(
            Check(
                "health-branch",
                False,
                f"{inp.ref!r} is not rollback/<model>/<env>/<version> or canary/<model>/<env>/<version>-to-<weight>",
                "MP716",
            )
        )
        return HealthVerdict(tuple(checks), None, None)
    checks.append(_commit_check(inp))
    base = _load(inp.base_text, inp.path)
    if not base.ok or base.manifest is None:
        checks.append(Check("health-change", False, "the base manifest does not validate; health changes nothing there", "MP717"))
        return HealthVerdict(tuple(checks), branch, None)
    head_m: Manifest | None = None
    if inp.head_text is None:
        checks.append(Check("manifest", False, f"{inp.path} is missing at the head", "MP714"))
    else:
        head = _load(inp.head_text, inp.path)
        errors = [f for f in head.findings if f.severity == "error"]
        first = f": {errors[0].where()} {errors[0].message}" if errors else ""
        checks.append(
            Check(
                "manifest",
                head.ok,
                "the manifest at the head validates" if head.ok else f"invalid at the head{first}",
                None if head.ok else "MP714",
            )
        )
        head_m = head.manifest if head.ok else None
    if head_m is None:
        return HealthVerdict(tuple(checks), branch, None)
    if branch.kind == "canary" and isinstance(early := _target(branch, base.manifest, inp.now), str):
        # A canary step does not depend on when it is taken: say first that the branch is wrong.
        checks.append(Check("health-branch", False, f"health would not {branch.what}: {early}", "MP716"))
        return HealthVerdict(tuple(checks), branch, None)
    stamp = _stamp(branch, base.manifest, head_m)
    if isinstance(stamp, str):
        # Say that the branch itself is wrong when it is; else that the head lacks the change.
        early = _target(branch, base.manifest, inp.now)
        checks.append(
            Check("health-branch", False, f"health would not {branch.what}: {early}", "MP716")
            if isinstance(early, str)
            else Check("health-change", False, stamp, "MP717")
        )
        return HealthVerdict(tuple(checks), branch, None)
    at, reason = stamp
    target = _target(branch, base.manifest, at)
    if isinstance(target, str):
        checks.append(Check("health-branch", False, f"health would not {branch.what}: {target}", "MP716"))
        return HealthVerdict(tuple(checks), branch, None)
    checks.append(Check("health-branch", True, f"health would {branch.what} ({_how(branch, target)})"))
    checks.append(_time_check(branch, target, at, inp))
    expected = _expected(branch, target, inp.base_text, inp.path, at, reason)
    if expected == inp.head_text:
        checks.append(Check("health-change", True, "the manifest change is exactly what health writes"))
    else:
        diffs = differences(expected, inp.head_text, inp.path)
        checks.append(
            Check(
                "health-change",
                False,
                f"not what health writes: {'; '.join(diffs)}",
                "MP717",
            )
        )
    return HealthVerdict(tuple(checks), branch, expected)


def _load(text: str, path: str) -> Loaded:
    """Load without raising: a head that is not even YAML is a finding like any other."""
    try:
        return load_text(text, path)
    except ModelpromoteError as exc:
        return Loaded(parse("{}", path), None, list(exc.findings))


def _commit_check(inp: HealthChange) -> Check:
    others = [f for f in inp.files if f != inp.path]
    if others or inp.path not in inp.files:
        return Check(
            "health-scope", False, f"changes {', '.join(inp.files) or 'nothing'}; a health change touches only {inp.path}", "MP718"
        )
    if not inp.parent_is_base:
        return Check(
            "health-scope",
            False,
            "the branch is not one commit on the current base; health rebuilds its branch when the base moves (re-run health)",
            "MP718",
        )
    return Check("health-scope", True, f"one commit on the current base, changing only {inp.path}")


def _new_entry(base: Manifest, head: Manifest, model: str, env: str, kind: str, from_: str | None, to: str | None) -> Promotion | None:
    """The last log entry of ``kind`` for model/env at the head that the base does not have."""
    seen = sum(1 for p in base.promotions if p.model == model and p.env == env and p.kind == kind)
    mine = [p for p in head.promotions if p.model == model and p.env == env and p.kind == kind]
    if len(mine) <= seen:
        return None
    p = mine[-1]
    if (from_ is not None and p.from_ != from_) or (to is not None and p.to != to):
        return None
    return p


def _stamp(branch: Branch, base: Manifest, head: Manifest) -> tuple[datetime, str | None] | str:
    """(at, reason) of the change as the head records it, or why the head records none."""
    if branch.kind == "rollback":
        p = _new_entry(base, head, branch.model, branch.env, "rollback", branch.version, None)
        if p is None:
            return f"no new rollback entry for {branch.model}/{branch.env} from {branch.version} in promotions"
        return p.at, p.reason
    if branch.weight is not None and branch.weight >= 100:
        p = _new_entry(base, head, branch.model, branch.env, "complete", None, branch.version)
        if p is None:
            return f"no new complete entry for {branch.model}/{branch.env} {branch.version} in promotions"
        return p.at, None
    mod = head.model(branch.model)
    state = mod.canary.get(branch.env) if mod is not None else None
    if state is None or state.updated_at is None:
        return f"no canary step time (canary.{branch.env}.updated_at) for {branch.model} at the head"
    return state.updated_at, None


def _target(branch: Branch, base: Manifest, at: datetime) -> Target | str:
    """The health target the branch acts on, as of ``at``; or why there is none."""
    if base.model(branch.model) is None:
        return f"no model {branch.model!r} on the base"
    if base.env(branch.env) is None:
        return f"no environment {branch.env!r} on the base"
    found, skipped = targets(base, at, model=branch.model, env=branch.env)
    if not found:
        why = skipped[0].reason if skipped else "no live canary and no promotion within policies.health.watch"
        return why
    t = found[0]
    if t.version != branch.version:
        return f"{t.version} is live there, not {branch.version}"
    if branch.kind == "rollback":
        if t.restore is None:
            return "no verified version to restore"
        return t
    if t.kind != "canary":
        return "no canary is in progress there"
    if t.held is not None:
        return f"the model is on hold ({t.held}); health does not advance it"
    nxt = next_weight(t.weight, t.steps)
    if branch.weight != nxt:
        return f"the canary is at {t.weight}%; its next step is {nxt}%, not {branch.weight}%"
    return t


def _how(branch: Branch, t: Target) -> str:
    if branch.kind == "rollback":
        return f"restores {t.restore}, the engine's choice"
    return f"{t.weight}% -> {branch.weight}%, the next step of {list(t.steps)}"


def _time_check(branch: Branch, t: Target, at: datetime, inp: HealthChange) -> Check:
    """The recorded time lies in the window where health could have made this change."""
    earliest = t.since
    if branch.kind == "canary" and t.interval is not None:
        earliest = t.since + t.interval  # health advances only after the step's interval
    latest = inp.now + inp.skew
    if at < earliest:
        due = "the step is due" if branch.kind == "canary" else "the state it changes"
        return Check("health-time", False, f"recorded at {format_time(at)}, before {due} ({format_time(earliest)})", "MP719")
    if at > latest:
        return Check("health-time", False, f"recorded at {format_time(at)}, in the future (now {format_time(inp.now)})", "MP719")
    return Check("health-time", True, f"recorded at {format_time(at)}, between {format_time(earliest)} and now")


def _expected(branch: Branch, t: Target, base_text: str, path: str, at: datetime, reason: str | None) -> str:
    """The manifest text health writes for this decision (:func:`~modelpromote.policy.watch.changes_for`)."""
    if branch.kind == "rollback":
        todo = changes_for(t, "ROLLBACK", next_weight=None, restore=t.restore, reason=reason or "health check failed", at=at, by=HEALTH_BY)
    else:
        todo = changes_for(t, "ADVANCE", next_weight=next_weight(t.weight, t.steps), restore=None, reason="", at=at, by=HEALTH_BY)
    return changes.apply(base_text, path, todo)


# -- what differs, in words --------------------------------------------------------------------


def differences(expected: str, actual: str | None, path: str, limit: int = MAX_DIFFERENCES) -> list[str]:
    """The first few places where ``actual`` differs from ``expected``, as ``where: expected X, found Y``."""
    if actual is None:
        return [f"{path} is missing at the head"]
    try:
        a, b = parse(expected, path).data, parse(actual, path).data
    except ModelpromoteError:
        return ["the head is not YAML"]
    out: list[str] = []
    _walk(a, b, "", out)
    if not out:
        return ["same data, but the bytes differ (formatting, comments or quoting)"]
    more = len(out) - limit
    return out[:limit] + ([f"and {more} more"] if more > 0 else [])


def _short(v: Any) -> str:
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 60 else text[:57] + "..."


KEYED = {"models": "name", "environments": "name", "version_history": "version"}  # lists whose items have a unique key


def _item_key(where: str, item: Any) -> str | None:
    key = KEYED.get(where)
    if key is not None and isinstance(item, dict) and isinstance(item.get(key), str):
        return str(item[key])
    return None


def _walk(a: Any, b: Any, where: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *(k for k in b if k not in a)]:
            at = f"{where}.{k}" if where else str(k)
            if k not in b:
                out.append(f"{at}: expected {_short(a[k])}, missing")
            elif k not in a:
                out.append(f"{at}: unexpected {_short(b[k])}")
            else:
                _walk(a[k], b[k], at, out)
        return
    if isinstance(a, list) and isinstance(b, list):
        keys_a, keys_b = [_item_key(where, x) for x in a], [_item_key(where, x) for x in b]
        if all(keys_a) and all(keys_b) and len(set(keys_a)) == len(a) and len(set(keys_b)) == len(b):
            by_b = dict(zip(keys_b, b, strict=True))
            for k, x in zip(keys_a, a, strict=True):
                if k not in by_b:
                    out.append(f"{where}[{k}]: missing")
                else:
                    _walk(x, by_b[k], f"{where}[{k}]", out)
            out.extend(f"{where}[{k}]: unexpected" for k in keys_b if k not in set(keys_a))
            return
        if len(a) != len(b):
            out.append(f"{where}: expected {len(a)} entries, found {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _walk(x, y, f"{where}[{i}]", out)
        return
    if a != b:
        out.append(f"{where}: expected {_short(a)}, found {_short(b)}")


# -- the gate's decision for a health pull request ---------------------------------------------


@dataclass(frozen=True)
class HealthGateResult(GateResult):
    what: str = "health change"

    def summary(self) -> str:
        if self.passed and self.needed == 0:
            return f"verified: exactly what health writes to {self.what}; no approvals needed"[:140]
        return super().summary()


def gate(
    verdict: HealthVerdict,
    *,
    reviews: Sequence[Review],
    head_sha: str,
    author: str,
    bot: str | None,
    approvals: int,
    owners: frozenset[str] | None,
    labels: frozenset[str] = frozenset(),
    writers: frozenset[str] | None = None,
) -> HealthGateResult:
    """The approval gate's result for a pull request from a health branch.

    * verified and opened by the health bot (or no bot is configured): passes with no approvals;
    * verified but opened by someone else: the environment's usual ``approvals`` from owners;
    * not verified: fails whatever the reviews say.  A change the gate cannot recompute is not a
      health change, and the promotion rules cannot approve it either (as for any other
      branch): close it; docs/github.md says what to do instead.
    """
    what = verdict.branch.what if verdict.branch is not None else "change this"
    trusted = bot is None or author.lower() == bot.lower()
    if not verdict.verified:
        base = evaluate(GateInput(reviews, head_sha, author, 0, owners, False, labels, verdict.checks))
        skip = Check("approvals", None, "not counted: approvals cannot pass a change the gate cannot verify; close the pull request")
        return HealthGateResult((skip, *base.checks[1:]), (), approvals, what)
    if trusted:
        note = (
            Check("health-author", True, f"opened by the health bot {bot}")
            if bot is not None
            else Check("health-author", True, "no health bot configured (--bot / MODELPROMOTE_BOT_LOGIN): the exact change suffices")
        )
        r = evaluate(GateInput(reviews, head_sha, author, 0, owners, False, labels, (*verdict.checks, note)))
        none = Check("approvals", True, "none needed: the change is exactly health's")
        return HealthGateResult((none, *r.checks[1:]), r.approvers, r.needed, what)
    r = evaluate(GateInput(reviews, head_sha, author, approvals, owners, False, labels, verdict.checks, writers=writers))
    ok = r.checks[0].ok is True
    note = Check(
        "health-author",
        ok,
        f"opened by {author}, not the health bot {bot}: needs the usual {approvals} approval(s) from owners" + (" (given)" if ok else ""),
        None if ok else "MP720",
    )
    return HealthGateResult((*r.checks, note), r.approvers, r.needed, what)
