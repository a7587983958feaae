"""Shared pieces of the command line: the (lazy) group, options, error handling, JSON output.

Exit codes: 0 ok; 1 a check or gate said no; 2 bad input or usage; 3 an outside service failed.
No verb prints a traceback: errors are findings with a location and a fix.  Heavy imports
(PyGithub) happen inside the verbs that need them, so read-only verbs start fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import __version__
from .top_level import HELP, MAX_WIDTH, PROG, VERBS

# Only what `modelpromote --help` needs is imported here; the rest is imported where it is used,
# so the top-level help costs Python, click and this module (docs/benchmarks.md, issue 12).
if TYPE_CHECKING:
    from datetime import datetime

    from ..app.store import LocalStore, WriteResult
    from ..errors import Finding
    from ..providers.github import GitHub

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_MANIFEST = "models/manifest.yaml"
# Their values never appear in a message (errors.redact), whatever prints it.
SECRET_ENV = ("GITHUB_TOKEN", "MODELPROMOTE_WEBHOOK_SECRET", "MODELPROMOTE_PROMETHEUS_TOKEN")


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def handle_errors(fn: F) -> F:
    """Turn every :class:`ModelpromoteError` into findings on stderr (or JSON) and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..errors import ModelpromoteError

        try:
            return fn(*args, **kwargs)
        except ModelpromoteError as exc:
            from ..report import findings as render

            if kwargs.get("as_json"):
                echo_json({"ok": False, "exit_code": exc.exit_code, "findings": [f.to_json() for f in exc.findings]})
            else:
                click.echo(render.text(exc.findings), err=True)
            annotate(exc.findings)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def annotate(findings: list[Finding]) -> None:
    from ..providers.files import in_github_actions
    from ..report import findings as render
    from .github_output import state

    if in_github_actions() and findings:
        state["annotated"] = True
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


def _with_github_output(name: str, cmd: click.Command) -> None:
    """In GitHub Actions every verb gets its failure annotation and step summary (cli/github_output.py)."""
    invoke = cmd.invoke

    def wrapped(ctx: click.Context) -> Any:
        from .github_output import active, run_verb

        if not active():
            return invoke(ctx)
        return run_verb(name, dict(ctx.params), lambda: invoke(ctx))

    cmd.invoke = wrapped  # type: ignore[method-assign]
    cmd._mp_github_output = True  # type: ignore[attr-defined]


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (see :data:`VERBS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in VERBS:
            import importlib

            importlib.import_module(f"{__package__}.{VERBS[cmd_name][0]}")  # registers its verbs on main
        cmd = self.commands.get(cmd_name)
        if cmd is not None and not getattr(cmd, "_mp_github_output", False):
            _with_github_output(cmd_name, cmd)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, VERBS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": MAX_WIDTH})
@click.version_option(__version__, prog_name=PROG)
def main() -> None:
    # The help is HELP (cli/top_level.py), which `modelpromote --help` prints without click.
    from ..errors import register_secret

    for name in SECRET_ENV:
        register_secret(os.environ.get(name))


def now_option(fn: F) -> F:
    return click.option("--now", "now_text", metavar="ISO", help="Decide as of this time, not now (e.g. 2026-06-01T12:00:00Z).")(fn)


def writer_options(fn: F) -> F:
    """Options every verb that writes the local manifest shares."""
    fn = click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")(fn)
    fn = click.option(
        "--expect-sha",
        metavar="SHA",
        help="Refuse unless the manifest's git blob sha is this (the file the decision was made on; `git hash-object FILE`).",
    )(fn)
    fn = click.option("--by", "by", metavar="WHO", help="Who is recorded (default: $GITHUB_ACTOR, git user.name, or the OS user).")(fn)
    return fn


def local_store(manifest_path: str, expect_sha: str | None = None, dry_run: bool = False) -> LocalStore:
    """The local manifest for a writer; a dry run takes no lock and needs no write access."""
    from ..app.store import LocalStore

    return LocalStore(manifest_path, expect_sha, for_write=not dry_run)


def who(by: str | None) -> str | None:
    from ..providers.identity import default_actor

    return by or default_actor()


def github_options(fn: F) -> F:
    """--repo, --api-url, --token (from the environment in Actions) and the manifest's path in the repository."""
    fn = click.option(
        "--manifest", "-m", "manifest_path", default=DEFAULT_MANIFEST, show_default=True, envvar="MODELPROMOTE_MANIFEST",
        help="Path of the manifest inside the repository.",
    )(fn)
    fn = click.option(
        "--token", envvar="GITHUB_TOKEN", show_envvar=True, metavar="TOKEN", help="GitHub token (prefer the env var: flags show in `ps`)."
    )(fn)
    fn = click.option(
        "--api-url", envvar="GITHUB_API_URL", show_envvar=True, metavar="URL",
        help="API base, e.g. https://ghe.example.com/api/v3 [default: github.com].",
    )(fn)
    fn = click.option(
        "--repo", envvar="GITHUB_REPOSITORY", show_envvar=True, metavar="OWNER/NAME", help="The repository holding the manifest."
    )(fn)
    return fn


def connect(repo: str | None, token: str | None, api_url: str | None) -> GitHub:
    from ..providers.github import GitHub, settings_from_env

    return GitHub(settings_from_env(repo, token, api_url))


def outputs(values: dict[str, str]) -> None:
    """Step outputs, in GitHub Actions only."""
    from ..providers.files import in_github_actions, set_outputs

    if in_github_actions():
        set_outputs(values)


def parse_time(value: str | None, option: str = "--now") -> datetime:
    """The clock a decision uses: the real one, or an ISO timestamp given with ``option``.

    Decisions never read the clock themselves (policy/ and gates/ take ``now``); only this does,
    so every verb can replay a past moment.  A timestamp without a zone means UTC.
    """
    from datetime import datetime, timezone

    from ..errors import Finding, InputError

    if not value:
        return datetime.now(timezone.utc)
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        hint = f"e.g. {option} 2026-06-01T12:00:00Z"
        raise InputError(Finding("MP302", f"{option} {value!r} is not an ISO timestamp", hint=hint)) from None
    t = t if t.tzinfo else t.replace(tzinfo=timezone.utc)
    # Decisions add soaks and windows to the clock and compare it with UTC log times: near the
    # calendar's edge that overflows.  No real decision is made before 1970 or after 9000.
    try:
        t = t.astimezone(timezone.utc)
    except OverflowError:
        t = datetime.min.replace(tzinfo=timezone.utc)
    if not 1970 <= t.year <= 9000:
        raise InputError(Finding("MP302", f"{option} {value!r} is outside the years 1970-9000", hint=f"e.g. {option} 2026-06-01T12:00:00Z"))
    return t


def show_write(result: WriteResult, as_json: bool) -> None:
    """Print what a writer did: JSON, the diff of a dry run, or its one-line summary; step outputs in Actions."""
    from ..providers.files import in_github_actions, set_outputs

    if in_github_actions() and result.changed:
        set_outputs({"changed": "true", "sha": result.sha_after, "dry_run": str(result.dry_run).lower()})
    if as_json:
        echo_json(result.to_json())
    elif result.dry_run and result.changed:
        from ..report.safe import term, term_block

        click.echo(term_block(result.diff), nl=False)
        click.echo(f"(dry run) {term(result.summary)}", err=True)
    else:
        from ..report.safe import term

        click.echo(term(result.summary))


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
        from ..errors import redact

        click.echo(
            f"modelpromote: internal error: {type(exc).__name__}: {redact(str(exc))}\n"
            "    this is a bug; please report it with MODELPROMOTE_DEBUG=1 output",
            err=True,
        )
        sys.exit(70)
