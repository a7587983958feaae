"""``health``: read the metrics of every live canary and recent promotion, then advance, hold or roll back.

Thin: :mod:`modelpromote.app.health` decides and applies (to the local file, or as pull requests
with --github); this parses, renders, exits.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding
from .common import annotate, connect, echo_json, handle_errors, json_option, local_store, main, manifest_option, parse_time


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
    metrics of the new version and of its baseline since the step began: latency p99, error
    rate, quality score, hallucination rate, cost per request.  Each is PASS, FAIL or
    INCONCLUSIVE with its sample count and interval; the intervals are anytime-valid confidence
    sequences, so rolling back needs evidence of harm and advancing evidence of safety however
    often health runs, and too few samples holds.  Critical metrics (policies.rollback.critical)
    fail alone, and so do evidenced failures of policies.rollback.alone (quality); the others
    need policies.rollback.min_breaches.

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
    from ..app import health as app

    now = parse_time(at_text, "--at")
    choice = app.SourceChoice(prometheus, metrics_json)
    if use_github:
        from ..app.gate import bot_login

        opts = app.GitHubOptions(bot_login(bot), status_context, base)
        run = app.run_github(connect(repo, token, api_url), manifest_path, now, choice, opts, model=model, env=env_name, dry_run=dry_run)
        lines = []
        for r in run.pull_requests:
            if r.get("dry_run"):
                lines.append(f"dry run: would open {r['branch']} ({', '.join(r['labels'])}){' and merge it' if r['merge'] else ''}")
            elif r.get("number") is not None:
                verb = "opened" if r["created"] else ("updated" if r["rebuilt"] else "unchanged")
                state = "; merged" if r["merged"] else ("; left open" if r["left_open"] else "; awaiting review")
                lines.append(f"{r['action'].lower()} PR #{r['number']} {verb} {r['url']} ({', '.join(r['labels'])}){state}")
        footer = "\n".join(lines)
        prs = ",".join(str(r["number"]) for r in run.pull_requests if r.get("number") is not None)
        _finish(run, as_json, footer, {"prs": prs})
        return
    run = app.run_local(local_store(manifest_path, dry_run=dry_run), now, choice, model=model, env=env_name, dry_run=dry_run)
    todo = app.changing(run.decisions)
    footer = ("dry run: nothing changed" if dry_run else f"wrote {manifest_path}") if todo else ""
    _finish(run, as_json, footer, {})


def _finish(run: Any, as_json: bool, footer: str, outputs: dict[str, str]) -> None:
    """Print (text or JSON), annotate, set the step outputs, exit 1 when a rollback was decided."""
    from ..providers.files import append_step_summary, in_github_actions, set_outputs
    from ..report import findings as render
    from ..report.health import decisions_markdown, render_decisions

    if as_json:
        echo_json(run.to_json())
    else:
        click.echo(render_decisions(run.decisions, run.skipped))
        if footer:
            click.echo(footer)
    notes = [
        Finding("MP807", f"{d.target.model}/{d.target.env}: rolled back {d.target.version} to {d.restore}: {d.reasons[0]}", run.where)
        for d in run.rollbacks
    ] + run.findings
    if in_github_actions():
        annotate(notes)
        append_step_summary(decisions_markdown(run.decisions, run.dry_run))
        advanced = sum(d.action == "ADVANCE" and d.next_weight is not None for d in run.decisions)
        set_outputs({"rollbacks": str(len(run.rollbacks)), "advanced": str(advanced), "changed": str(run.applied).lower(), **outputs})
    elif run.findings and not as_json:
        click.echo(render.text(run.findings), err=True)
    sys.exit(EXIT_FINDINGS if run.rollbacks else EXIT_OK)
