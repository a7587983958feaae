"""``modelpromote health``: read the metrics of every live canary and recent promotion, then
advance, hold or roll back.

Thin by rule: the decision is :mod:`modelpromote.gates.health`, the metrics come from
:mod:`modelpromote.providers.prometheus` or :mod:`~modelpromote.providers.metrics_json`, and the
manifest changes are the promotion engine's byte-preserving edits.  Every metric is read before
anything is written, so a metrics source that fails half-way (exit 3) changes nothing.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from typing import Any

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding, InputError
from .common import annotate, echo_json, handle_errors, json_option, load_valid, main, manifest_option, parse_time


def make_source(policy: Any, manifest_path: str, prometheus: str | None, metrics_json: str | None) -> Any:
    """The metrics source: --prometheus, else --metrics-json, else policies.health.source."""
    from ..manifest.schema import parse_duration
    from ..providers.metrics_json import JsonMetricsSource
    from ..providers.prometheus import PrometheusSource

    src = policy.source
    timeout = parse_duration(src.timeout).total_seconds()
    if prometheus:
        return PrometheusSource(prometheus, overrides=policy.metrics, timeout=timeout)
    if metrics_json:
        return JsonMetricsSource(metrics_json, timeout=timeout)
    if src.kind == "prometheus" and src.url:
        return PrometheusSource(src.url, overrides=policy.metrics, timeout=timeout)
    if src.kind == "json" and (src.url or src.path):
        location = src.url or os.path.join(os.path.dirname(os.path.abspath(manifest_path)), str(src.path))
        return JsonMetricsSource(location, timeout=timeout)
    raise InputError(Finding("MP806", f"{manifest_path}: no metrics source in policies.health.source", manifest_path))


def _fmt_value(metric: str, v: float | None) -> str:
    from ..gates.health import RATE_METRICS

    if v is None:
        return "-"
    return f"{v * 100:.2f}%" if metric in RATE_METRICS else f"{v:.4g}"


def _render_text(decisions: list[Any], skipped: list[Any]) -> str:
    from ..gates.health import RATE_METRICS
    from ..report.table import table

    out: list[str] = []
    for d in decisions:
        t = d.target
        what = f"canary {t.weight}%" if t.kind == "canary" else "promotion"
        action = d.action
        if d.next_weight is not None:
            action += " -> complete (100%)" if d.next_weight >= 100 else f" -> {d.next_weight}%"
        if d.restore is not None:
            action += f" -> {d.restore}"
        out.append(f"{t.model}/{t.env}: {what} {t.version} (baseline {t.baseline or '-'}): {action}")
        rows = []
        for r in d.metrics:
            bounds = f"{_fmt_value(r.metric, r.low)}..{_fmt_value(r.metric, r.high)}" if r.low is not None else "-"
            samples = f"{r.events}/{r.samples}" if r.metric in RATE_METRICS and r.events is not None else str(r.samples)
            base = "-" if r.baseline_value is None else f"{_fmt_value(r.metric, r.baseline_value)} ({r.baseline_samples})"
            name = r.metric + (" *" if r.critical else "")
            rows.append([name, r.verdict, _fmt_value(r.metric, r.value), samples, bounds, _fmt_value(r.metric, r.threshold), base])
        body = table(["METRIC", "VERDICT", "VALUE", "SAMPLES", "BOUNDS", "THRESHOLD", "BASELINE"], rows)
        out += ["  " + line for line in body.splitlines()]
        out += [f"  - {why}" for why in d.reasons]
        out.append("")
    for s in skipped:
        out.append(f"{s.model}/{s.env}: skipped {s.version}: {s.reason}")
    if not decisions and not skipped:
        out.append("nothing to check: no live canary and no promotion within policies.health.watch")
    return "\n".join(out).rstrip("\n")


def _markdown(decisions: list[Any], dry_run: bool) -> str:
    from ..report.table import markdown_table

    rows = [[f"{d.target.model}/{d.target.env}", d.target.version, d.action, "; ".join(d.reasons)] for d in decisions]
    title = "modelpromote health" + (" (dry run)" if dry_run else "")
    return f"### {title}\n\n" + (markdown_table(["TARGET", "VERSION", "ACTION", "WHY"], rows) if rows else "nothing to check") + "\n"


# -- shared by the local and the GitHub mode ---------------------------------------------------

HEALTH_BRANCH_RE = re.compile(
    r"^(?P<kind>rollback|canary)/(?P<model>[a-z0-9][a-z0-9-]{0,62})/(?P<env>[a-z0-9][a-z0-9-]{0,62})/(?P<rest>[A-Za-z0-9._+-]+)$"
)


def check_filters(m: Any, where: str, model: str | None, env_name: str | None) -> None:
    if model is not None and m.model(model) is None:
        raise InputError(Finding("MP301", f"no model {model!r} in {where}", hint=f"models: {', '.join(x.name for x in m.models)}"))
    if env_name is not None and m.env(env_name) is None:
        raise InputError(Finding("MP204", f"no environment {env_name!r} in {where}"))


def evaluate(
    m: Any,
    manifest_path: str,
    now: datetime,
    *,
    model: str | None,
    env_name: str | None,
    prometheus: str | None,
    metrics_json: str | None,
    open_prs: dict[tuple[str, str], int] | None = None,
) -> tuple[list[Any], list[Any], str | None]:
    """(decisions, skipped, source description).  Every metric is read before anything is decided,
    so a metrics source that fails half-way changes nothing."""
    from ..gates.health import Rules, decide, targets
    from ..manifest.schema import parse_duration

    policy = m.policies.health
    rules = Rules.from_policies(m.policies)
    window = parse_duration(policy.window)
    found, skipped = targets(m, now, model=model, env=env_name, open_prs=open_prs)
    if not found:
        return [], skipped, None
    source = make_source(policy, manifest_path, prometheus, metrics_json)
    observed = []
    for t in found:
        cand = source.observe(model=t.model, env=t.env, version=t.version, window=window, at=now, metrics=rules.enabled)
        base = {}
        if t.baseline is not None:
            base = source.observe(model=t.model, env=t.env, version=t.baseline, window=window, at=now, metrics=rules.enabled)
        observed.append((t, cand, base))
    return [decide(t, cand, base, rules, now) for t, cand, base in observed], skipped, source.describe()


def changing(decisions: list[Any]) -> list[Any]:
    return [d for d in decisions if d.action == "ROLLBACK" or (d.action == "ADVANCE" and d.next_weight is not None)]


def health_branch(d: Any) -> str:
    """rollback/<model>/<env>/<version rolled back>, or canary/<model>/<env>/<version>-to-<weight>.

    Fixed per decision, so a re-run finds the pull request it opened before.
    """
    t = d.target
    if d.action == "ROLLBACK":
        return f"rollback/{t.model}/{t.env}/{t.version}"
    return f"canary/{t.model}/{t.env}/{t.version}-to-{d.next_weight}"


def pr_title(d: Any) -> str:
    t = d.target
    if d.action == "ROLLBACK":
        return f"Roll back {t.model} in {t.env}: {t.version} -> {d.restore}"
    if d.next_weight is not None and d.next_weight >= 100:
        return f"Complete the canary of {t.model} {t.version} in {t.env} (100%)"
    return f"Canary {t.model} {t.version} in {t.env}: {t.weight}% -> {d.next_weight}%"


def pr_labels(d: Any) -> list[str]:
    return ["rollback" if d.action == "ROLLBACK" else "canary", f"env:{d.target.env}"]


def _pr_body(d: Any, diff: str, merge: bool) -> str:
    t = d.target
    lines = [f"`modelpromote health` decided **{d.action}** for **{t.model}** in **{t.env}**.", ""]
    if d.action == "ROLLBACK":
        lines += [
            f"`{t.version}` goes back to the last verified version `{d.restore}`; the failure is recorded and the model "
            "is put on hold until a person clears it.",
            "",
        ]
    lines += ["## Metrics", "", "```", _render_text([d], []), "```", "", "## Manifest change", "", "```diff", diff.rstrip("\n"), "```", ""]
    lines.append(
        "Merged at once by `modelpromote health`."
        if merge
        else "Review and merge it; `policies.rollback.auto_merge: true` merges rollbacks at once."
    )
    lines += ["", "<!-- opened by modelpromote health; re-running it updates this pull request -->"]
    return "\n".join(lines) + "\n"


# -- the verb ----------------------------------------------------------------------------------


@main.command()
@click.option("--model", help="Only this model.")
@click.option("--env", "env_name", help="Only this environment.")
@click.option("--dry-run", is_flag=True, help="Print the decisions; change nothing (no file written, no pull request).")
@click.option(
    "--prometheus",
    metavar="URL",
    envvar="MODELPROMOTE_PROMETHEUS_URL",
    help="Prometheus base URL (env: MODELPROMOTE_PROMETHEUS_URL); overrides policies.health.source.",
)
@click.option("--metrics-json", metavar="PATH|URL", help="Read metrics from a JSON document instead (format: docs/health.md).")
@click.option("--at", "at_text", metavar="TIME", help="Evaluate as of this time (ISO, with timezone) instead of now: replays, tests.")
@click.option(
    "--github",
    "use_github",
    is_flag=True,
    help="Read the manifest from the base branch on GitHub and apply decisions as pull requests (rollback/..., canary/...) "
    "instead of editing the local file.",
)
@click.option("--repo", envvar="GITHUB_REPOSITORY", show_envvar=True, metavar="OWNER/NAME", help="With --github: the repository.")
@click.option("--token", envvar="GITHUB_TOKEN", show_envvar=True, metavar="TOKEN", help="With --github: the token (prefer the env var).")
@click.option("--api-url", envvar="GITHUB_API_URL", show_envvar=True, metavar="URL", help="With --github: API base [default: github.com].")
@click.option("--base", metavar="BRANCH", help="With --github: the base branch [default: the repository's default branch].")
@click.option(
    "--bot",
    metavar="LOGIN",
    envvar="MODELPROMOTE_BOT_LOGIN",
    show_envvar=True,
    help="With --github: the login the gate trusts for health PRs (as `gate --bot`); health judges its own PRs with it.",
)
@click.option(
    "--status-context",
    default="modelpromote/approval",
    show_default=True,
    help="With --github: the commit status health sets on its PRs (the gate's required check).",
)
@manifest_option
@json_option
@handle_errors
def health(
    model: str | None,
    env_name: str | None,
    dry_run: bool,
    prometheus: str | None,
    metrics_json: str | None,
    at_text: str | None,
    use_github: bool,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    base: str | None,
    bot: str | None,
    status_context: str,
    manifest_path: str,
    as_json: bool,
) -> None:
    """Advance, hold or roll back every live canary and recent promotion, from its metrics.

    For each canary (and each promotion younger than policies.health.watch) it reads five
    metrics of the new version and of its baseline over policies.health.window: latency p99,
    error rate, quality score, hallucination rate, cost per request.  Each is PASS, FAIL or
    INCONCLUSIVE with its sample count; rates use Wilson bounds, so rolling back needs evidence
    of harm and advancing needs evidence of safety, and too few samples holds.  Critical metrics
    (policies.rollback.critical) fail alone; the others need policies.rollback.min_breaches.

    \b
    ADVANCE   the canary moves to its next step (after canary.interval), or completes at 100%
    HOLD      nothing changes: not enough evidence either way, or a single non-critical breach
    ROLLBACK  the pointer goes back to the last verified version; the failure is recorded and
              the model is put on hold until a person clears it

    A pointer put live by a rollback is never rolled back.  Without --dry-run the decisions are
    written to the manifest (atomically, only the bytes that change).

    With --github the manifest is read from the base branch, nothing happens to a model/env
    while its promotion PR (promote/<model>/<env>/...) is open, and each decision becomes a pull
    request: rollback/<model>/<env>/<version> labelled rollback + env:<env> (merged at once when
    policies.rollback.auto_merge is true), or canary/<model>/<env>/<version>-to-<weight>
    labelled canary + env:<env> (always merged at once: the steps were approved with the
    promotion).  Re-running finds the same pull request; it never opens a second one.
    Before merging, health runs the approval gate on its own pull request and sets the
    modelpromote/approval status on its head (pull requests opened with a workflow's
    GITHUB_TOKEN start no workflow): it merges only what the gate verifies is exactly its change.

    \b
    Examples:
      modelpromote health --dry-run --prometheus http://127.0.0.1:9090
      modelpromote health --model customer-support --env production --json
      modelpromote health --metrics-json metrics.json --at 2026-06-01T12:00:00Z --dry-run
      GITHUB_TOKEN=... modelpromote health --github --repo acme/models --prometheus http://prometheus:9090

    Exit codes: 0 advanced or held, 1 a rollback was decided, 2 bad input, 3 the metrics source
    (or GitHub) failed after retries: nothing changed.
    """
    now = parse_time(at_text, "--at")
    if use_github:
        from .health_gate import bot_login

        gate_opts = (bot_login(bot), status_context)
        _health_github(
            now, model, env_name, dry_run, prometheus, metrics_json, repo, token, api_url, base, manifest_path, as_json, gate_opts
        )
        return
    from ..gates.health import apply_decision
    from ..manifest.load import load_text
    from ..providers.files import write_atomic

    loaded = load_valid(manifest_path)
    m = loaded.manifest
    check_filters(m, manifest_path, model, env_name)
    decisions, skipped, source_desc = evaluate(
        m, manifest_path, now, model=model, env_name=env_name, prometheus=prometheus, metrics_json=metrics_json
    )
    applied = False
    todo = changing(decisions)
    if todo and not dry_run:
        old = loaded.source.text
        text = old
        for d in todo:
            text = apply_decision(text, manifest_path, d, now)
        after = load_text(text, manifest_path)
        if not after.ok:
            raise InputError(
                [Finding("MP808", "the edited manifest would not validate; nothing was written", manifest_path), *after.findings]
            )
        with open(manifest_path, encoding="utf-8", newline="") as fh:
            if fh.read() != old:
                raise InputError(Finding("MP808", f"{manifest_path} changed while health ran; nothing was written; run it again"))
        write_atomic(manifest_path, text)
        applied = True
    footer = ("dry run: nothing changed" if dry_run else f"wrote {manifest_path}") if todo else ""
    _finish(now, decisions, skipped, source_desc, dry_run, applied, manifest_path, as_json, footer=footer)


def _finish(
    now: datetime,
    decisions: list[Any],
    skipped: list[Any],
    source_desc: str | None,
    dry_run: bool,
    applied: bool,
    where: str,
    as_json: bool,
    *,
    footer: str = "",
    extra: dict[str, Any] | None = None,
    findings: list[Finding] | None = None,
    outputs: dict[str, str] | None = None,
) -> None:
    """Print (text or JSON), annotate, set the step outputs, exit 1 when a rollback was decided."""
    from ..providers.files import append_step_summary, in_github_actions, set_outputs

    rollbacks = [d for d in decisions if d.action == "ROLLBACK"]
    if as_json:
        echo_json(
            {
                "ok": not rollbacks,
                "at": now.isoformat(),
                "dry_run": dry_run,
                "applied": applied,
                "source": source_desc,
                "decisions": [d.to_json() for d in decisions],
                "skipped": [{"model": s.model, "env": s.env, "version": s.version, "reason": s.reason} for s in skipped],
                **(extra or {}),
            }
        )
    else:
        click.echo(_render_text(decisions, skipped))
        if footer:
            click.echo(footer)
    notes = [
        Finding("MP807", f"{d.target.model}/{d.target.env}: rolled back {d.target.version} to {d.restore}: {d.reasons[0]}", where)
        for d in rollbacks
    ] + (findings or [])
    if in_github_actions():
        annotate(notes)
        append_step_summary(_markdown(decisions, dry_run))
        set_outputs(
            {
                "rollbacks": str(len(rollbacks)),
                "advanced": str(sum(d.action == "ADVANCE" and d.next_weight is not None for d in decisions)),
                "changed": str(applied).lower(),
                **(outputs or {}),
            }
        )
    elif findings and not as_json:
        from ..report import findings as render

        click.echo(render.text(findings), err=True)
    sys.exit(EXIT_FINDINGS if rollbacks else EXIT_OK)


# -- GitHub mode -------------------------------------------------------------------------------


def _health_github(
    now: datetime,
    model: str | None,
    env_name: str | None,
    dry_run: bool,
    prometheus: str | None,
    metrics_json: str | None,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    base: str | None,
    manifest_path: str,
    as_json: bool,
    gate_opts: tuple[str | None, str] = (None, "modelpromote/approval"),
) -> None:
    from .github_verbs import BRANCH_RE, connect, manifest_on

    gh = connect(repo, token, api_url)
    base_branch, base_sha, text, m = manifest_on(gh, manifest_path, base, code="MP825")
    where = f"{manifest_path}@{base_branch}"
    check_filters(m, where, model, env_name)
    promote: dict[tuple[str, str], int] = {}
    pending: dict[tuple[str, str], tuple[int, str]] = {}
    for number, head in gh.open_pull_heads(base_branch):
        if (hit := BRANCH_RE.match(head)) is not None:
            promote.setdefault((hit["model"], hit["env"]), number)
        elif (hit := HEALTH_BRANCH_RE.match(head)) is not None:
            pending.setdefault((hit["model"], hit["env"]), (number, head))
    decisions, skipped, source_desc = evaluate(
        m, manifest_path, now, model=model, env_name=env_name, prometheus=prometheus, metrics_json=metrics_json, open_prs=promote
    )
    prs: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for d in changing(decisions):
        merge = d.action != "ROLLBACK" or m.policies.rollback.auto_merge
        if dry_run:
            prs.append(
                {
                    "model": d.target.model,
                    "env": d.target.env,
                    "action": d.action,
                    "branch": health_branch(d),
                    "number": None,
                    "labels": pr_labels(d),
                    "merge": merge,
                    "dry_run": True,
                }
            )
            continue
        r = _propose(gh, d, base_branch, base_sha, text, manifest_path, now, merge, pending, gate_opts)
        prs.append(r)
        if r.get("waiting_for") is not None:
            findings.append(
                Finding("MP824", f"{d.target.model}/{d.target.env}: {d.action} waits for the open pull request #{r['waiting_for']}", where)
            )
        elif r.get("closed_by_person") is not None:
            findings.append(
                Finding(
                    "MP824",
                    f"{d.target.model}/{d.target.env}: #{r['closed_by_person']} for this decision was closed unmerged; not reopened",
                    where,
                )
            )
        elif r.get("left_open"):
            findings.append(Finding("MP820", f"{d.target.model}/{d.target.env}: #{r['number']} left open: {r['left_open']}", where))
        if (r.get("gate") or {}).get("status_error"):
            findings.append(
                Finding(
                    "MP702",
                    f"{d.target.model}/{d.target.env}: could not set the approval status on #{r['number']}: {r['gate']['status_error']}",
                    where,
                    hint="give the token commit statuses: write",
                )
            )
        if r.get("merged"):
            # Main moved: build the next decision on the merged state, so the logs never conflict.
            new_sha = gh.branch_sha(base_branch)
            new_text = gh.read_file(manifest_path, new_sha) if new_sha else None
            if new_sha is not None and new_text is not None:
                base_sha, text = new_sha, new_text
    changed = any(r.get("created") or r.get("rebuilt") or r.get("merged_now") for r in prs)
    lines = []
    for r in prs:
        if r.get("dry_run"):
            lines.append(f"dry run: would open {r['branch']} ({', '.join(r['labels'])}){' and merge it' if r['merge'] else ''}")
        elif r.get("number") is not None:
            verb = "opened" if r["created"] else ("updated" if r["rebuilt"] else "unchanged")
            state = "; merged" if r["merged"] else ("; left open" if r["left_open"] else "; awaiting review")
            lines.append(f"{r['action'].lower()} PR #{r['number']} {verb} {r['url']} ({', '.join(r['labels'])}){state}")
    _finish(
        now,
        decisions,
        skipped,
        source_desc,
        dry_run,
        changed,
        where,
        as_json,
        footer="\n".join(lines),
        extra={"repo": gh.s.repo, "base": base_branch, "pull_requests": prs},
        findings=findings,
        outputs={"prs": ",".join(str(r["number"]) for r in prs if r.get("number") is not None)},
    )


def _propose(
    gh: Any,
    d: Any,
    base_branch: str,
    base_sha: str,
    text: str,
    path: str,
    now: datetime,
    merge: bool,
    pending: dict[tuple[str, str], tuple[int, str]],
    gate_opts: tuple[str | None, str] = (None, "modelpromote/approval"),
) -> dict[str, Any]:
    """Open (or find) the pull request for one decision, label it, gate it, merge it when asked.  Safe to re-run."""
    import difflib

    from ..gates.health import apply_decision
    from ..manifest.load import load_text

    t = d.target
    branch = health_branch(d)
    title = pr_title(d)
    labels = pr_labels(d)
    out: dict[str, Any] = {
        "model": t.model,
        "env": t.env,
        "action": d.action,
        "branch": branch,
        "labels": labels,
        "merge": merge,
        "number": None,
        "url": None,
        "created": False,
        "rebuilt": False,
        "merged": False,
        "merged_now": False,
        "merge_sha": None,
        "left_open": None,
        "waiting_for": None,
        "closed_by_person": None,
        "gate": None,
    }
    other = pending.get((t.model, t.env))
    if other is not None and other[1] != branch:
        out["waiting_for"] = other[0]  # an earlier health PR for this model/env: settle it first
        return out
    old_sha = gh.branch_sha(branch)
    current = old_sha is not None and gh.parent(old_sha) == base_sha
    if current and other is None:
        closed = gh.find_closed_pr(branch, base_branch, old_sha)
        if closed is not None:
            out["closed_by_person"] = closed  # a person closed this very change: do not reopen it every run
            return out

    def build() -> tuple[str, str]:
        new_text = apply_decision(text, path, d, now)
        after = load_text(new_text, path)
        if not after.ok:
            raise InputError(
                [Finding("MP808", f"{t.model}/{t.env}: the edited manifest would not validate; nothing was opened", path), *after.findings]
            )
        message = title + "\n\n" + "\n".join(d.reasons) + "\n"
        sha = gh.commit_file(base_sha, path, new_text, message)
        gh.set_branch(branch, sha)
        out["rebuilt"] = True
        return new_text, sha

    if current and old_sha is not None:
        new_text = gh.read_file(path, old_sha) or text
        head_sha = old_sha
    else:
        new_text, head_sha = build()
    diff = "".join(difflib.unified_diff(text.splitlines(True), new_text.splitlines(True), f"a/{path}", f"b/{path}", n=1))
    info, created = gh.open_or_update_pr(branch, base_branch, title, _pr_body(d, diff, merge))
    gh.add_labels(info.number, labels)
    gate = _gate(gh, info.number, head_sha, path, now, gate_opts)
    if not gate["verified"] and not out["rebuilt"]:
        # Health's branch no longer holds health's change (someone pushed to it): rebuild it, so
        # the pull request carries exactly the decision again, and judge the new head.
        new_text, head_sha = build()
        diff = "".join(difflib.unified_diff(text.splitlines(True), new_text.splitlines(True), f"a/{path}", f"b/{path}", n=1))
        info, _ = gh.open_or_update_pr(branch, base_branch, title, _pr_body(d, diff, merge))
        gate = _gate(gh, info.number, head_sha, path, now, gate_opts)
    out.update(number=info.number, url=info.url, created=created, head_sha=head_sha, gate=gate)
    if merge:
        if not gate["passed"]:
            # Never merge what the gate would refuse; GitHub would refuse it too under branch protection.
            out.update(left_open=f"the approval gate did not pass: {gate['summary']}")
            return out
        merged, sha, why = gh.merge_pr(info.number, head_sha, title)
        out.update(merged=merged, merged_now=merged, merge_sha=sha, left_open=None if merged else why)
    return out


def _gate(gh: Any, number: int, head_sha: str, path: str, now: datetime, gate_opts: tuple[str | None, str]) -> dict[str, Any]:
    """Run the approval gate on health's own pull request and set its status on ``head_sha``."""
    from dataclasses import replace

    from .health_gate import health_gate_checks

    bot, context = gate_opts
    # The head health just pushed, even if GitHub's pull request view has not caught up yet.
    info = replace(gh.pull(number), head_sha=head_sha)
    checks = health_gate_checks(gh, info, path, now, bot)
    result = checks["result"]
    state = "success" if result.passed else "failure"
    error = None
    try:
        written = gh.set_status(head_sha, context, state, result.summary(), info.url)
    except InputError as exc:
        # A token without commit statuses: write must not stop the run half-way; the merge still
        # waits for the gate's verdict, and branch protection (if any) refuses it without the status.
        written, error = False, "; ".join(f.message for f in exc.findings)
    return {
        "passed": result.passed,
        "verified": checks["verdict"].verified,
        "context": context,
        "state": state,
        "summary": result.summary(),
        "status_written": written,
        "status_error": error,
        "rules": [c.to_json() for c in result.checks],
    }
