"""``pr``: open (or update, never duplicate) the promotion pull request.

Thin: :func:`modelpromote.app.pull_request.open_promotion` does the work.
"""

from __future__ import annotations

import click

from .common import connect, echo_json, github_options, handle_errors, json_option, main, outputs, parse_time, who


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
    from ..app import promotion
    from ..app.pull_request import open_promotion
    from ..report.plan import render_plan

    req = promotion.request(model, version, env, force=force, reason=reason, breaking=breaking)
    gh = connect(repo, token, api_url)
    try:
        r = open_promotion(gh, manifest_path, req, now=parse_time(now_text), by=who(by), base=base, eval_report=eval_report)
    except promotion.Refused as exc:
        if not as_json:
            click.echo(render_plan(exc.plan), err=True)
        raise
    if r.number is not None:
        outputs({"pr-number": str(r.number), "pr-url": r.url or "", "branch": r.branch or ""})
    if as_json:
        echo_json(r.to_json())
    elif r.number is None:
        click.echo(f"{version} is already live for {model} in {env}: nothing to open")
    else:
        verb = "opened" if r.created else ("updated" if r.rebuilt else "unchanged")
        click.echo(f"{verb} #{r.number} {r.url}\n  branch {r.branch} at {(r.head_sha or '')[:12]}; labels {', '.join(r.labels)}")
