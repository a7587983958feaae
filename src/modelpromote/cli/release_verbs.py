"""``release`` (the next version into the catalogue) and ``retire`` (old, unused versions out).

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
    writer_options,
)

F = TypeVar("F", bound=Callable[..., Any])


# -- release --------------------------------------------------------------------------------------


@main.command()
@click.argument("base")
@click.option("--bump", type=click.Choice(["major", "minor", "patch", "rc"]), help="Which part goes up (major/minor/patch start at rc.1).")
@click.option("--final", is_flag=True, help="With --bump major|minor|patch: add the final version directly, no rc.")
@click.option("--finalize", "finalize_version", metavar="VERSION", help="Turn this release candidate into its final version.")
@click.option("--changelog", metavar="TEXT", help="What changed.")
@click.option("--digest", metavar="sha256:HEX", help="The artifact digest (must match the rc's when finalizing).")
@click.option("--provider-model", metavar="NAME", help="The name the provider's API is called with (default: the previous version's).")
@click.option("--prompt", "prompt_file", metavar="FILE", help="Release FILE as the next prompt version of model BASE (a models: name).")
@click.option("--reason", metavar="TEXT", help="With --prompt: the prompt's changelog (same as --changelog).")
@click.option("--pair", metavar="VERSION", help="With --prompt: the model version to pair it with (default: the lowest one live).")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def release(base: str, bump: str | None, final: bool, finalize_version: str | None, changelog: str | None, digest: str | None,
            provider_model: str | None, prompt_file: str | None, reason: str | None, pair: str | None, dry_run: bool,
            expect_sha: str | None, by: str | None, now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Add the next version of base model BASE (or, with --prompt, of model BASE's prompt) to the catalogue.

    `--bump minor` from claude-3-5-sonnet-v1.2.3 adds claude-3-5-sonnet-v1.3.0-rc.1;
    `--bump rc` then adds -rc.2; `--finalize claude-3-5-sonnet-v1.3.0-rc.2` adds
    claude-3-5-sonnet-v1.3.0 with the same artifact digest.  Duplicates and versions that do
    not increase are refused.  The entry goes among BASE's versions, in the list's own order.

    `release MODEL --prompt FILE` copies FILE to prompts/MODEL/v<N>.<ext> beside the manifest
    and catalogues it (sha256, the {{ name }} variables it uses, the changelog); it prints the
    version id to promote (<model version>_prompt-v<N>).  Both files are written or neither;
    the same bytes again change nothing.

    \b
    Examples:
      modelpromote release claude-3-5-sonnet --bump minor --changelog "better math" --digest sha256:<64 hex>
      modelpromote release claude-3-5-sonnet --bump rc
      modelpromote release claude-3-5-sonnet --finalize claude-3-5-sonnet-v1.3.0-rc.1
      modelpromote release customer-support --prompt new-prompt.md --reason "shorter answers"
    """
    from ..app import promotion

    del by  # the catalogue records when, not who; git records who
    if prompt_file is not None:
        from ..errors import Finding, InputError

        others = [o for o, v in (("--bump", bump), ("--final", final), ("--finalize", finalize_version), ("--digest", digest),
                                 ("--provider-model", provider_model)) if v]
        if others:
            raise InputError(Finding("MP302", f"--prompt releases a prompt, not a model version: drop {', '.join(others)}"))
        if reason and changelog and reason != changelog:
            raise InputError(Finding("MP302", "give the prompt's changelog once: --reason or --changelog"))
        store = local_store(manifest_path, expect_sha, dry_run)
        show_write(promotion.release_prompt(store, base, prompt_file, changelog=reason or changelog, pair=pair, dry_run=dry_run), as_json)
        return
    if reason is not None or pair is not None:
        from ..errors import Finding, InputError

        raise InputError(Finding("MP302", "--reason and --pair go with --prompt (a model version's changelog is --changelog)"))
    r = promotion.ReleaseRequest(base, bump, final, finalize_version, changelog, digest, provider_model)  # type: ignore[arg-type]
    show_write(promotion.release(local_store(manifest_path, expect_sha, dry_run), r, now=parse_time(now_text), dry_run=dry_run), as_json)




# -- retire ---------------------------------------------------------------------------------------


@main.command()
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def retire(dry_run: bool, expect_sha: str | None, by: str | None, now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Mark old, unused catalogue versions retired.

    Kept: anything a pointer, canary, A/B control, shadow or fallback names; the current and
    previous version of every model in every environment; anything younger than
    policies.retention (default 30d).  Never retires anything live.  Use --dry-run first.

    \b
    Examples:
      modelpromote retire --dry-run
      modelpromote retire --json
    """
    from ..app import promotion

    del by
    show_write(promotion.retire(local_store(manifest_path, expect_sha, dry_run), now=parse_time(now_text), dry_run=dry_run), as_json)

