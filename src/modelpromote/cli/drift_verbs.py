"""``drift``: does what is deployed match what the manifest on main says?  Read-only.

Thin: :func:`modelpromote.app.drift.drift` reads and compares; this renders and exits.
"""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding
from .common import annotate, connect, echo_json, github_options, handle_errors, json_option, main


@main.command()
@click.option("--ref", metavar="REF", help="Branch or commit SHA whose manifest is compared [default: the repository's default branch].")
@click.option(
    "--status-url",
    "status_urls",
    multiple=True,
    metavar="URL",
    help="Also compare with what the application says it serves: a JSON status document (repeatable, one per environment).",
)
@click.option("--model", help="Only this model.")
@click.option("--env", "env_name", help="Only this environment.")
@github_options
@json_option
@handle_errors
def drift(
    ref: str | None,
    status_urls: tuple[str, ...],
    model: str | None,
    env_name: str | None,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    manifest_path: str,
    as_json: bool,
) -> None:
    """Compare the manifest on main with what is deployed; list each mismatch.

    "Deployed" is, per model and environment, the latest GitHub Deployment made by
    `modelpromote deploy` that started (status success or in_progress) and did not fail.  A
    canary is in step when the deployment says canary at the manifest's weight.  With
    --status-url, also the runtime config the application says it loaded (docs/health.md).

    Each mismatch says the model, the environment, what the manifest says, what is deployed
    and since when.  Kinds: version (another version), canary (another weight, or canary vs
    full), missing (nothing deployed), unexpected (deployed, but not in the manifest).

    \b
    Examples:
      GITHUB_TOKEN=... modelpromote drift --repo acme/models
      modelpromote drift --ref main --status-url https://app.internal/modelpromote/runtime --json

    Exit codes: 0 no drift, 1 drift, 2 bad input, 3 GitHub or the status URL failed after retries.
    """
    from ..app.drift import drift as run_drift
    from ..providers.files import append_step_summary, in_github_actions, set_outputs
    from ..report.drift import drift_markdown, render_drift

    r = run_drift(connect(repo, token, api_url), manifest_path, ref=ref, status_urls=status_urls, model=model, env=env_name)
    if as_json:
        echo_json(r.to_json())
    else:
        click.echo(render_drift(r.mismatches, r.checked, r.ref))
    if in_github_actions():
        annotate(
            [
                Finding("MP821", f"{x.model}/{x.env}: manifest says {x.manifest or 'nothing'}, {x.source} says {x.deployed or 'nothing'}",
                        manifest_path)
                for x in r.mismatches
            ]
        )
        append_step_summary(drift_markdown(r.mismatches, r.ref))
        set_outputs({"drifted": str(r.drifted).lower(), "mismatches": str(len(r.mismatches))})
    sys.exit(EXIT_FINDINGS if r.drifted else EXIT_OK)
