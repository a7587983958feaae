"""Open (or update, never duplicate) the pull request that promotes a model in an environment.

The plan is judged on the base branch's manifest; the change is written as one commit on the base
to ``promote/<model>/<env>/<version>`` (:class:`~modelpromote.app.github_store.BranchStore`), and
the one pull request from that branch is opened or brought up to date, with reviewers from the
model's owners and labels.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import Finding, InputError
from ..manifest import changes as ch
from ..manifest.schema import Manifest
from ..naming import check_version_ref, promotion_branch
from ..policy.plan import Plan, PromotionRequest
from .github_store import BranchStore
from .ports import GitHubPort
from .promotion import Refused, prompt_change


@dataclass(frozen=True)
class PullRequestResult:
    plan: Plan
    number: int | None = None  # None: nothing to open (the version is already live)
    url: str | None = None
    created: bool = False
    rebuilt: bool = False
    branch: str | None = None
    head_sha: str | None = None
    labels: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        if self.number is None:
            return {"ok": True, "noop": True, "plan": self.plan.to_json()}
        return {
            "ok": True,
            "number": self.number,
            "url": self.url,
            "created": self.created,
            "branch": self.branch,
            "head_sha": self.head_sha,
            "rebuilt": self.rebuilt,
            "labels": list(self.labels),
            "reviewers": {"users": list(self.users), "teams": list(self.teams)},
            "plan": self.plan.to_json(),
        }


def reviewers_from(owners: list[str], repo_owner: str) -> tuple[list[str], list[str]]:
    """(users, team slugs) to request: @login -> user; @org/team -> team (only the repository's own org)."""
    users, teams = [], []
    for o in owners:
        name = o.lstrip("@")
        if "/" in name:
            org, slug = name.split("/", 1)
            if org.lower() == repo_owner.lower():
                teams.append(slug)
        else:
            users.append(name)
    return users, teams


def _entry_time(text: str | None, model: str, env: str, version: str) -> datetime | None:
    """When the existing branch's promotion entry says it happened (re-runs keep it: same bytes)."""
    if text is None:
        return None
    from ..manifest.load import load_text

    m = load_text(text, check=False).manifest
    if m is None:
        return None
    for p in reversed(m.promotions):
        if p.model == model and p.env == env and p.to == version:
            return p.at
    return None


def check_report_target(results: Any, path: str, model: str, version: str, env: str) -> None:
    """Refuse (MP314) eval results that say they are for another model, version or environment.

    Results that name nothing are accepted (many formats cannot say); a version matches with or
    without its ``_prompt-vN`` part.
    """
    from ..versions import VersionError, parse_version

    try:
        catalogue = parse_version(version).model_version
    except VersionError:
        catalogue = version
    wrong = []
    if results.model and results.model != model:
        wrong.append(f"model {results.model!r}, not {model!r}")
    if results.version and results.version not in (version, catalogue):
        wrong.append(f"version {results.version!r}, not {version!r}")
    if results.env and results.env != env:
        wrong.append(f"environment {results.env!r}, not {env!r}")
    if wrong:
        raise InputError(
            Finding(
                "MP314",
                f"--eval-report {path} is for {', '.join(wrong)}",
                path,
                hint=f"pass the eval results of {model} {version} for {env}",
            )
        )


def eval_section(path: str | None, manifest: Manifest, model: str, env: str, version: str | None = None) -> str:
    """The eval results for the body: judged against the manifest's thresholds, or a markdown file as is."""
    if not path:
        return ""
    from ..providers.results_file import read_results

    data = read_results(path)
    if path.endswith(".md"):
        return "## Evaluation\n\n" + data.decode("utf-8", "replace").strip() + "\n"
    from ..gates.eval.decide import decide
    from ..gates.eval.formats import parse_results
    from ..gates.eval.rules import rules_from_policy
    from ..report.eval import report_markdown

    results = parse_results(data, path)
    if version is not None:
        check_report_target(results, path, model, version, env)
    report = decide(results, rules_from_policy(manifest, model, env))
    return "## Evaluation\n\n" + report_markdown(report).strip() + "\n"


def open_promotion(
    gh: GitHubPort,
    manifest_path: str,
    req: PromotionRequest,
    *,
    now: datetime,
    by: str | None,
    base: str | None = None,
    eval_report: str | None = None,
) -> PullRequestResult:
    """The plan on the base branch; when allowed, the promotion branch and its one pull request."""
    from ..policy.plan import plan_promotion
    from ..report.pr_body import promotion_body, unified_diff

    check_version_ref(req.version)
    store = BranchStore(gh, manifest_path, base)
    doc = store.read()
    sha = doc.commit or store.ref or ""  # the prompts are read where the plan was judged: the base's commit
    manifest = doc.manifest
    from .experiment import evidence_for

    evidence = evidence_for(manifest, manifest_path, req.model, req.version, req.env, now)
    verdict = evidence.verdict if evidence is not None and manifest.policies.health.require_experiment else None
    plan = plan_promotion(manifest, req, now, experiment_verdict=verdict)
    if not plan.allowed:
        raise Refused(plan, manifest_path)
    if plan.noop:
        return PullRequestResult(plan)
    if by is None:
        raise InputError(Finding("MP302", "who is promoting? pass --by, or run where $GITHUB_ACTOR is set"))
    branch = promotion_branch(req.model, req.env, req.version)
    store.target = branch
    old_sha = gh.branch_sha(branch)
    old_text = gh.read_file(manifest_path, old_sha) if old_sha else None
    at = _entry_time(old_text, req.model, req.env, req.version) or now
    message = f"Promote {req.model} in {req.env}: {plan.current or 'nothing'} -> {req.version}\n\n{req.reason or ''}".rstrip() + "\n"
    title = f"Promote {req.model} to {req.version} in {req.env}" + (" (MAJOR)" if plan.major else "")
    evals = eval_section(eval_report, manifest, req.model, req.env, req.version)
    if evidence is not None:
        from ..report.experiment import render_markdown

        evals = f"{evals}\n\n{render_markdown(evidence)}" if evals else render_markdown(evidence)
    prompt = prompt_change(doc, plan, lambda f: gh.read_file(posixpath.normpath(posixpath.join(posixpath.dirname(manifest_path), f)), sha))
    base_branch = store.ref or gh.default_branch()
    # The log entry names its pull request (the audit trail: who approved it).  A new PR's number
    # exists only once it is open, so the first run opens it, then rewrites the branch's one
    # commit with the number, before anyone could have reviewed it.
    existing = gh.find_open_pr(branch, base_branch)
    number = existing.number if existing is not None else None
    rebuilt = False
    for _ in range(2):  # at most: open the PR, then record its number
        change = ch.Promote(req.model, req.env, req.version, plan.current, at, by, req.reason,
                            canary_weight=plan.canary.weight if plan.canary else None, pr=number)
        new_text = ch.apply(doc.text, manifest_path, [change])
        store.write(doc, new_text, message)
        rebuilt = rebuilt or store.rebuilt
        body = promotion_body(plan, manifest, unified_diff(doc.text, new_text, manifest_path), evals, prompt)
        info, _ = gh.open_or_update_pr(branch, base_branch, title, body)
        if info.number == number:
            break
        number = info.number
    mdl = manifest.model(req.model)
    users, teams = reviewers_from(list(mdl.owners) if mdl is not None else [], gh.repo_name.split("/")[0])
    gh.request_reviewers(info.number, users, teams)
    labels = ("promotion", f"env:{req.env}", *(("breaking-change",) if plan.major else ()))
    gh.add_labels(info.number, labels)
    return PullRequestResult(plan, info.number, info.url, existing is None, rebuilt, branch, store.head, labels, tuple(users), tuple(teams))
