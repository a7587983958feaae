"""`export`: compile the manifest into the runtime config applications load."""

from __future__ import annotations

import json

import click

from ..errors import Finding, InputError
from .common import echo_json, handle_errors, json_option, main, manifest_option


@main.command()
@click.option("--env", "env_name", required=True, help="The environment whose applications will load the config.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the config to this file (atomically) instead of stdout.")
@manifest_option
@json_option
@handle_errors
def export(env_name: str, out: str | None, manifest_path: str, as_json: bool) -> None:
    """Compile the manifest into a small JSON runtime config for one environment.

    Per model: the live version, its provider model and prompt (text and sha256 from the prompt
    catalogue), the settings, the canary or A/B split (weights in basis points, with its bucketing
    salt), the shadow version, the fallback chain; and the rollback thresholds and the manifest's
    git sha.  Applications load it with
    `modelpromote.runtime.Runtime.load(path)`, which reloads it when the file changes; writing
    with --out is atomic, so a running application never reads half a file.

    Without --out the config goes to stdout.  With --out, stdout says what was written (or, with
    --json, the same as JSON).  Models with nothing live in ENV are left out and listed.

    \b
    Examples:
      modelpromote export --env production --out runtime.json
      modelpromote export --env staging | jq '.models["customer-support"].split'
      modelpromote export --env production --out deploy/runtime.json --json
    """
    from ..app.store import load_valid
    from ..policy.export import compile_runtime, skipped_models
    from ..providers.files import write_atomic
    from ..providers.revision import manifest_revision

    loaded = load_valid(manifest_path)
    m = loaded.manifest
    if m.env(env_name) is None:
        raise InputError(
            Finding(
                "MP204",
                f"no environment {env_name!r} in {manifest_path}",
                manifest_path,
                hint=f"environments: {', '.join(e.name for e in m.environments)}",
            )
        )
    # Both splits at once is refused by compile_runtime too; here the finding can point at the line.
    clashes = [
        loaded.source.finding(
            "MP606",
            f"{x.name}/{env_name} has both a canary and an A/B experiment; the runtime serves one split at a time",
            ("models", i, "canary", env_name),
            key=True,
        )
        for i, x in enumerate(m.models)
        if env_name in x.canary and env_name in x.experiments
    ]
    if clashes:
        raise InputError(clashes)
    rev = manifest_revision(manifest_path)
    config = compile_runtime(m, env_name, source={"manifest": manifest_path, **rev.to_json()}, prompts=loaded.prompts)
    text = json.dumps(config, indent=2, sort_keys=True) + "\n"
    skipped = skipped_models(m, env_name)
    if out is None:
        click.echo(text, nl=False)
        return
    write_atomic(out, text)
    summary = {"ok": True, "written": out, "env": env_name, "models": sorted(config["models"]), "skipped": skipped, **rev.to_json()}
    if as_json:
        echo_json(summary)
        return
    click.echo(
        f"wrote {out}: {len(config['models'])} model(s) for {env_name} from {manifest_path} @ {rev.git_sha or 'no git'}"
        + (" (uncommitted changes)" if rev.dirty else "")
    )
    if skipped:
        click.echo(f"  not live in {env_name}, left out: {', '.join(skipped)}")
