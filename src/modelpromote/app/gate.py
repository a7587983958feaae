"""The approval gate of a pull request: read it from GitHub, judge it, report the verdict on its head.

Promotion pull requests (``promote/...``) are judged by :mod:`modelpromote.policy.approval` on top
of checks computed here (the head validates, the plan still allows it, the diff is exactly the
plan's).  Pull requests from health branches (``rollback/...``, ``canary/...``) are judged by
:mod:`modelpromote.policy.health_change`: exactly the change health makes.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..errors import CheckFailed, Finding, InputError, ModelpromoteError
from ..manifest.schema import Manifest
from ..naming import is_health_ref, parse_branch
from ..policy.approval import Check, GateResult, Review, latest_decisive
from ..policy.classify import Part
from ..policy.health_change import HealthVerdict
from .github_store import valid_manifest
from .ports import GitHubPort, PullInfo

STATUS_CONTEXT = "modelpromote/approval"
BOT_ENV = "MODELPROMOTE_BOT_LOGIN"


def bot_login(value: str | None) -> str | None:
    """--bot, else $MODELPROMOTE_BOT_LOGIN, else None (no bot configured); a leading @ is dropped."""
    login = (value if value is not None else os.environ.get(BOT_ENV, "")).strip().lstrip("@")
    return login or None


@dataclass(frozen=True)
class GateOutcome:
    info: PullInfo
    result: GateResult
    model: str | None
    env: str | None
    version: str | None
    verdict: HealthVerdict | None = None  # health pull requests: the pure verdict on the change
    parts: tuple[Part, ...] = ()  # other changes to the models folder: what each part needs
    status_written: bool = False
    status_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.result.passed, "pr": self.info.number, "head_sha": self.info.head_sha, "status_written": self.status_written,
                "parts": [p.to_json() for p in self.parts], **self.result.to_json()}


def resolve_owners(gh: GitHubPort, owners: list[str]) -> frozenset[str] | None:
    """The logins of ``owners`` (teams resolved to their members); None when the model names none."""
    if not owners:
        return None
    logins: set[str] = set()
    for o in owners:
        name = o.lstrip("@")
        if "/" in name:
            org, slug = name.split("/", 1)
            logins |= set(gh.team_members(org, slug))
        else:
            logins.add(name)
    return frozenset(logins)


WRITE = frozenset({"admin", "maintain", "write"})


def _writers(gh: GitHubPort, reviews: list[Review]) -> frozenset[str]:
    """The approving reviewers who have write access: only they can make an approval count."""
    approving = sorted({r.login for r in latest_decisive(reviews).values() if r.state == "APPROVED"})
    return frozenset(login for login in approving if gh.permission(login) in WRITE)


def _models_dir(manifest_path: str) -> str:
    return posixpath.dirname(manifest_path) or "."


def judge(
    gh: GitHubPort, info: PullInfo, manifest_path: str, now: datetime, bot: str | None = None, eval_results: str | None = None
) -> GateOutcome:
    """Everything the gate needs, read from GitHub, and the pure verdict.

    Trust comes from the base branch only: the manifest it judges against is the base branch's
    current tip, and the pull request must contain that tip (its merge base is the tip), so what
    it shows is what the merge would write.  A pull request that changes nothing under the
    manifest's folder passes at once: the gate never blocks unrelated work.
    """
    folder = _models_dir(manifest_path)
    files = gh.changed_files(info.number)
    touched = [f for f in files if f == manifest_path or f.startswith(folder + "/")]
    if not touched:
        ok = Check("scope", True, f"changes nothing under {folder}/: no approvals needed")
        return GateOutcome(info, GateResult((ok,), (), 0), None, None, None)
    tip = gh.branch_sha(info.base_ref)
    if tip is None:
        raise CheckFailed(Finding("MP714", f"the base branch {info.base_ref!r} of #{info.number} does not exist"))
    merge_base = gh.merge_base(tip, info.head_sha)
    if merge_base != tip:
        behind = Check(
            "base",
            False,
            f"#{info.number} is not on the current tip of {info.base_ref} ({tip[:12]}; its merge base is {merge_base[:12]}): "
            "update the branch (re-run `modelpromote pr` rebuilds a promotion on the new tip)",
            "MP721",
        )
        return GateOutcome(info, GateResult((behind,), (), 0), None, None, None)
    if is_health_ref(info.head_ref):
        return judge_health(gh, info, manifest_path, now, bot)
    branch = parse_branch(info.head_ref)
    if branch is not None and branch.kind == "promote":
        return _judge_promotion(gh, info, manifest_path, now, tip, branch.model, branch.env, branch.version, eval_results)
    return _judge_change(gh, info, manifest_path, tip, files)


def _head_check(head_text: str | None, manifest_path: str) -> tuple[Check, Manifest | None]:
    from ..manifest.load import load_text

    if head_text is None:
        return Check("manifest", False, f"{manifest_path} is missing at the head", "MP714"), None
    try:
        loaded = load_text(head_text, manifest_path)
    except ModelpromoteError as exc:
        return Check("manifest", False, f"invalid at the head: {exc.findings[0].message}", "MP714"), None
    if not loaded.ok:
        first = next(f for f in loaded.findings if f.severity == "error")
        return Check("manifest", False, f"invalid at the head: {first.where()} {first.message}", "MP714"), None
    return Check("manifest", True, "the manifest at the head validates"), loaded.manifest


def _owners_of(gh: GitHubPort, base: Manifest, models: tuple[str, ...]) -> frozenset[str] | None:
    owners = sorted({o for name in models if (m := base.model(name)) is not None for o in m.owners})
    return resolve_owners(gh, owners)


def _prompt_checks(
    gh: GitHubPort, info: PullInfo, manifest_path: str, files: list[str], base: Manifest, head: Manifest | None
) -> list[Check]:
    """Released prompts are frozen by their digest: a changed text fails, whatever the approvals."""
    from ..manifest.prompt_checks import classify_prompt_changes, prompt_paths_to_read

    paths = prompt_paths_to_read(files, manifest_path, base, head)
    head_bytes = {p: (None if (t := gh.read_file(p, info.head_sha)) is None else t.encode("utf-8")) for p in paths}
    changes = classify_prompt_changes(files, manifest_path, base, head, head_bytes)
    return [Check("prompt", False, c.finding.message, c.finding.code) for c in changes if c.finding is not None]


def _judge_change(gh: GitHubPort, info: PullInfo, manifest_path: str, tip: str, files: list[str]) -> GateOutcome:
    """Any other change to the models folder: every part classified, each with its own approvals."""
    from ..policy.approval import GateInput, Need, evaluate
    from ..policy.classify import classify

    base_text = gh.read_file(manifest_path, tip)
    if base_text is None:
        raise CheckFailed(Finding("MP714", f"no {manifest_path} on {info.base_ref} ({tip[:12]})"))
    base_m = valid_manifest(base_text, f"{manifest_path}@{tip[:12]}")
    check, head_m = _head_check(gh.read_file(manifest_path, info.head_sha), manifest_path)
    parts = classify(base_m, head_m, files, _models_dir(manifest_path)) if head_m is not None else []
    resolved: dict[tuple[str, ...], frozenset[str] | None] = {}  # one team lookup per set of models, not per part
    for p in parts:
        if p.owners_of not in resolved:
            resolved[p.owners_of] = _owners_of(gh, base_m, p.owners_of)
    needs = [Need(p.what, p.required, resolved[p.owners_of]) for p in parts]
    if head_m is not None and not parts:
        needs = [Need("comments and formatting only", 0)]
    reviews = gh.reviews(info.number)
    summary = Check("classified", None, "; ".join(f"{p.kind}: {p.what}" for p in parts) or "no change to the manifest's data")
    extra = (check, summary, *_prompt_checks(gh, info, manifest_path, files, base_m, head_m))
    gate_in = GateInput(reviews, info.head_sha, info.author, 0, extra=extra, writers=_writers(gh, reviews), needs=needs)
    return GateOutcome(info, evaluate(gate_in), None, None, None, parts=tuple(parts))


def _eval_check(gh: GitHubPort, info: PullInfo, base: Manifest, pattern: str, model: str, env: str, version: str) -> Check:
    """The eval gate on the results the pull request's head holds, judged by the base's policy.

    The results are data read through the API; nothing from the pull request runs.
    """
    from ..gates.eval import decide, parse_results, resolve_rules
    from ..report.eval import summary_line

    path = pattern.format(model=model, env=env, version=version)
    text = gh.read_file(path, info.head_sha)
    if text is None:
        return Check("eval", False, f"no eval results at {path} on the head: the eval did not run", "MP512")
    try:
        results = parse_results(text.encode("utf-8"), path)
        report = decide(results, resolve_rules(base, model, env))
    except ModelpromoteError as exc:
        f = exc.findings[0]
        return Check("eval", False, f"{path}: {f.message}", f.code)
    if results.model not in (None, model) or results.version not in (None, version):
        return Check("eval", False, f"{path} reports {results.model} {results.version}, not {model} {version}", "MP314")
    code = None if report.passed else "MP508" if report.status == "FAIL" else "MP509"
    return Check("eval", report.passed, f"{path}: {summary_line(report)}", code)


def _judge_promotion(
    gh: GitHubPort,
    info: PullInfo,
    manifest_path: str,
    now: datetime,
    tip: str,
    model: str,
    env: str,
    version: str,
    eval_results: str | None = None,
) -> GateOutcome:
    from ..manifest import changes as ch
    from ..manifest.load import load_text
    from ..policy.approval import GateInput, evaluate
    from ..policy.plan import PromotionRequest, plan_promotion
    from .pull_request import _entry_time

    number = info.number
    base_point = tip  # the plan is judged on the base branch as it is now
    base_text = gh.read_file(manifest_path, base_point)
    head_text = gh.read_file(manifest_path, info.head_sha)
    if base_text is None:
        raise CheckFailed(Finding("MP714", f"no {manifest_path} at the base of #{number} ({base_point[:12]})"))
    base_m = valid_manifest(base_text, f"{manifest_path}@{base_point[:12]}")
    extra: list[Check] = [_head_check(head_text, manifest_path)[0]]
    plan = plan_promotion(base_m, PromotionRequest(model, version, env, breaking=True), now)
    failed = "; ".join(r.message for r in plan.failures)
    extra.append(
        Check("plan", plan.allowed, "the plan still allows it" if plan.allowed else f"refused now: {failed}",
              None if plan.allowed else "MP715")
    )
    files = gh.changed_files(number)
    at = _entry_time(head_text, model, env, version)
    scope_ok = False
    if files != [manifest_path]:
        scope_msg = f"changes {', '.join(files) or 'nothing'}; a promotion changes only {manifest_path}"
    elif at is None or head_text is None:
        scope_msg = f"no promotions entry for {model} -> {version} in {env}"
    else:
        head_m = load_text(head_text, check=False).manifest
        assert head_m is not None
        entry = next(p for p in reversed(head_m.promotions) if p.to == version and p.env == env)
        change = ch.Promote(model, env, version, plan.current, at, entry.by, entry.reason,
                            canary_weight=plan.canary.weight if plan.canary else None, pr=entry.pr)
        expected = ch.apply(base_text, manifest_path, [change])
        scope_ok = expected == head_text and entry.pr in (None, number)
        scope_msg = (
            "the diff is exactly the plan's"
            if scope_ok
            else f"the promotions entry names pull request #{entry.pr}, not #{number}"
            if expected == head_text
            else f"the manifest differs from what the plan writes ({model} {env} -> {version})"
        )
    extra.append(Check("scope", scope_ok, scope_msg, None if scope_ok else "MP713"))
    if eval_results:
        extra.append(_eval_check(gh, info, base_m, eval_results, model, env, version))
    mdl = base_m.model(model)
    env_cfg = base_m.env(env)
    reviews = gh.reviews(number)
    gate_in = GateInput(
        reviews=reviews,
        head_sha=info.head_sha,
        author=info.author,
        required=env_cfg.approvals if env_cfg else 0,
        owners=resolve_owners(gh, list(mdl.owners) if mdl else []),
        is_major=plan.major,
        labels=info.labels,
        extra=tuple(extra),
        writers=_writers(gh, reviews),
    )
    return GateOutcome(info, evaluate(gate_in), model, env, version)


def judge_health(gh: GitHubPort, info: PullInfo, manifest_path: str, now: datetime, bot: str | None) -> GateOutcome:
    """The gate for a pull request from a health branch: exactly the change health writes from its base."""
    from ..manifest.load import load_text
    from ..policy.health_change import HealthChange, gate, verify

    tip = gh.branch_sha(info.base_ref)
    parent = gh.parent(info.head_sha)
    base_text = gh.read_file(manifest_path, parent)
    if base_text is None:
        raise CheckFailed(Finding("MP714", f"no {manifest_path} at the parent of #{info.number}'s head ({parent[:12]})"))
    head_text = gh.read_file(manifest_path, info.head_sha)
    files = gh.changed_files(info.number)
    verdict = verify(
        HealthChange(
            ref=info.head_ref,
            path=manifest_path,
            base_text=base_text,
            head_text=head_text,
            files=tuple(files),
            parent_is_base=parent != info.head_sha and parent == tip,
            author=info.author,
            now=now,
            bot=bot,
        )
    )
    branch = verdict.branch
    try:
        base_m = load_text(base_text, manifest_path, check=False).manifest
    except ModelpromoteError:
        base_m = None  # not YAML: verify already said so (MP717)
    model = base_m.model(branch.model) if base_m is not None and branch is not None else None
    env_cfg = base_m.env(branch.env) if base_m is not None and branch is not None else None
    trusted = bot is None or info.author.lower() == bot.lower()
    # Owners matter only when approvals count; resolving teams costs calls and members:read.
    owners = resolve_owners(gh, list(model.owners)) if verdict.verified and not trusted and model is not None else None
    reviews = gh.reviews(info.number)
    result = gate(
        verdict,
        reviews=reviews,
        head_sha=info.head_sha,
        author=info.author,
        bot=bot,
        writers=_writers(gh, reviews) if verdict.verified and not trusted else None,
        approvals=env_cfg.approvals if env_cfg is not None else 0,
        owners=owners,
        labels=info.labels,
    )
    return GateOutcome(
        info, result, branch.model if branch else None, branch.env if branch else None, branch.version if branch else None, verdict
    )


def run_gate(gh: GitHubPort, number: int, manifest_path: str, now: datetime, *, bot: str | None, context: str = STATUS_CONTEXT,
             head_sha: str | None = None, eval_results: str | None = None) -> GateOutcome:
    """Judge pull request ``number`` and set its status on the head (``head_sha`` when the caller just pushed it)."""
    info = gh.pull(number)
    if head_sha is not None:
        info = replace(info, head_sha=head_sha)  # GitHub's pull request view may lag behind a push
    out = judge(gh, info, manifest_path, now, bot, eval_results)
    state = "success" if out.result.passed else "failure"
    try:
        written = gh.set_status(info.head_sha, context, state, out.result.summary(), info.url)
    except InputError as exc:
        if head_sha is None:
            raise
        # health's own run: a token without commit statuses: write must not stop it half-way; the merge
        # still waits for the verdict, and branch protection (if any) refuses it without the status.
        return replace(out, status_error="; ".join(f.message for f in exc.findings))
    return replace(out, status_written=written)
