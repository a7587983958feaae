"""``modelpromote drift``: does what is deployed match what the manifest on main says?

Thin: the comparison is :mod:`modelpromote.policy.drift`; GitHub is
:mod:`modelpromote.providers.github`; the application's status document is read by
:mod:`modelpromote.providers.status_url`.  Read-only: it never changes anything.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding, InputError, ServiceError
from .common import annotate, echo_json, handle_errors, json_option, main
from .github_verbs import github_options

# Deployments read per environment before giving up on finding the rest (newest first; the
# search stops earlier once every model of the environment is found).
SCAN_LIMIT = 500


def _render(mismatches: list[Any], checked: int, ref: str) -> str:
    from ..report.table import table

    if not mismatches:
        return f"no drift: {checked} pointer(s) on {ref} match what is deployed"
    rows = [
        [x.model, x.env, x.source, x.kind, x.manifest or "(nothing)", x.deployed or "(nothing)", x.since.isoformat() if x.since else "-"]
        for x in mismatches
    ]
    head = f"drift: {len(mismatches)} mismatch(es) between {ref} and what is deployed"
    return head + "\n" + table(["MODEL", "ENV", "SOURCE", "KIND", "MANIFEST SAYS", "DEPLOYED SAYS", "SINCE"], rows)


def _markdown(mismatches: list[Any], ref: str) -> str:
    from ..report.table import markdown_table

    if not mismatches:
        return f"### modelpromote drift\n\nno drift: what is deployed matches {ref}\n"
    rows = [[f"{x.model}/{x.env}", x.source, x.manifest or "(nothing)", x.deployed or "(nothing)"] for x in mismatches]
    return "### modelpromote drift\n\n" + markdown_table(["TARGET", "SOURCE", "MANIFEST SAYS", "DEPLOYED SAYS"], rows) + "\n"


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
    from ..policy.drift import DeploymentRecord, StatusError, compare, counts_as_deployed, expected, from_status, is_ours, latest_deployed
    from ..providers.files import append_step_summary, in_github_actions, set_outputs
    from ..providers.status_url import fetch_status, redact
    from .github_verbs import connect, manifest_on

    gh = connect(repo, token, api_url)
    ref, _sha, _text, m = manifest_on(gh, manifest_path, ref, code="MP825")
    where = f"{manifest_path}@{ref}"
    if model is not None and m.model(model) is None:
        raise InputError(Finding("MP301", f"no model {model!r} in {where}"))
    if env_name is not None and m.env(env_name) is None:
        raise InputError(Finding("MP204", f"no environment {env_name!r} in {where}"))
    want = expected(m, model=model, env=env_name)

    records: list[DeploymentRecord] = []
    for env in [e.name for e in m.environments if env_name is None or e.name == env_name]:
        needed = {k for k in want if k[1] == env}
        found: set[tuple[str, str]] = set()
        for i, d in enumerate(gh.deployments(env)):
            if i >= SCAN_LIMIT or (needed and needed <= found):
                break
            if not is_ours(d.payload) or (model is not None and d.payload["model"] != model):
                continue
            key = (str(d.payload["model"]), env)
            if key in found:
                continue  # a newer one already decided this model/env
            states = tuple(gh.deployment_states(d.id))
            records.append(DeploymentRecord(d.id, d.sha, env, d.payload, d.created_at, states))
            if counts_as_deployed(states):
                found.add(key)
    mismatches = compare(want, latest_deployed(records), "deployment")

    for url in status_urls:
        try:
            served_env, rows = from_status(fetch_status(url))
        except StatusError as exc:
            raise ServiceError(Finding("MP823", f"{redact(url)}: {exc}", hint="serve the runtime config the application loaded")) from None
        if model is not None:
            rows = {k: v for k, v in rows.items() if k[0] == model}
        if env_name is not None and served_env != env_name:
            continue
        mismatches += compare(want, rows, "status", envs=[served_env])

    drifted = bool(mismatches)
    if as_json:
        echo_json(
            {
                "ok": not drifted,
                "drifted": drifted,
                "repo": gh.s.repo,
                "ref": ref,
                "checked": len(want),
                "status_urls": [redact(u) for u in status_urls],
                "mismatches": [x.to_json() for x in mismatches],
            }
        )
    else:
        click.echo(_render(mismatches, len(want), ref))
    if in_github_actions():
        annotate(
            [
                Finding(
                    "MP821", f"{x.model}/{x.env}: manifest says {x.manifest or 'nothing'}, {x.source} says {x.deployed or 'nothing'}", where
                )
                for x in mismatches
            ]
        )
        append_step_summary(_markdown(mismatches, ref))
        set_outputs({"drifted": str(drifted).lower(), "mismatches": str(len(mismatches))})
    sys.exit(EXIT_FINDINGS if drifted else EXIT_OK)
