"""``deploy``: start what a merge changed (GitHub Deployments, statuses, a signed webhook).

Thin: :func:`modelpromote.app.deploy.deploy` does the work.
"""

from __future__ import annotations

import click

from .common import connect, echo_json, github_options, handle_errors, json_option, main, outputs


@main.command()
@click.option(
    "--after",
    metavar="SHA",
    help="The pushed commit (github.event.after), for the record: deploy always works from the default branch's tip.",
)
@click.option("--before", hidden=True, metavar="SHA", help="Ignored (deploy compares with what is deployed, not with a push's before).")
@click.option(
    "--record-only",
    is_flag=True,
    help="Record the manifest's state as deployed (statuses success) without calling the webhook: adopting modelpromote.",
)
@click.option(
    "--webhook-url", envvar="MODELPROMOTE_WEBHOOK_URL", show_envvar=True, metavar="URL", help="POST each deployment here, signed."
)
@click.option("--webhook-timeout", default=10.0, show_default=True, type=float, help="Seconds per webhook attempt.")
@github_options
@json_option
@handle_errors
def deploy(
    after: str | None,
    before: str | None,
    record_only: bool,
    webhook_url: str | None,
    webhook_timeout: float,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    manifest_path: str,
    as_json: bool,
) -> None:
    """Make what is deployed match the manifest on the default branch.

    Reads the manifest at the tip of the default branch and, per model and environment, the
    newest GitHub Deployment this command made that was delivered.  Every difference becomes a
    Deployment (ref = the tip; payload: model, version, previous_version, strategy, weight,
    canary_weight, control_version) with a status: a canary stays in_progress at the manifest's
    weight, an A/B experiment (strategy ab) and everything else is success.  With a webhook URL
    ($MODELPROMOTE_WEBHOOK_URL) each deployment is POSTed as JSON with headers X-Modelpromote-Timestamp and
    X-Modelpromote-Signature-256: sha256=<HMAC-SHA256 of "<timestamp>." + body> under
    $MODELPROMOTE_WEBHOOK_SECRET; receivers check it with modelpromote.webhook.verify.

    Working from state makes it safe under GitHub's concurrency rules: a run cancelled while
    pending loses nothing (the next run deploys its change too) and re-running an old run
    deploys nothing.  The first run in a repository deploys every pointer (nothing is recorded
    yet); where the versions already run, record them first with --record-only.

    \b
    Examples:
      modelpromote deploy --after "$GITHUB_SHA" --repo acme/models
      modelpromote deploy --record-only --json          # adopt: the current state is deployed
      MODELPROMOTE_WEBHOOK_URL=https://deploy.example/hook modelpromote deploy --json
    """
    import os

    from ..app.deploy import deploy as run_deploy

    gh = connect(repo, token, api_url)
    secret = os.environ.get("MODELPROMOTE_WEBHOOK_SECRET") or None
    r = run_deploy(
        gh, manifest_path, after, webhook_url=webhook_url, secret=secret, webhook_timeout=webhook_timeout, record_only=record_only
    )
    outputs({"deployments": str(len(r.deployments)), "created": str(sum(1 for x in r.deployments if x["created"]))})
    if as_json:
        echo_json(r.to_json())
        return
    if r.superseded:
        click.echo(f"{r.requested[:12] if r.requested else ''} is no longer the tip: deploying the tip {r.ref[:12]}")
    if not r.deployments:
        click.echo(f"everything the manifest at {r.ref[:12]} says is deployed: nothing to do")
    for x in r.deployments:
        ab = f"A/B {x['weight']}% vs control {x.get('control_version')}"
        how = {"canary": f"canary at {x['weight']}%", "ab": ab}.get(x["strategy"], "full")
        new = "created" if x["created"] else "exists"
        hook = f", webhook {x['webhook_status']}" if x["webhook_status"] else ""
        change = f"{x['previous_version'] or '-'} -> {x['version']}"
        verb = "recorded" if r.recorded_only else "deployment"
        click.echo(f"{x['model']} {x['environment']}: {change} ({how}); {verb} {x['deployment_id']} {new}{hook}")
