"""``plan`` (may it go, and why not) and ``promote`` (apply an allowed plan to the local manifest).

Thin: :mod:`modelpromote.app.promotion` decides and writes; this parses, renders, exits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import EXIT_FINDINGS
from .common import (
    annotate,
    echo_json,
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


# -- plan -----------------------------------------------------------------------------------------

def _promotion_options(fn: F) -> F:
    fn = click.option("--breaking", is_flag=True, help="Acknowledge a MAJOR change (new semver major or another base model).")(fn)
    fn = click.option("--force", is_flag=True, help="Promote a version recorded as failed here (needs --reason).")(fn)
    fn = click.option("--reason", metavar="TEXT", help="Why; recorded in the promotions log.")(fn)
    fn = click.option("--to", "env", required=True, metavar="ENV", help="Target environment.")(fn)
    fn = click.argument("version")(fn)
    fn = click.argument("model")(fn)
    return fn


@main.command()
@_promotion_options
@now_option
@manifest_option
@json_option
@handle_errors
def plan(model: str, version: str, env: str, reason: str | None, force: bool, breaking: bool, now_text: str | None,
         manifest_path: str, as_json: bool) -> None:
    """Would promoting MODEL to VERSION in ENV be allowed, and why (not)?

    Every rule is checked and shown with its verdict: the version exists; ENV is on the
    ladder; VERSION is live in ENV's promote_from environment and has been for its soak
    (from the promotions log); its status allows it; it has not failed in ENV; it is not a
    downgrade (that is `rollback`); a MAJOR change is acknowledged with --breaking; no
    freeze window; no hold on the model; no canary in progress in ENV.

    Exit 0 when allowed, 1 when refused, 2 when a name does not exist.

    \b
    Examples:
      modelpromote plan customer-support claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 --to production
      modelpromote plan code-generator claude-opus-v4.0.0 --to staging --breaking --json
      modelpromote plan code-generator claude-opus-v4.0.0 --to staging --now 2026-07-01T00:00:00Z
    """
    from ..app import promotion
    from ..app.store import LocalStore
    from ..report.plan import render_plan, render_prompt_diff

    req = promotion.request(model, version, env, force=force, reason=reason, breaking=breaking)
    p, prompt = promotion.plan_local(LocalStore(manifest_path, for_write=False), req, parse_time(now_text))
    code = 0 if p.allowed else (2 if p.bad_input else EXIT_FINDINGS)
    if as_json:
        echo_json({"ok": p.allowed, "exit_code": code, "plan": p.to_json(), "prompt": None if prompt is None else prompt.to_json()})
    else:
        click.echo(render_plan(p) + ("" if prompt is None else "\n" + render_prompt_diff(prompt)))
    if not p.allowed:
        annotate(p.findings(manifest_path))
    sys.exit(code)



# -- promote --------------------------------------------------------------------------------------


@main.command()
@_promotion_options
@click.option("--pr", "pr_number", type=click.IntRange(min=1), help="The pull request that carries this change (logged).")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def promote(model: str, version: str, env: str, reason: str | None, force: bool, breaking: bool, pr_number: int | None,
            dry_run: bool, expect_sha: str | None, by: str | None, now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Apply an allowed plan: set MODEL's ENV pointer to VERSION and log it.

    Refuses (exit 1, nothing written) unless `modelpromote plan` with the same arguments
    allows it.  Writes exactly: the pointer line, one `promotions` entry (model, env, from, to,
    at, by, reason), and, when ENV has a canary policy and a version was live, the model's
    `canary:` state at the first step.  The same promote twice is a no-op.

    \b
    Examples:
      modelpromote promote code-generator claude-opus-v4.0.0 --to staging --breaking --reason "new base model"
      modelpromote promote customer-support claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 --to staging --dry-run
      modelpromote promote MODEL VERSION --to production --expect-sha "$(git hash-object models/manifest.yaml)"
    """
    from ..app import promotion
    from ..report.plan import render_plan

    req = promotion.request(model, version, env, force=force, reason=reason, breaking=breaking)
    try:
        result = promotion.promote(local_store(manifest_path, expect_sha, dry_run), req, now=parse_time(now_text), by=who(by), pr=pr_number,
                                   dry_run=dry_run)
    except promotion.Refused as exc:
        if not as_json:
            click.echo(render_plan(exc.plan), err=True)
        raise
    show_write(result, as_json)

