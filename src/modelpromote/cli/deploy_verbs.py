"""``deploy``: start what a merge changed (GitHub Deployments, statuses, a signed webhook).

Thin: :func:`modelpromote.app.deploy.deploy` does the work.
"""

from __future__ import annotations

import click

from .common import connect, echo_json, github_options, handle_errors, json_option, main, outputs


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
    import os

    from ..app.deploy import deploy as run_deploy

    gh = connect(repo, token, api_url)
    secret = os.environ.get("MODELPROMOTE_WEBHOOK_SECRET") or None
    r = run_deploy(gh, manifest_path, before, after, webhook_url=webhook_url, secret=secret, webhook_timeout=webhook_timeout)
    outputs({"deployments": str(len(r.deployments)), "created": str(sum(1 for x in r.deployments if x["created"]))})
    if as_json:
        echo_json(r.to_json())
    elif not r.deployments:
        click.echo(f"no pointer changed between {before[:12]} and {after[:12]}: nothing to deploy")
    else:
        for x in r.deployments:
            how = f"canary at {x['weight']}%" if x["strategy"] == "canary" else "full"
            new = "created" if x["created"] else "exists"
            hook = f", webhook {x['webhook_status']}" if x["webhook_status"] else ""
            change = f"{x['previous_version'] or '-'} -> {x['version']}"
            click.echo(f"{x['model']} {x['environment']}: {change} ({how}); deployment {x['deployment_id']} {new}{hook}")
