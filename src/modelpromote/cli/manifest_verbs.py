"""Verbs that read the manifest file: validate (is it right?) and status (what is live where?)."""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_FINDINGS, EXIT_OK
from ..report import findings as render
from .common import annotate, echo_json, handle_errors, json_option, main, manifest_option

# -- validate ---------------------------------------------------------------------------------


@main.command()
@click.argument("path", required=False, type=click.Path(dir_okay=True))
@manifest_option
@json_option
@handle_errors
def validate(path: str | None, manifest_path: str, as_json: bool) -> None:
    """Check a manifest: shape, versions, pointers, ladder, fallback chains.

    Findings print as `file:line:col: error MP###: message` with a hint.  In GitHub Actions
    (GITHUB_ACTIONS=true) they are also annotations on the file, and a summary table goes to
    $GITHUB_STEP_SUMMARY.  Exit 1 when there are findings, 2 when the file cannot be read.

    \b
    Examples:
      modelpromote validate
      modelpromote validate path/to/manifest.yaml --json
    """
    from ..manifest.load import load_manifest
    from ..providers.files import append_step_summary, in_github_actions, set_outputs

    target = path or manifest_path
    loaded = load_manifest(target)
    errors = [f for f in loaded.findings if f.severity == "error"]
    m = loaded.manifest
    counts = {
        "models": len(m.models) if m else None,
        "versions": len(m.version_history) if m else None,
        "environments": len(m.environments) if m else None,
    }
    if as_json:
        echo_json({"ok": not errors, "file": target, "legacy": loaded.legacy, **counts, "findings": [f.to_json() for f in loaded.findings]})
    elif loaded.findings:
        click.echo(render.text(loaded.findings), err=True)
        click.echo(f"{target}: {len(loaded.findings)} finding(s)", err=True)
    else:
        click.echo(f"{target}: OK ({counts['models']} models, {counts['versions']} versions, {counts['environments']} environments)")
    if in_github_actions():
        annotate(loaded.findings)
        append_step_summary(render.markdown(loaded.findings, f"modelpromote validate: `{target}`"))
        set_outputs({"ok": str(not errors).lower(), "findings": str(len(loaded.findings))})
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


# -- status -----------------------------------------------------------------------------------


@main.command()
@click.option("--model", help="Only this model.")
@click.option("--env", "env_name", help="Only this environment.")
@manifest_option
@json_option
@handle_errors
def status(model: str | None, env_name: str | None, manifest_path: str, as_json: bool) -> None:
    """What is live where: model x environment, version, status, since when, rollout.

    "since" comes from the promotions log; a rollout column shows a canary's weight or an A/B
    split, and a hold placed by a rollback.

    The manifest must validate.  While it, its prompt files and modelpromote are unchanged, the
    answer comes from a per-user cache ($MODELPROMOTE_CACHE_DIR, else ~/.cache/modelpromote)
    without validating again; MODELPROMOTE_NO_CACHE=1 turns that off.

    \b
    Examples:
      modelpromote status
      modelpromote status --model customer-support --env production --json
    """
    from ..app.status import live_status
    from ..report.table import table

    rows = live_status(manifest_path, model, env_name).rows
    if as_json:
        echo_json({"ok": True, "rows": [r.to_json() for r in rows]})
        return
    body = [
        [
            r.model,
            r.env,
            r.version or "-",
            r.status or "-",
            r.since.strftime("%Y-%m-%d %H:%M UTC") if r.since else "-",
            " ".join(x for x in (r.rollout, f"HOLD: {r.hold}" if r.hold else None) if x) or "-",
        ]
        for r in rows
    ]
    click.echo(table(["MODEL", "ENV", "VERSION", "STATUS", "SINCE", "ROLLOUT"], body))
