"""Verbs that reshape the manifest file: schema (its JSON Schema) and migrate (from the article's flat format)."""

from __future__ import annotations

import json
import sys

import click

from ..errors import EXIT_FINDINGS, EXIT_OK, Finding, InputError
from ..report import findings as render
from .common import echo_json, handle_errors, json_option, main, manifest_option

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
