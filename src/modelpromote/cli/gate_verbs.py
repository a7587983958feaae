"""``gate``: the approval gate of a pull request, as a commit status on its head.

Thin: :func:`modelpromote.app.gate.run_gate` judges and reports.
"""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_FINDINGS
from .common import connect, echo_json, github_options, handle_errors, json_option, main, outputs, parse_time


@main.command()
@click.option("--pr", "number", required=True, type=click.IntRange(min=1), help="The pull request number.")
@click.option("--context", default="modelpromote/approval", show_default=True, help="Commit status context (make it a required check).")
@click.option("--now", "now_text", metavar="ISO", help="Decide as of this time, not now.")
@click.option(
    "--bot",
    metavar="LOGIN",
    envvar="MODELPROMOTE_BOT_LOGIN",
    show_envvar=True,
    help="The login health opens its pull requests as (e.g. my-app[bot]); others' rollback/canary PRs need approvals.",
)
@click.option(
    "--eval-results",
    metavar="PATTERN",
    envvar="MODELPROMOTE_EVAL_RESULTS",
    show_envvar=True,
    help="Promotion PRs: also run the eval gate on this file at the head, e.g. 'evals/{model}/{version}.json' "
    "({model}, {env}, {version} are filled in); a missing file fails (MP512).",
)
@github_options
@json_option
@handle_errors
def gate(
    number: int,
    context: str,
    now_text: str | None,
    bot: str | None,
    eval_results: str | None,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    manifest_path: str,
    as_json: bool,
) -> None:
    """The approval gate of a pull request, reported as a commit status on its head.

    Trust comes from the base branch: the gate judges the pull request against the base
    branch's current tip (a branch not on it fails, MP721), with the owners and policies the
    base names; run it from the base (pull_request_target), see docs/github.md.  A pull
    request that changes nothing in the manifest's folder passes at once.  Any change to the
    manifest other than a promotion or a health change is classified part by part (settings,
    holds, owners, catalogue, policies...) and each part needs its own approvals.

    A promotion pull request (promote/<model>/<env>/<version>) passes only with at
    least `approvals` (the environment's) distinct APPROVED reviews on the
    current head commit, not from the author or a bot, each reviewer's latest review deciding
    (CHANGES_REQUESTED blocks; DISMISSED and COMMENTED do not count), from the model's owners
    when it has any (teams resolved to members), with write access to the repository.  A MAJOR change needs one more approval and
    the breaking-change label.  It also re-validates the manifest at the head, re-runs the plan,
    and checks that the pull request changes only what its plan says.

    Run it on pull_request_target and, through workflow_run, on reviews; make the status
    context a required check pinned to the App that posts it.  Exit 0 when it passes, 1
    when it does not.

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
    from ..app.gate import bot_login, run_gate

    gh = connect(repo, token, api_url)
    g = run_gate(gh, number, manifest_path, parse_time(now_text), bot=bot_login(bot), context=context, eval_results=eval_results or None)
    result = g.result
    outputs({"passed": str(result.passed).lower(), "approvals": str(len(result.approvers))})
    if as_json:
        echo_json(g.to_json())
    else:
        mark = {True: "ok  ", False: "FAIL", None: "skip"}
        verdict = "PASSED" if result.passed else "BLOCKED"
        click.echo(f"gate #{number} at {g.info.head_sha[:12]}: {verdict} ({len(result.approvers)}/{result.needed} approvals)")
        for c in result.checks:
            code = f" [{c.code}]" if c.code else ""
            click.echo(f"  {mark[c.ok]}  {c.name:<18} {c.message}{code}")
    if not result.passed:
        sys.exit(EXIT_FINDINGS)
