"""Adoption (``modelpromote init``): what a team's existing state becomes.  Pure: data in, text out.

* :func:`adopt_changes`: one ``adopt`` log entry per live pointer the log does not explain yet (so
  soak rules and drift start from the current state), and the owners given on the command line.
* :func:`manifest_from_flags`: a fresh canonical manifest for models given as flags.
* :func:`pin_workflow`: this repository's workflow, calling the actions from the modelpromote
  repository pinned by commit SHA (tag as a comment), with the promote form's environments taken
  from the manifest's ladder.
* :data:`CHECKLIST`: the repository settings that no file can set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from ..manifest.changes import Adopt, Change, SetOwners
from ..manifest.schema import Manifest
from ..manifest.yaml_splice import yaml_scalar
from ..versions import VersionError, parse_version
from .history import entries

ACTIONS_REPO = "modelpromote/modelpromote"
_USES = re.compile(r"^(?P<pre>\s*(?:-\s+)?uses:\s*)\./actions/(?P<name>[a-z][a-z0-9_-]*)[ \t]*$", re.MULTILINE)
_SHA = re.compile(r"^[0-9a-f]{40}$")


def adopt_changes(m: Manifest, *, at: datetime, by: str | None, owners: Sequence[str] = ()) -> list[Change]:
    """The log entries and owner edits that adopting ``m`` needs; empty when it is already adopted.

    A pointer is explained when its model/env's latest log entry goes to it (a promotion, a
    rollback, an earlier adoption): re-running ``init`` therefore adds nothing.
    """
    out: list[Change] = []
    for mod in m.models:
        if owners and list(mod.owners) != list(owners):
            out.append(SetOwners(mod.name, tuple(owners)))
        for env in m.environments:
            version = mod.environments.get(env.name)
            if version is None:
                continue
            log = entries(m, mod.name, env.name)
            if log and log[-1].to == version:
                continue
            out.append(Adopt(mod.name, env.name, version, at, by))
    return out


def manifest_from_flags(models: Mapping[str, Mapping[str, str]], ladder: Sequence[str], owners: Sequence[str]) -> str:
    """A canonical manifest for ``models`` (name -> {env: version}); catalogue entries from the version ids.

    Raises ``VersionError`` for a pointer that is not a version id (the caller locates it).
    """
    lines = [
        "# yaml-language-server: $schema=manifest.schema.json",
        "# Written by `modelpromote init`; edit freely.",
        "schema_version: 1",
        "environments:",
    ]
    soaks = {1: "1h", 2: "24h"}
    for i, env in enumerate(ladder):
        lines.append(f"  - name: {env}")
        if i:
            lines += [f"    promote_from: {ladder[i - 1]}", f"    soak: {soaks.get(i, '24h')}"]
        if i == len(ladder) - 1 and i:
            lines += ["    approvals: 2", "    allow_prerelease: false"]
    lines.append("models:")
    catalogue: dict[str, tuple[str, bool]] = {}
    for name, pointers in models.items():
        lines.append(f"  - name: {name}")
        lines.append(f"    owners: [{', '.join(yaml_scalar(o) for o in owners)}]")
        lines.append("    environments:")
        for env in ladder:
            if env in pointers:
                vid = parse_version(pointers[env])
                lines.append(f"      {env}: {pointers[env]}")
                catalogue.setdefault(vid.model_version, (vid.base, vid.is_prerelease))
    lines.append("version_history:")
    for version, (base, pre) in sorted(catalogue.items()):
        status = "release_candidate" if pre else "stable"
        lines += [f"  - version: {version}", f"    base_model: {base}", f"    provider_model: {base}", f"    status: {status}"]
    lines += ["promotions: []", "failures: []", ""]
    return "\n".join(lines)


def check_version_ids(models: Mapping[str, Mapping[str, str]]) -> list[tuple[str, str, str]]:
    """(model, env, pointer) for every pointer that is not a version id."""
    bad = []
    for name, pointers in models.items():
        for env, v in pointers.items():
            try:
                parse_version(v)
            except VersionError:
                bad.append((name, env, v))
    return bad


def is_sha(text: str) -> bool:
    return bool(_SHA.match(text))


def pin_workflow(text: str, *, ref: str, sha: str | None, environments: Sequence[str]) -> str:
    """``uses: ./actions/X`` -> ``uses: modelpromote/modelpromote/actions/X@SHA # REF`` (or ``@REF`` without a SHA);
    the promote form's ``environment`` choice lists ``environments`` (every rung a promotion can target)."""
    target = f"{sha} # {ref}" if sha else ref
    text = _USES.sub(lambda mt: f"{mt['pre']}{ACTIONS_REPO}/actions/{mt['name']}@{target}", text)
    return _set_choice(text, "environment", environments)


def _set_choice(text: str, input_name: str, options: Sequence[str]) -> str:
    """Replace the ``options:`` list of the ``workflow_dispatch`` choice input ``input_name``."""
    m = re.search(
        rf"^(?P<ind>\s+){re.escape(input_name)}:\n(?:(?P=ind)\s+.*\n)*?(?P<oi>\s+)options:[^\n]*\n(?P<items>(?:(?P=oi)\s+- .*\n)+)",
        text,
        re.MULTILINE,
    )
    if m is None or not options:
        return text
    item_indent = re.match(r"\s*", m["items"]).group(0)  # type: ignore[union-attr]
    items = "".join(f"{item_indent}- {o}\n" for o in options)
    return text[: m.start("items")] + items + text[m.end("items") :]


def promotable(m: Manifest) -> list[str]:
    """Every environment a promotion can target: the whole ladder (dev too: releases start there)."""
    return [e.name for e in m.environments]


CHECKLIST = """\
Repository settings no file can set (docs/github.md, "Set up the approval gate", explains each):
  [ ] A GitHub App for modelpromote (contents, pull requests, commit statuses, deployments: read and
      write; organisation members: read), installed on this repository; variable MODELPROMOTE_APP_ID.
  [ ] Environment `modelpromote-gate` (deployment branches: main only) holding the secret
      MODELPROMOTE_APP_PRIVATE_KEY; variable MODELPROMOTE_BOT_LOGIN = <app-slug>[bot].
  [ ] Ruleset on the default branch: require a pull request; required status check
      `modelpromote/approval` from the App (the trust boundary), branches up to date; nobody may bypass.
  [ ] Secret MODELPROMOTE_TOKEN for the promote form: the App's token or a fine-grained PAT (contents and
      pull requests: write). Not GITHUB_TOKEN: what it opens starts no workflows.
  [ ] Secret MODELPROMOTE_WEBHOOK_SECRET, variable MODELPROMOTE_WEBHOOK_URL (the deploy webhook; optional).
  [ ] Variable MODELPROMOTE_PROMETHEUS_URL (or policies.health.source in the manifest) for health.
  [ ] Environment `production` (Settings -> Environments): required reviewers, deployment branches: main only.
"""
