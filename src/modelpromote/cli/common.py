"""Shared pieces of the command line: the group, options, error handling, JSON output.

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
from datetime import datetime, timezone
from typing import Any, TypeVar

import click

from .. import __version__
from ..errors import Finding, InputError, ModelpromoteError
from ..report import findings as render

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_MANIFEST = "models/manifest.yaml"


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def handle_errors(fn: F) -> F:
    """Turn every :class:`ModelpromoteError` into findings on stderr (or JSON) and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ModelpromoteError as exc:
            if kwargs.get("as_json"):
                echo_json({"ok": False, "exit_code": exc.exit_code, "findings": [f.to_json() for f in exc.findings]})
            else:
                click.echo(render.text(exc.findings), err=True)
            annotate(exc.findings)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def annotate(findings: list[Finding]) -> None:
    from ..providers.files import in_github_actions

    if in_github_actions() and findings:
        click.echo(render.workflow_commands(findings))


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(fn)


def manifest_option(fn: F) -> F:
    return click.option(
        "--manifest",
        "-m",
        "manifest_path",
        default=DEFAULT_MANIFEST,
        show_default=True,
        envvar="MODELPROMOTE_MANIFEST",
        type=click.Path(dir_okay=True),
        help="The manifest file (env: MODELPROMOTE_MANIFEST).",
    )(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="modelpromote")
def main() -> None:
    """GitOps model versioning and promotion.

    models/manifest.yaml is the registry: the versions that exist, which one is
    live in each environment, and the log of every promotion.  Every change is a
    reviewed pull request.

    \b
    Look:      validate, status, schema, migrate
    Release:   release (next rc / finalize), eval (judge results against thresholds)
    Promote:   plan -> pr (opens the PR) -> gate (approvals) -> deploy (on merge)
               promote (apply locally), rollback, fail, hold, retire
    Watch:     health (advance / hold / roll back canaries), drift
    Apps:      export (runtime config for modelpromote.runtime)

    \b
    Start here:
      modelpromote demo        (the whole story in a sandbox: offline, ~10 s)
      modelpromote validate
      modelpromote status
      modelpromote plan customer-support claude-3-5-sonnet-v1.3.0 --to production

    Exit codes: 0 ok, 1 a check said no, 2 bad input or usage, 3 a service failed.
    """


def parse_time(value: str | None, option: str = "--now") -> datetime:
    """The clock a decision uses: the real one, or an ISO timestamp given with ``option``.

    Decisions never read the clock themselves (policy/ and gates/ take ``now``); only this does,
    so every verb can replay a past moment.  A timestamp without a zone means UTC.
    """
    if not value:
        return datetime.now(timezone.utc)
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        hint = f"e.g. {option} 2026-06-01T12:00:00Z"
        raise InputError(Finding("MP302", f"{option} {value!r} is not an ISO timestamp", hint=hint)) from None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def load_valid(path: str) -> Any:
    """Load a manifest that must be valid; otherwise stop with its findings (exit 1)."""
    from ..errors import CheckFailed
    from ..manifest.load import load_manifest

    loaded = load_manifest(path)
    if not loaded.ok:
        raise CheckFailed(
            [
                *loaded.findings,
                Finding("MP103", "the manifest does not validate; fix it first", path, hint=f"run `modelpromote validate {path}`"),
            ]
        )
    return loaded


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
        click.echo(
            f"modelpromote: internal error: {type(exc).__name__}: {exc}\n"
            "    this is a bug; please report it with MODELPROMOTE_DEBUG=1 output",
            err=True,
        )
        sys.exit(70)
