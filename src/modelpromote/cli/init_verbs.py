"""``modelpromote init`` (alias ``adopt``): start from a team's existing state (the logic is app/adopt.py)."""

from __future__ import annotations

import os

import click

from .. import __version__
from ..errors import Finding, InputError
from .common import DEFAULT_MANIFEST, echo_json, handle_errors, json_option, main, now_option, parse_time, who


def _live(values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for v in values:
        model, sep, rest = v.partition(":")
        env, eq, version = rest.partition("=")
        if not (sep and eq and model and env and version):
            hint = "e.g. --live support:production=claude-3-5-sonnet-v1.2.3"
            raise InputError(Finding("MP302", f"--live {v!r} is not MODEL:ENV=VERSION", hint=hint))
        out.setdefault(model, {})[env] = version
    return out


@main.command("init")
@click.option("--dir", "root", default=".", show_default=True, type=click.Path(file_okay=False), help="The repository's working tree.")
@click.option("--manifest", "-m", "manifest_path", default=DEFAULT_MANIFEST, show_default=True, help="Manifest path in the repository.")
@click.option("--from", "from_path", metavar="PATH", help="Start from this existing (canonical) manifest instead of the one in place.")
@click.option("--live", multiple=True, metavar="MODEL:ENV=VERSION", help="No manifest yet: what is live now (repeatable).")
@click.option("--ladder", default="dev,staging,production", show_default=True, help="With --live: the environments, lowest first.")
@click.option("--owner", "owners", multiple=True, metavar="@LOGIN|@ORG/TEAM", help="Owners of every model (repeatable).")
@click.option("--actions-ref", default=f"v{__version__}", show_default=True, help="The modelpromote release the workflows call.")
@click.option("--actions-sha", metavar="SHA", help="Its full commit SHA: the workflows pin `uses:` by it (recommended).")
@click.option("--no-workflows", is_flag=True, help="Do not write .github/workflows.")
@click.option("--record-deployments", is_flag=True, help="Record what is live as GitHub Deployments, so `drift` starts green.")
@click.option("--repo", envvar="GITHUB_REPOSITORY", metavar="OWNER/NAME", help="With --record-deployments: the repository.")
@click.option("--token", envvar="GITHUB_TOKEN", metavar="TOKEN", help="With --record-deployments (prefer the env var).")
@click.option("--api-url", envvar="GITHUB_API_URL", metavar="URL", help="With --record-deployments: the API base.")
@click.option("--force", is_flag=True, help="Replace files that exist and differ (never needed on a re-run).")
@click.option("--dry-run", is_flag=True, help="Print what would be written; write nothing.")
@click.option("--by", "by", metavar="WHO", help="Who the adopt entries record (default: $GITHUB_ACTOR, git user.name, or the OS user).")
@now_option
@json_option
@handle_errors
def init(
    root: str,
    manifest_path: str,
    from_path: str | None,
    live: tuple[str, ...],
    ladder: str,
    owners: tuple[str, ...],
    actions_ref: str,
    actions_sha: str | None,
    no_workflows: bool,
    record_deployments: bool,
    repo: str | None,
    token: str | None,
    api_url: str | None,
    force: bool,
    dry_run: bool,
    by: str | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Adopt modelpromote in a repository whose models are already live.

    Writes the manifest (the one in place, --from an existing one, or --live flags), logs every
    current pointer as a promotion of kind `adopt` (so soak rules count from now and `drift`
    does not call untouched pointers missing), sets --owner on every model, writes the four
    workflows calling the actions pinned by --actions-sha (tag as a comment), optionally records
    the current state as GitHub Deployments, and prints the repository settings checklist.
    Re-running changes nothing.

    \b
    Examples:
      modelpromote init --owner @acme/ml --dry-run
      modelpromote init --live support:production=claude-3-5-sonnet-v1.2.3 --owner @acme/ml
      modelpromote init --actions-sha 0123...cdef --record-deployments   # needs modelpromote[github]

    Exit codes: 0 done (or nothing to do), 1 the manifest does not validate, 2 bad input or a
    file in the way (MP311), 3 GitHub failed.
    """
    from ..app.adopt import AdoptRequest, adopt
    from ..policy.adopt import CHECKLIST, is_sha

    if actions_sha is not None and not is_sha(actions_sha.lower()):
        raise InputError(
            Finding(
                "MP302",
                f"--actions-sha {actions_sha!r} is not a full commit SHA (40 hex digits)",
                hint=f"git ls-remote https://github.com/modelpromote/modelpromote refs/tags/{actions_ref}",
            )
        )
    gh = None
    if record_deployments:
        from .common import connect

        gh = connect(repo, token, api_url)
    req = AdoptRequest(
        root=root,
        manifest_path=manifest_path,
        from_path=from_path,
        models=_live(live),
        ladder=[e.strip() for e in ladder.split(",") if e.strip()],
        owners=owners,
        at=parse_time(now_text),
        by=who(by),
        actions_ref=actions_ref,
        actions_sha=actions_sha.lower() if actions_sha else None,
        workflows=not no_workflows,
        force=force,
        dry_run=dry_run,
    )
    res = adopt(req, gh)
    if as_json:
        echo_json({**res.to_json(), "checklist": CHECKLIST.splitlines()})
        return
    verb = "would " if dry_run else ""
    for f in res.files:
        click.echo(f"{f.action if f.action == 'unchanged' else verb + f.action:>12}  {f.path}")
        if dry_run and f.diff and f.path.endswith(os.path.basename(manifest_path)):
            click.echo(f.diff, nl=False)
    for e in res.log_entries:
        click.echo(f"{verb}log adopt: {e['model']} {e['env']} = {e['version']}")
    for name in res.owners_set:
        click.echo(f"{verb}set owners of {name}: {', '.join(owners)}")
    for d in res.deployments:
        state = "would record" if dry_run else ("recorded" if d.get("created") else "already recorded")
        click.echo(f"deployment {state}: {d['model']} {d['environment']} = {d['version']} ({d['strategy']})")
    if record_deployments and not dry_run and not res.deployments:
        click.echo("deployments: what is live is recorded already")
    if not res.changed:
        click.echo("nothing to do: already adopted")
    if not actions_sha and not no_workflows:
        click.echo(f"note: the workflows call the actions @{actions_ref}; pin them by commit with --actions-sha (a tag can move)", err=True)
    click.echo("")
    click.echo(CHECKLIST, nl=False)


main.add_command(init, "adopt")
