"""Verbs that talk to GitHub: pr (open the promotion pull request), gate (approval status), deploy.

Thin: the decisions are :mod:`modelpromote.policy.plan`, :mod:`modelpromote.policy.approval` and
:mod:`modelpromote.policy.deploy`; GitHub is :mod:`modelpromote.providers.github`.  PyGithub is
imported only when one of these verbs runs.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import EXIT_FINDINGS, CheckFailed, Finding, InputError
from .common import DEFAULT_MANIFEST, echo_json, handle_errors, json_option, main, parse_time

if TYPE_CHECKING:
    from ..manifest.schema import Manifest
    from ..policy.approval import Check
    from ..policy.plan import Plan
    from ..providers.github import GitHub

F = TypeVar("F", bound=Callable[..., Any])

STATUS_CONTEXT = "modelpromote/approval"
BRANCH_RE = re.compile(r"^promote/(?P<model>[a-z0-9][a-z0-9-]{0,62})/(?P<env>[a-z0-9][a-z0-9-]{0,62})/(?P<version>[A-Za-z0-9._+-]+)$")
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SHA_RE = re.compile(r"^[0-9a-f]{7,40}$")


# -- shared options ----------------------------------------------------------------------------


def github_options(fn: F) -> F:
    fn = click.option(
        "--manifest",
        "-m",
        "manifest_path",
        default=DEFAULT_MANIFEST,
        show_default=True,
        envvar="MODELPROMOTE_MANIFEST",
        help="Path of the manifest inside the repository.",
    )(fn)
    fn = click.option(
        "--token", envvar="GITHUB_TOKEN", show_envvar=True, metavar="TOKEN", help="GitHub token (prefer the env var: flags show in `ps`)."
    )(fn)
    fn = click.option(
        "--api-url",
        envvar="GITHUB_API_URL",
        show_envvar=True,
        metavar="URL",
        help="API base, e.g. https://ghe.example.com/api/v3 [default: github.com].",
    )(fn)
    fn = click.option(
        "--repo", envvar="GITHUB_REPOSITORY", show_envvar=True, metavar="OWNER/NAME", help="The repository holding the manifest."
    )(fn)
    return fn


def connect(repo: str | None, token: str | None, api_url: str | None) -> GitHub:
    from ..providers.github import GitHub, settings_from_env

    return GitHub(settings_from_env(repo, token, api_url))



def manifest_on(gh: GitHub, manifest_path: str, ref: str | None, *, code: str = "MP704") -> tuple[str, str, str, Manifest]:
    """(ref, commit sha, text, validated manifest) of the manifest on ``ref`` (default: the default branch).

    ``ref`` is a branch name or a full commit SHA.  Shared by every verb that decides from what
    the repository holds rather than from a local file (pr, health --github, drift).
    """
    ref = ref or gh.default_branch()
    sha = gh.branch_sha(ref) or (ref if SHA_RE.match(ref) else None)
    if sha is None:
        raise InputError(Finding(code, f"no branch {ref!r} in {gh.s.repo}", hint="pass a branch name or a commit SHA"))
    text = gh.read_file(manifest_path, sha)
    if text is None:
        raise InputError(Finding(code, f"no {manifest_path} at {ref} in {gh.s.repo}", hint="pass --manifest PATH-IN-REPO"))
    return ref, sha, text, _load(text, f"{manifest_path}@{ref}")


def _load(text: str, where: str) -> Manifest:
    from ..manifest.load import load_text

    loaded = load_text(text, where)
    if not loaded.ok or loaded.manifest is None:
        raise CheckFailed([*loaded.findings, Finding("MP714", f"{where} does not validate", where, hint="fix it first")])
    return loaded.manifest


def _outputs(values: dict[str, str]) -> None:
    from ..providers.files import in_github_actions, set_outputs

    if in_github_actions():
        set_outputs(values)


def branch_name(model: str, env: str, version: str) -> str:
    return f"promote/{model}/{env}/{version}"


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


# -- pr ----------------------------------------------------------------------------------------


def _eval_section(path: str | None, manifest: Manifest, model: str, env: str) -> str:
    if not path:
        return ""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(Finding("MP001", f"{path}: {exc.strerror}", path)) from None
    if path.endswith(".md"):
        return "## Evaluation\n\n" + data.decode("utf-8", "replace").strip() + "\n"
    from ..gates.eval.decide import decide
    from ..gates.eval.formats import parse_results
    from ..gates.eval.report import report_markdown
    from ..gates.eval.rules import rules_from_policy

    report = decide(parse_results(data, path), rules_from_policy(manifest, model, env))
    return "## Evaluation\n\n" + report_markdown(report).strip() + "\n"


def pr_body(plan: Plan, manifest: Manifest, diff: str, eval_md: str) -> str:
    from .promotion_verbs import render_plan

    r = plan.request
    catalogue = manifest.catalogue()
    base_version = r.version.split("_prompt-v")[0]
    entry = catalogue.get(r.version) or catalogue.get(base_version)
    env = manifest.env(r.env)
    how = (
        f"starts as a canary at {plan.canary.weight}% (the rest stays on `{plan.canary.baseline}`)"
        if plan.canary
        else "full rollout on merge"
    )
    lines = [
        f"Promote **{r.model}** in **{r.env}**: `{plan.current or 'nothing'}` → `{r.version}` ({plan.change or 'new'} change; {how}).",
        "",
        f"Needs {plan.approvals} approval(s) on the head commit from the model's owners"
        + (", and the `breaking-change` label (MAJOR change)." if plan.major else "."),
        "",
        "## Plan",
        "",
        "```",
        render_plan(plan),
        "```",
        "",
    ]
    if eval_md:
        lines += [eval_md, ""]
    lines += ["## Changelog", "", (entry.changelog if entry and entry.changelog else "_no changelog entry_"), ""]
    lines += ["## Manifest change", "", "```diff", diff.rstrip("\n"), "```", ""]
    rollback = (
        f"`modelpromote rollback {r.model} --env {r.env}` restores `{plan.current}`"
        if plan.current
        else f"remove the {r.env} pointer for {r.model}"
    )
    lines += ["## Rollback plan", "", f"- If it misbehaves: {rollback} (a reviewed PR, like this one)."]
    if env is not None and env.canary is not None and plan.canary is not None:
        lines.append(f"- Health checks advance the canary through {env.canary.steps} every {env.canary.interval} and roll back on breach.")
    lines += ["", "<!-- opened by modelpromote pr; re-running it updates this pull request -->"]
    return "\n".join(lines) + "\n"


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


@main.command()
@click.argument("model")
@click.argument("version")
@click.option("--to", "--env", "env", required=True, metavar="ENV", help="Target environment.")
@click.option(
    "--eval-report", type=click.Path(dir_okay=False), help="Eval results (any format `modelpromote eval` reads, or .md) for the body."
)
@click.option("--reason", metavar="TEXT", help="Why; recorded in the promotions log.")
@click.option("--breaking", is_flag=True, help="Acknowledge a MAJOR change (the PR gets the breaking-change label).")
@click.option("--force", is_flag=True, help="Promote a version recorded as failed here (needs --reason).")
@click.option("--by", metavar="WHO", help="Who is recorded [default: @<token user>].")
@click.option("--base", metavar="BRANCH", help="Base branch [default: the repository's default branch].")
@click.option("--now", "now_text", metavar="ISO", help="Decide as of this time, not now.")
@github_options
@json_option
@handle_errors
def pr(
    model: str,
    version: str,
    env: str,
    eval_report: str | None,
    reason: str | None,
    breaking: bool,
    force: bool,
    by: str | None,
    base: str | None,
    now_text: str | None,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    manifest_path: str,
    as_json: bool,
) -> None:
    """Open (or update) the pull request that promotes MODEL to VERSION in ENV.

    Runs `plan` against the manifest on the base branch; when allowed, writes the byte-minimal
    manifest change as one commit on the current base (through the git data API) to branch
    promote/<model>/<env>/<version>, and opens the pull request from it, or brings the existing
    one up to date: never a second one.  The body holds the plan's verdicts, the eval table
    (--eval-report), the changelog, the manifest diff and the rollback plan; reviewers come from
    the model's owners; labels are promotion, env:<env>, and breaking-change for a MAJOR change.
    When the base branch has moved, the branch is rebuilt on the new base.

    A refused plan opens nothing: the rules say why (exit 1).  Exit 3 when GitHub keeps failing
    (re-running is safe).  The token comes from $GITHUB_TOKEN and is never printed.

    \b
    Examples:
      GITHUB_TOKEN=... modelpromote pr customer-support claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 --to production --repo acme/models
      modelpromote pr code-generator claude-opus-v4.0.0 --to staging --breaking --eval-report results.json --json
    """
    from ..manifest.edit import apply_promotion
    from ..policy.plan import PromotionRequest, plan_promotion
    from .promotion_verbs import render_plan

    for kind, value in (("model", model), ("environment", env)):
        if not NAME_RE.match(value):
            raise InputError(Finding("MP302", f"invalid {kind} name {value!r}", hint="lowercase letters, digits and -"))
    if not VERSION_RE.match(version) or ".." in version or version.endswith(".lock"):
        raise InputError(Finding("MP201", f"invalid version {version!r}"))
    if force and not reason:
        raise InputError(Finding("MP302", "--force needs --reason"))
    gh = connect(repo, token, api_url)
    base_branch, base_sha, base_text, manifest = manifest_on(gh, manifest_path, base)
    now = parse_time(now_text)
    plan = plan_promotion(manifest, PromotionRequest(model, version, env, force=force, reason=reason, breaking=breaking), now)
    if not plan.allowed:
        if not as_json:
            click.echo(render_plan(plan), err=True)
        raise CheckFailed([Finding(x.code or "MP302", x.message, manifest_path, hint=x.hint) for x in plan.failures])
    if plan.noop:
        if as_json:
            echo_json({"ok": True, "noop": True, "plan": plan.to_json()})
        else:
            click.echo(f"{version} is already live for {model} in {env}: nothing to open")
        return
    branch = branch_name(model, env, version)
    old_sha = gh.branch_sha(branch)
    old_text = gh.read_file(manifest_path, old_sha) if old_sha else None
    at = _entry_time(old_text, model, env, version) or now
    who = by or f"@{gh.me()}"
    message = f"Promote {model} in {env}: {plan.current or 'nothing'} -> {version}\n\n{reason or ''}".rstrip() + "\n"
    title = f"Promote {model} to {version} in {env}" + (" (MAJOR)" if plan.major else "")
    evals = _eval_section(eval_report, manifest, model, env)
    # The log entry names its pull request (the audit trail: who approved it).  A new PR's number
    # exists only once it is open, so the first run opens it, then rewrites the branch's one
    # commit with the number, before anyone could have reviewed it.
    existing = gh.find_open_pr(branch, base_branch)
    number = existing.number if existing is not None else None
    head_sha = old_sha or ""
    rebuilt = False
    for _ in range(2):  # at most: open the PR, then record its number
        new_text = apply_promotion(base_text, manifest_path, plan, at, who, reason, number)
        if not (head_sha and old_text == new_text and gh.parent(head_sha) == base_sha):
            head_sha = gh.commit_file(base_sha, manifest_path, new_text, message)
            gh.set_branch(branch, head_sha)
            old_text, rebuilt = new_text, True
        diff = "".join(
            difflib.unified_diff(base_text.splitlines(True), new_text.splitlines(True), f"a/{manifest_path}", f"b/{manifest_path}", n=1)
        )
        info, _ = gh.open_or_update_pr(branch, base_branch, title, pr_body(plan, manifest, diff, evals))
        if info.number == number:
            break
        number = info.number
    created = existing is None
    mdl = manifest.model(model)
    owners = list(mdl.owners) if mdl is not None else []
    users, teams = reviewers_from(list(owners), gh.s.repo.split("/")[0])
    gh.request_reviewers(info.number, users, teams)
    labels = ["promotion", f"env:{env}"] + (["breaking-change"] if plan.major else [])
    gh.add_labels(info.number, labels)
    result = {
        "ok": True,
        "number": info.number,
        "url": info.url,
        "created": created,
        "branch": branch,
        "head_sha": head_sha,
        "rebuilt": rebuilt,
        "labels": labels,
        "reviewers": {"users": users, "teams": teams},
        "plan": plan.to_json(),
    }
    _outputs({"pr-number": str(info.number), "pr-url": info.url, "branch": branch})
    if as_json:
        echo_json(result)
    else:
        verb = "opened" if created else ("updated" if rebuilt else "unchanged")
        click.echo(f"{verb} #{info.number} {info.url}\n  branch {branch} at {head_sha[:12]}; labels {', '.join(labels)}")


# -- gate --------------------------------------------------------------------------------------


def _owners(gh: GitHub, owners: list[str]) -> frozenset[str] | None:
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


def gate_checks(gh: GitHub, number: int, manifest_path: str, now: datetime, bot: str | None = None) -> dict[str, Any]:
    """Everything the gate needs, read from GitHub, and the pure verdict.

    Pull requests from health branches (rollback/..., canary/...) are judged by
    :func:`modelpromote.cli.health_gate.health_gate_checks`: exactly the change health makes.
    """
    from ..manifest.edit import apply_promotion
    from ..manifest.load import load_text
    from ..policy.approval import Check, GateInput, evaluate
    from ..policy.health_change import is_health_ref
    from ..policy.plan import PromotionRequest, plan_promotion

    info = gh.pull(number)
    if is_health_ref(info.head_ref):
        from .health_gate import health_gate_checks

        return health_gate_checks(gh, info, manifest_path, now, bot)
    m = BRANCH_RE.match(info.head_ref)
    if m is None:
        raise CheckFailed(
            Finding(
                "MP705",
                f"#{number} comes from {info.head_ref!r}, not a promote/<model>/<env>/<version> (or health rollback/, canary/) branch",
            )
        )
    model, env, version = m["model"], m["env"], m["version"]
    base_point = gh.parent(info.head_sha, max(1, info.commits))
    base_text = gh.read_file(manifest_path, base_point)
    head_text = gh.read_file(manifest_path, info.head_sha)
    if base_text is None:
        raise CheckFailed(Finding("MP714", f"no {manifest_path} at the base of #{number} ({base_point[:12]})"))
    base_m = _load(base_text, f"{manifest_path}@{base_point[:12]}")
    extra: list[Check] = []
    head_ok = False
    if head_text is None:
        extra.append(Check("manifest", False, f"{manifest_path} is missing at the head", "MP714"))
    else:
        loaded = load_text(head_text, manifest_path)
        head_ok = loaded.ok
        errors = [f for f in loaded.findings if f.severity == "error"]
        first = f": {errors[0].where()} {errors[0].message}" if errors else ""
        extra.append(
            Check(
                "manifest",
                head_ok,
                "the manifest at the head validates" if head_ok else f"invalid at the head{first}",
                None if head_ok else "MP714",
            )
        )
    plan = plan_promotion(base_m, PromotionRequest(model, version, env, breaking=True), now)
    failed = "; ".join(r.message for r in plan.failures)
    extra.append(
        Check(
            "plan",
            plan.allowed,
            "the plan still allows it" if plan.allowed else f"refused now: {failed}",
            None if plan.allowed else "MP715",
        )
    )
    files = gh.changed_files(number)
    at = _entry_time(head_text, model, env, version)
    scope_ok = False
    if files != [manifest_path]:
        scope_msg = f"changes {', '.join(files) or 'nothing'}; a promotion changes only {manifest_path}"
    elif at is None or head_text is None:
        scope_msg = f"no promotions entry for {model} -> {version} in {env}"
    else:
        entry = next(p for p in reversed(load_text(head_text, check=False).manifest.promotions) if p.to == version and p.env == env)  # type: ignore[union-attr]
        expected = apply_promotion(base_text, manifest_path, plan, at, entry.by, entry.reason, entry.pr)
        scope_ok = expected == head_text and entry.pr in (None, number)
        scope_msg = (
            "the diff is exactly the plan's"
            if scope_ok
            else f"the promotions entry names pull request #{entry.pr}, not #{number}"
            if expected == head_text
            else f"the manifest differs from what the plan writes ({model} {env} -> {version})"
        )
    extra.append(Check("scope", scope_ok, scope_msg, None if scope_ok else "MP713"))
    mdl = base_m.model(model)
    env_cfg = base_m.env(env)
    owners = _owners(gh, list(mdl.owners) if mdl else [])
    gate_in = GateInput(
        reviews=gh.reviews(number),
        head_sha=info.head_sha,
        author=info.author,
        required=env_cfg.approvals if env_cfg else 0,
        owners=owners,
        is_major=plan.major,
        labels=info.labels,
        extra=tuple(extra),
    )
    return {"info": info, "result": evaluate(gate_in), "model": model, "env": env, "version": version}


@main.command()
@click.option("--pr", "number", required=True, type=click.IntRange(min=1), help="The pull request number.")
@click.option("--context", default=STATUS_CONTEXT, show_default=True, help="Commit status context (make it a required check).")
@click.option("--now", "now_text", metavar="ISO", help="Decide as of this time, not now.")
@click.option(
    "--bot",
    metavar="LOGIN",
    envvar="MODELPROMOTE_BOT_LOGIN",
    show_envvar=True,
    help="The login health opens its pull requests as (e.g. my-app[bot]); others' rollback/canary PRs need approvals.",
)
@github_options
@json_option
@handle_errors
def gate(
    number: int,
    context: str,
    now_text: str | None,
    bot: str | None,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    manifest_path: str,
    as_json: bool,
) -> None:
    """The approval gate of a promotion pull request, reported as a commit status on its head.

    Passes only with at least `approvals` (the environment's) distinct APPROVED reviews on the
    current head commit, not from the author or a bot, each reviewer's latest review deciding
    (CHANGES_REQUESTED blocks; DISMISSED and COMMENTED do not count), from the model's owners
    when it has any (teams resolved to members).  A MAJOR change needs one more approval and
    the breaking-change label.  It also re-validates the manifest at the head, re-runs the plan,
    and checks that the pull request changes only what its plan says.

    Run it on pull_request_review and pull_request (synchronize) events; make the status
    context a required check.  Exit 0 when it passes, 1 when it does not.

    Pull requests from health branches (rollback/<model>/<env>/<version>,
    canary/<model>/<env>/<version>-to-<weight>) pass without approvals only when the manifest
    change is exactly what `health` writes from the base (a rollback to the engine's verified
    choice with its failure record and hold, or the canary's next step), in one commit on the
    current base, opened by --bot when it is set.  Anything else on such a branch fails and
    approvals cannot override it (MP716-MP719); see docs/github.md.

    \b
    Examples:
      modelpromote gate --pr 42 --repo acme/models
      modelpromote gate --pr 42 --json
      MODELPROMOTE_BOT_LOGIN='modelpromote-app[bot]' modelpromote gate --pr 43
    """
    from .health_gate import bot_login

    gh = connect(repo, token, api_url)
    out = gate_checks(gh, number, manifest_path, parse_time(now_text), bot_login(bot))
    info, result = out["info"], out["result"]
    state = "success" if result.passed else "failure"
    written = gh.set_status(info.head_sha, context, state, result.summary(), info.url)
    _outputs({"passed": str(result.passed).lower(), "approvals": str(len(result.approvers))})
    if as_json:
        echo_json({"ok": result.passed, "pr": number, "head_sha": info.head_sha, "status_written": written, **result.to_json()})
    else:
        mark = {True: "ok  ", False: "FAIL", None: "skip"}
        verdict = "PASSED" if result.passed else "BLOCKED"
        click.echo(f"gate #{number} at {info.head_sha[:12]}: {verdict} ({len(result.approvers)}/{result.needed} approvals)")
        for c in result.checks:
            code = f" [{c.code}]" if c.code else ""
            click.echo(f"  {mark[c.ok]}  {c.name:<18} {c.message}{code}")
    if not result.passed:
        sys.exit(EXIT_FINDINGS)


# -- deploy ------------------------------------------------------------------------------------


@main.command()
@click.option("--before", required=True, metavar="SHA", help="The commit before the push (github.event.before).")
@click.option("--after", required=True, metavar="SHA", help="The commit after the push (github.event.after).")
@click.option(
    "--webhook-url", envvar="MODELPROMOTE_WEBHOOK_URL", show_envvar=True, metavar="URL", help="POST each deployment here, signed."
)
@click.option("--webhook-timeout", default=10.0, show_default=True, type=float, help="Seconds per webhook attempt.")
@github_options
@json_option
@handle_errors
def deploy(
    before: str,
    after: str,
    webhook_url: str | None,
    webhook_timeout: float,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    manifest_path: str,
    as_json: bool,
) -> None:
    """Start what a merge changed: a GitHub Deployment per changed pointer, and a signed webhook.

    Diffs the manifest between --before and --after.  For each changed pointer it creates a
    Deployment (environment, ref = --after, payload: model, version, previous_version,
    strategy, canary_weight) with a status: a production change starts as a canary at the
    first step (in_progress), others roll out in full (success).  With a webhook URL
    ($MODELPROMOTE_WEBHOOK_URL) each deployment is POSTed as JSON with header
    X-Modelpromote-Signature-256: sha256=<HMAC-SHA256 of the body> under
    $MODELPROMOTE_WEBHOOK_SECRET; receivers check it with modelpromote.webhook.verify_signature.

    Re-running for the same SHAs creates nothing new (an undelivered webhook is retried).

    \b
    Examples:
      modelpromote deploy --before "$BEFORE" --after "$AFTER" --repo acme/models
      MODELPROMOTE_WEBHOOK_URL=https://deploy.example/hook modelpromote deploy --before A --after B --json
    """
    from ..policy.deploy import deployment_requests
    from ..providers import webhook

    for name, sha in (("--before", before), ("--after", after)):
        if not SHA_RE.match(sha):
            raise InputError(Finding("MP709", f"{name} {sha!r} is not a commit SHA"))
    secret = os.environ.get("MODELPROMOTE_WEBHOOK_SECRET") or None
    if webhook_url and not secret:
        raise InputError(Finding("MP708", "a webhook URL is set but MODELPROMOTE_WEBHOOK_SECRET is not"))
    gh = connect(repo, token, api_url)
    after_text = gh.read_file(manifest_path, after)
    if after_text is None:
        raise InputError(
            Finding("MP709", f"no {manifest_path} at {after[:12]} in {gh.s.repo}", hint="pass the merge commit's SHA as --after")
        )
    before_text = None if set(before) == {"0"} else gh.read_file(manifest_path, before)
    after_m = _load(after_text, f"{manifest_path}@{after[:12]}")
    before_m = None
    if before_text is not None:
        from ..manifest.load import load_text

        before_m = load_text(before_text, manifest_path).manifest
    requests = deployment_requests(before_m, after_m)
    last_env = after_m.environments[-1].name
    results = []
    for r in requests:
        payload = r.payload()
        dep_id, created = gh.create_deployment(after, r.env, payload, r.description(), production=r.env == last_env)
        final = "in_progress" if r.strategy == "canary" else "success"
        delivered = None
        state = gh.deployment_state(dep_id)
        if state is None:
            gh.set_deployment_status(dep_id, "queued", "modelpromote: starting")
        if state != final:
            # Not finished before (new, or the webhook failed last time): deliver, then mark it started.
            if webhook_url:
                event: dict[str, Any] = {"id": f"{after}:{r.model}:{r.env}:{r.version}", "event": "deploy", "repository": gh.s.repo}
                event.update(sha=after, deployment_id=dep_id, **payload)
                delivered = webhook.post(webhook_url, event, secret, timeout=webhook_timeout)
            gh.set_deployment_status(dep_id, final, r.description())
        results.append({**r.to_json(), "deployment_id": dep_id, "created": created, "state": final, "webhook_status": delivered})
    _outputs({"deployments": str(len(results)), "created": str(sum(1 for x in results if x["created"]))})
    if as_json:
        echo_json({"ok": True, "before": before, "after": after, "deployments": results})
    elif not results:
        click.echo(f"no pointer changed between {before[:12]} and {after[:12]}: nothing to deploy")
    else:
        for x in results:
            how = f"canary at {x['weight']}%" if x["strategy"] == "canary" else "full"
            new = "created" if x["created"] else "exists"
            hook = f", webhook {x['webhook_status']}" if x["webhook_status"] else ""
            change = f"{x['previous_version'] or '-'} -> {x['version']}"
            click.echo(f"{x['model']} {x['environment']}: {change} ({how}); deployment {x['deployment_id']} {new}{hook}")
