"""Verbs that read or reshape the manifest file: validate, status, schema, migrate."""

from __future__ import annotations

import json
import sys

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding, InputError
from ..report import findings as render
from .common import annotate, echo_json, handle_errors, json_option, load_valid, main, manifest_option

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

    \b
    Examples:
      modelpromote status
      modelpromote status --model customer-support --env production --json
    """
    from ..manifest.query import live_rows
    from ..report.table import table

    loaded = load_valid(manifest_path)
    m = loaded.manifest
    if model is not None and m.model(model) is None:
        raise InputError(Finding("MP301", f"no model {model!r} in {manifest_path}", hint=f"models: {', '.join(x.name for x in m.models)}"))
    if env_name is not None and m.env(env_name) is None:
        raise InputError(
            Finding(
                "MP204",
                f"no environment {env_name!r} in {manifest_path}",
                hint=f"environments: {', '.join(e.name for e in m.environments)}",
            )
        )
    rows = live_rows(m, model, env_name)
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


# -- schema -----------------------------------------------------------------------------------


def schema_text() -> str:
    from ..manifest.schema import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


@main.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option(
    "--check", "check_path", type=click.Path(dir_okay=False), help="Exit 1 if this file differs from the current schema (for CI)."
)
@handle_errors
def schema(out: str | None, check_path: str | None) -> None:
    """Print the manifest's JSON Schema (for editors and CI).

    Put `# yaml-language-server: $schema=manifest.schema.json` at the top of the manifest and
    commit the schema beside it:  modelpromote schema --out models/manifest.schema.json
    """
    from ..providers.files import write_atomic

    text = schema_text()
    if check_path:
        try:
            with open(check_path, encoding="utf-8") as fh:
                current = fh.read()
        except OSError as exc:
            raise InputError(Finding("MP001", f"{check_path}: {exc.strerror}", check_path)) from None
        if current != text:
            click.echo(f"{check_path} is stale; regenerate: modelpromote schema --out {check_path}", err=True)
            sys.exit(EXIT_FINDINGS)
        click.echo(f"{check_path}: up to date")
        return
    if out:
        write_atomic(out, text)
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


# -- migrate ----------------------------------------------------------------------------------


@main.command()
@click.argument("path", required=False, type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Print the migrated manifest instead of writing it.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the result here instead of in place.")
@manifest_option
@json_option
@handle_errors
def migrate(path: str | None, dry_run: bool, out: str | None, manifest_path: str, as_json: bool) -> None:
    """Rewrite the article's flat manifest into the canonical form, keeping comments.

    Flat `current_production` / `staging` / `dev` keys become an `environments:` mapping per model;
    `schema_version: 1` and the ladder dev -> staging -> production are added (review its soak
    and approvals).  What else is wrong (say, versions missing from version_history) is listed
    afterwards.  The write is atomic.
    """
    from ..manifest.legacy import is_legacy, migrate_text
    from ..manifest.load import load_text
    from ..manifest.source import load_source
    from ..providers.files import write_atomic

    target = path or manifest_path
    src = load_source(target)
    if not isinstance(src.data, dict) or not is_legacy(src.data):
        msg = f"{target} is not in the legacy format; nothing to migrate"
        if as_json:
            echo_json({"ok": True, "changed": False, "changes": [], "message": msg})
        else:
            click.echo(msg)
        return
    new_text, changes = migrate_text(src.text)
    after = load_text(new_text, out or target)
    remaining = after.findings
    if dry_run:
        click.echo(new_text, nl=False)
    else:
        write_atomic(out or target, new_text)
    if as_json:
        echo_json(
            {
                "ok": not remaining,
                "changed": True,
                "written": None if dry_run else (out or target),
                "changes": changes,
                "findings": [f.to_json() for f in remaining],
            }
        )
    else:
        stream_err = dry_run
        for c in changes:
            click.echo(f"  {c}", err=stream_err)
        if not dry_run:
            click.echo(f"migrated {target}" + (f" -> {out}" if out else ""))
        if remaining:
            click.echo(render.text(remaining), err=True)
            click.echo(f"{len(remaining)} finding(s) remain; fix them, then run `modelpromote validate`", err=True)
    sys.exit(EXIT_FINDINGS if remaining else EXIT_OK)
