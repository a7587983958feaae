"""Health: read the metrics of every live canary and recent promotion, then advance, hold or roll back.

Every metric is read before anything is decided or written, so a metrics source that fails
half-way (exit 3) changes nothing.  Two ways to apply the decisions:

* :func:`run_local`: edit the manifest file (one :func:`~modelpromote.app.store.commit_changes`
  transaction under the store's lock);
* :func:`run_github`: read the base branch and turn each decision into a pull request
  (``rollback/...``, ``canary/...``), gate it with the same rules the approval gate uses, and merge
  it when policy says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import Finding, InputError
from ..gates.health import Decision, Observation
from ..manifest.schema import Manifest
from ..naming import parse_branch, require_model_env
from ..policy.watch import Skipped
from .metrics_source import SourceChoice as SourceChoice  # re-exported: cli/health_verbs uses app.health.SourceChoice
from .metrics_source import make_source, since_step
from .ports import GitHubPort
from .store import ManifestStore


@dataclass
class HealthRun:
    """What one run decided and did."""

    now: datetime
    where: str
    dry_run: bool
    decisions: list[Decision] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    source: str | None = None
    applied: bool = False
    pull_requests: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    repo: str | None = None
    base: str | None = None

    @property
    def rollbacks(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == "ROLLBACK"]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ok": not self.rollbacks,
            "at": self.now.isoformat(),
            "dry_run": self.dry_run,
            "applied": self.applied,
            "source": self.source,
            "decisions": [d.to_json() for d in self.decisions],
            "skipped": [{"model": s.model, "env": s.env, "version": s.version, "reason": s.reason} for s in self.skipped],
        }
        if self.repo is not None:
            out.update(repo=self.repo, base=self.base, pull_requests=self.pull_requests)
        return out


def evaluate(
    m: Manifest, manifest_path: str, now: datetime, choice: SourceChoice, *, model: str | None, env: str | None,
    open_prs: dict[tuple[str, str], int] | None = None,
) -> tuple[list[Decision], list[Skipped], str | None]:
    """(decisions, skipped, source description); every metric is read before anything is decided."""
    from ..gates.health import Rules, decide
    from ..manifest.schema import parse_duration
    from ..policy.watch import targets

    policy = m.policies.health
    rules = Rules.from_policies(m.policies)
    window = parse_duration(policy.window)
    found, skipped = targets(m, now, model=model, env=env, open_prs=open_prs)
    if not found:
        return [], skipped, None
    source = make_source(policy, manifest_path, choice.prometheus, choice.metrics_json)
    observed = []
    for t in found:
        span = since_step(t.since, now, window) if policy.since_step else window
        cand = source.observe(model=t.model, env=t.env, version=t.version, window=span, at=now, metrics=rules.enabled)
        base: Mapping[str, Observation] = {}
        if t.baseline is not None:
            base = source.observe(model=t.model, env=t.env, version=t.baseline, window=span, at=now, metrics=rules.enabled)
        observed.append((t, cand, base))
    return [decide(t, cand, base, rules, now) for t, cand, base in observed], skipped, source.describe()


def changing(decisions: list[Decision]) -> list[Decision]:
    return [d for d in decisions if d.action == "ROLLBACK" or (d.action == "ADVANCE" and d.next_weight is not None)]


def run_local(store: ManifestStore, now: datetime, choice: SourceChoice, *, model: str | None, env: str | None, dry_run: bool) -> HealthRun:
    """Decide from the local manifest and write the decisions into it (one transaction)."""
    from .store import commit_changes

    with store.session():
        doc = store.read()
        require_model_env(doc.manifest, model, env, doc.where)
        decisions, skipped, source = evaluate(doc.manifest, store.where, now, choice, model=model, env=env)
        run = HealthRun(now, store.where, dry_run, decisions, skipped, source)
        todo = [c for d in changing(decisions) for c in d.changes(now)]
        if todo and not dry_run:
            commit_changes(store, doc, todo, dry_run=False, summary="modelpromote health")
            run.applied = True
        return run


# -- GitHub mode --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GitHubOptions:
    bot: str | None = None
    status_context: str = "modelpromote/approval"
    base: str | None = None


def run_github(
    gh: GitHubPort, manifest_path: str, now: datetime, choice: SourceChoice, opts: GitHubOptions, *, model: str | None, env: str | None,
    dry_run: bool,
) -> HealthRun:
    """Decide from the base branch; each change becomes a pull request, gated and (by policy) merged."""
    from .github_store import BranchStore

    store = BranchStore(gh, manifest_path, opts.base, code="MP825")
    doc = store.read()
    base_branch = store.ref or ""
    m = doc.manifest
    where = doc.where
    require_model_env(m, model, env, where)
    promote: dict[tuple[str, str], int] = {}
    pending: dict[tuple[str, str], tuple[int, str]] = {}
    for number, head in gh.open_pull_heads(base_branch):
        b = parse_branch(head)
        if b is None:
            continue
        if b.kind == "promote":
            promote.setdefault((b.model, b.env), number)
        else:
            pending.setdefault((b.model, b.env), (number, head))
    decisions, skipped, source = evaluate(m, manifest_path, now, choice, model=model, env=env, open_prs=promote)
    run = HealthRun(now, where, dry_run, decisions, skipped, source, repo=gh.repo_name, base=base_branch)
    for d in changing(decisions):
        merge = d.action != "ROLLBACK" or m.policies.rollback.auto_merge
        if dry_run:
            run.pull_requests.append({"model": d.target.model, "env": d.target.env, "action": d.action, "branch": _branch(d),
                                      "number": None, "labels": _labels(d), "merge": merge, "dry_run": True})
            continue
        r = _propose(gh, d, store, doc, now, merge, pending, opts)
        run.pull_requests.append(r)
        run.findings += _findings(d, r, where)
        if r.get("merged"):
            # Main moved: build the next decision on the merged state, so the logs never conflict.
            store = BranchStore(gh, manifest_path, base_branch, code="MP825")
            doc = store.read()
    run.applied = any(r.get("created") or r.get("rebuilt") or r.get("merged_now") for r in run.pull_requests)
    return run


def _branch(d: Decision) -> str:
    """rollback/<model>/<env>/<version rolled back>, or canary/<model>/<env>/<version>-to-<weight>: fixed per decision."""
    from ..naming import canary_branch, rollback_branch

    t = d.target
    if d.action == "ROLLBACK":
        return rollback_branch(t.model, t.env, t.version)
    assert d.next_weight is not None
    return canary_branch(t.model, t.env, t.version, d.next_weight)


def _labels(d: Decision) -> list[str]:
    return ["rollback" if d.action == "ROLLBACK" else "canary", f"env:{d.target.env}"]


def _findings(d: Decision, r: dict[str, Any], where: str) -> list[Finding]:
    what = f"{d.target.model}/{d.target.env}"
    out = []
    if r.get("waiting_for") is not None:
        out.append(Finding("MP824", f"{what}: {d.action} waits for the open pull request #{r['waiting_for']}", where))
    elif r.get("closed_by_person") is not None:
        out.append(Finding("MP824", f"{what}: #{r['closed_by_person']} for this decision was closed unmerged; not reopened", where))
    elif r.get("left_open"):
        out.append(Finding("MP820", f"{what}: #{r['number']} left open: {r['left_open']}", where))
    if (r.get("gate") or {}).get("status_error"):
        out.append(Finding("MP702", f"{what}: could not set the approval status on #{r['number']}: {r['gate']['status_error']}", where,
                           hint="give the token commit statuses: write"))
    return out


def _propose(
    gh: GitHubPort, d: Decision, store: Any, doc: Any, now: datetime, merge: bool, pending: dict[tuple[str, str], tuple[int, str]],
    opts: GitHubOptions,
) -> dict[str, Any]:
    """Open (or find) the pull request for one decision, label it, gate it, merge it when asked.  Safe to re-run."""
    from ..manifest import changes as ch
    from ..manifest.load import load_text
    from ..report.pr_body import health_body, health_title, unified_diff
    from .github_store import BranchStore

    t = d.target
    branch = _branch(d)
    title = health_title(d)
    labels = _labels(d)
    out: dict[str, Any] = {
        "model": t.model, "env": t.env, "action": d.action, "branch": branch, "labels": labels, "merge": merge, "number": None,
        "url": None, "created": False, "rebuilt": False, "merged": False, "merged_now": False, "merge_sha": None, "left_open": None,
        "waiting_for": None, "closed_by_person": None, "gate": None,
    }
    other = pending.get((t.model, t.env))
    if other is not None and other[1] != branch:
        out["waiting_for"] = other[0]  # an earlier health PR for this model/env: settle it first
        return out
    base_branch = store.ref
    path = store.path
    old_sha = gh.branch_sha(branch)
    current = old_sha is not None and gh.parent(old_sha) == doc.commit
    if current and other is None:
        assert old_sha is not None
        closed = gh.find_closed_pr(branch, base_branch, old_sha)
        if closed is not None:
            out["closed_by_person"] = closed  # a person closed this very change: do not reopen it every run
            return out
    target = BranchStore(gh, path, base_branch, target=branch)

    def build() -> str:
        new_text = ch.apply(doc.text, path, d.changes(now))
        after = load_text(new_text, path)
        if not after.ok:
            raise InputError([Finding("MP808", f"{t.model}/{t.env}: the edited manifest would not validate; nothing was opened", doc.where),
                              *after.findings])
        target.write(doc, new_text, title + "\n\n" + "\n".join(d.reasons) + "\n")
        return new_text

    if current and old_sha is not None:
        # The branch already holds a change on this base (made at an earlier run's time): keep it,
        # so re-runs push nothing; the gate says below whether it is still exactly health's change.
        new_text, target.head = gh.read_file(path, old_sha) or doc.text, old_sha
    else:
        new_text = build()
    info, created = gh.open_or_update_pr(branch, base_branch, title, health_body(d, unified_diff(doc.text, new_text, path), merge))
    gh.add_labels(info.number, labels)
    gate = _gate(gh, info.number, target.head or "", path, now, opts)
    if not gate["verified"] and not target.rebuilt:
        # Health's branch no longer holds health's change (someone pushed to it): rebuild it, so the
        # pull request carries exactly the decision again, and judge the new head.
        new_text = build()
        info, _ = gh.open_or_update_pr(branch, base_branch, title, health_body(d, unified_diff(doc.text, new_text, path), merge))
        gate = _gate(gh, info.number, target.head or "", path, now, opts)
    out.update(number=info.number, url=info.url, created=created, rebuilt=target.rebuilt, head_sha=target.head, gate=gate)
    if merge:
        if not gate["passed"]:
            # Never merge what the gate would refuse; GitHub would refuse it too under branch protection.
            out.update(left_open=f"the approval gate did not pass: {gate['summary']}")
            return out
        merged, sha, why = gh.merge_pr(info.number, target.head or "", title)
        out.update(merged=merged, merged_now=merged, merge_sha=sha, left_open=None if merged else why)
    return out


def _gate(gh: GitHubPort, number: int, head_sha: str, path: str, now: datetime, opts: GitHubOptions) -> dict[str, Any]:
    """Run the approval gate on health's own pull request and set its status on ``head_sha``."""
    from .gate import run_gate

    g = run_gate(gh, number, path, now, bot=opts.bot, context=opts.status_context, head_sha=head_sha)
    return {
        "passed": g.result.passed,
        "verified": g.verdict.verified if g.verdict is not None else False,
        "context": opts.status_context,
        "state": "success" if g.result.passed else "failure",
        "summary": g.result.summary(),
        "status_written": g.status_written,
        "status_error": g.status_error,
        "rules": [c.to_json() for c in g.result.checks],
    }
