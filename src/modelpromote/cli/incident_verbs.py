"""When something goes wrong: ``rollback``, ``fail`` (record a failed gate) and ``hold``.

Thin: :mod:`modelpromote.app.promotion` decides and writes; this parses, renders, exits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from .common import (
    handle_errors,
    json_option,
    local_store,
    main,
    manifest_option,
    now_option,
    parse_time,
    show_write,
    who,
    writer_options,
)

F = TypeVar("F", bound=Callable[..., Any])


# -- rollback -------------------------------------------------------------------------------------


@main.command()
@click.argument("model")
@click.option("--env", "env", required=True, metavar="ENV", help="The environment to roll back.")
@click.option("--to", "to", metavar="VERSION", help="Go to this version (default: the previous verified one).")
@click.option("--reason", required=True, metavar="TEXT", help="Why; recorded in the log and on the hold.")
@click.option("--no-hold", is_flag=True, help="Do not place a hold on the model (default: hold until a person clears it).")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def rollback(model: str, env: str, to: str | None, reason: str, no_hold: bool, dry_run: bool, expect_sha: str | None, by: str | None,
             now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Put MODEL in ENV back on an earlier, verified version.

    Default target: a running canary's baseline, else the most recent version that was fully
    live in ENV (promotions log), else the first usable version of the fallback chain.  The
    change is logged with kind: rollback (health never rolls back a rollback), any canary in ENV
    is cleared, and a hold stops automatic promotion until `modelpromote hold MODEL --clear`.
    Allowed during freeze windows.

    \b
    Examples:
      modelpromote rollback customer-support --env staging --reason "error rate 4%"
      modelpromote rollback customer-support --env production --to claude-3-5-sonnet-v1.2.3 --reason "bad answers" --dry-run
    """
    from ..app import promotion

    result = promotion.rollback(local_store(manifest_path, expect_sha, dry_run), model, env, to=to, reason=reason, hold=not no_hold,
                                now=parse_time(now_text), by=who(by), dry_run=dry_run)
    show_write(result, as_json)



# -- fail -----------------------------------------------------------------------------------------


@main.command()
@click.argument("model")
@click.argument("version")
@click.option("--env", "env", required=True, metavar="ENV", help="Where the promotion failed.")
@click.option("--gate", required=True, metavar="NAME", help="What said no (e.g. eval, approval, health).")
@click.option("--report", metavar="URL", help="Where the evidence is.")
@click.option("--reason", metavar="TEXT", help="A short why.")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def fail(model: str, version: str, env: str, gate: str, report: str | None, reason: str | None, dry_run: bool, expect_sha: str | None,
         by: str | None, now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Record that VERSION failed a gate for MODEL in ENV.

    `plan` then refuses that version in ENV until a new version is released, or `--force
    --reason` overrides it.  Recording the same failure twice is a no-op.

    \b
    Example:
      modelpromote fail customer-support claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 --env production --gate eval --report https://ci/run/1
    """
    from ..app import promotion

    del by
    result = promotion.fail(local_store(manifest_path, expect_sha, dry_run), model, version, env, gate=gate, report=report, reason=reason,
                            now=parse_time(now_text), dry_run=dry_run)
    show_write(result, as_json)



# -- hold -----------------------------------------------------------------------------------------


@main.command()
@click.argument("model")
@click.option("--env", "env", metavar="ENV", help="Hold only this environment (default: every environment).")
@click.option("--reason", metavar="TEXT", help="Why (required unless --clear).")
@click.option("--clear", is_flag=True, help="Lift the hold.")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def hold(model: str, env: str | None, reason: str | None, clear: bool, dry_run: bool, expect_sha: str | None, by: str | None,
         now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Stop (or, with --clear, resume) automatic promotion of MODEL.

    A rollback places a hold; `plan` refuses promotions of a held model until a person clears it.

    \b
    Examples:
      modelpromote hold customer-support --env production --reason "investigating latency"
      modelpromote hold customer-support --clear
    """
    from ..app import promotion

    result = promotion.hold(local_store(manifest_path, expect_sha, dry_run), model, env=env, reason=reason, clear=clear,
                            now=parse_time(now_text), by=who(by), dry_run=dry_run)
    show_write(result, as_json)
