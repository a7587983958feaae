"""The ``modelpromote`` command line: parse, call the core, render, exit.

Exit codes: 0 ok; 1 a check or gate said no; 2 bad input or usage; 3 an outside service failed.
No verb prints a traceback: errors are findings with a location and a fix.  Heavy imports
(PyGithub) happen inside the verbs that need them, so read-only verbs start fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from . import __version__
from .errors import EXIT_FINDINGS, EXIT_OK, Finding, InputError, ModelpromoteError
from .report import findings as render

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_MANIFEST = "models/manifest.yaml"


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def handle_errors(fn: F) -> F:
    """Turn every :class:`ModelpromoteError` into findings on stderr (or JSON) and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ModelpromoteError as exc:
            if kwargs.get("as_json"):
                _echo_json({"ok": False, "exit_code": exc.exit_code, "findings": [f.to_json() for f in exc.findings]})
            else:
                click.echo(render.text(exc.findings), err=True)
            _annotate(exc.findings)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def _annotate(findings: list[Finding]) -> None:
    from .providers.files import in_github_actions

    if in_github_actions() and findings:
        click.echo(render.annotations(findings))


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(fn)


def manifest_option(fn: F) -> F:
    return click.option(
        "--manifest", "-m", "manifest_path", default=DEFAULT_MANIFEST, show_default=True,
        envvar="MODELPROMOTE_MANIFEST", type=click.Path(dir_okay=True),
        help="The manifest file (env: MODELPROMOTE_MANIFEST).")(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="modelpromote")
def main() -> None:
    """GitOps model versioning and promotion.

    models/manifest.yaml is the registry: the versions that exist, which one is live in each
    environment, and the log of every promotion.  Every change is a reviewed pull request.

    \b
    Start here:
      modelpromote validate              check the manifest (exit 1 on findings)
      modelpromote status                what is live where, since when
      modelpromote schema                JSON Schema for your editor
      modelpromote migrate               convert the article's flat format

    Exit codes: 0 ok, 1 a check said no, 2 bad input or usage, 3 a service failed.
    """


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
    from .manifest.load import load_manifest
    from .providers.files import append_step_summary, in_github_actions, set_outputs

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
        _echo_json({"ok": not errors, "file": target, "legacy": loaded.legacy, **counts,
                    "findings": [f.to_json() for f in loaded.findings]})
    elif loaded.findings:
        click.echo(render.text(loaded.findings), err=True)
        click.echo(f"{target}: {len(loaded.findings)} finding(s)", err=True)
    else:
        click.echo(f"{target}: OK ({counts['models']} models, {counts['versions']} versions, "
                   f"{counts['environments']} environments)")
    if in_github_actions():
        _annotate(loaded.findings)
        append_step_summary(render.markdown(loaded.findings, f"modelpromote validate: `{target}`"))
        set_outputs({"ok": str(not errors).lower(), "findings": str(len(loaded.findings))})
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


def load_valid(path: str) -> Any:
    """Load a manifest that must be valid; otherwise stop with its findings (exit 1)."""
    from .errors import CheckFailed
    from .manifest.load import load_manifest

    loaded = load_manifest(path)
    if not loaded.ok:
        raise CheckFailed([*loaded.findings,
                           Finding("MP103", "the manifest does not validate; fix it first", path,
                                   hint=f"run `modelpromote validate {path}`")])
    return loaded


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
    from .manifest.query import live_rows
    from .report.table import table

    loaded = load_valid(manifest_path)
    m = loaded.manifest
    if model is not None and m.model(model) is None:
        raise InputError(Finding("MP301", f"no model {model!r} in {manifest_path}",
                                 hint=f"models: {', '.join(x.name for x in m.models)}"))
    if env_name is not None and m.env(env_name) is None:
        raise InputError(Finding("MP204", f"no environment {env_name!r} in {manifest_path}",
                                 hint=f"environments: {', '.join(e.name for e in m.environments)}"))
    rows = live_rows(m, model, env_name)
    if as_json:
        _echo_json({"ok": True, "rows": [r.to_json() for r in rows]})
        return
    body = [[r.model, r.env, r.version or "-", r.status or "-",
             r.since.strftime("%Y-%m-%d %H:%M UTC") if r.since else "-",
             " ".join(x for x in (r.rollout, f"HOLD: {r.hold}" if r.hold else None) if x) or "-"]
            for r in rows]
    click.echo(table(["MODEL", "ENV", "VERSION", "STATUS", "SINCE", "ROLLOUT"], body))


# -- schema -----------------------------------------------------------------------------------


def schema_text() -> str:
    from .manifest.schema import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


@main.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--check", "check_path", type=click.Path(dir_okay=False),
              help="Exit 1 if this file differs from the current schema (for CI).")
@handle_errors
def schema(out: str | None, check_path: str | None) -> None:
    """Print the manifest's JSON Schema (for editors and CI).

    Put `# yaml-language-server: $schema=manifest.schema.json` at the top of the manifest and
    commit the schema beside it:  modelpromote schema --out models/manifest.schema.json
    """
    from .providers.files import write_atomic

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
    from .manifest.legacy import is_legacy, migrate_text
    from .manifest.load import load_text
    from .manifest.source import load_source
    from .providers.files import write_atomic

    target = path or manifest_path
    src = load_source(target)
    if not isinstance(src.data, dict) or not is_legacy(src.data):
        msg = f"{target} is not in the legacy format; nothing to migrate"
        if as_json:
            _echo_json({"ok": True, "changed": False, "changes": [], "message": msg})
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
        _echo_json({"ok": not remaining, "changed": True, "written": None if dry_run else (out or target),
                    "changes": changes, "findings": [f.to_json() for f in remaining]})
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


def run() -> None:  # pragma: no cover - exercised via the console script
    """Entry point that never shows a traceback for our own errors (bugs still say so)."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("MODELPROMOTE_DEBUG"):
            raise
        click.echo(f"modelpromote: internal error: {type(exc).__name__}: {exc}\n"
                   "    this is a bug; please report it with MODELPROMOTE_DEBUG=1 output", err=True)
        sys.exit(70)
