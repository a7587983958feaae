"""The approval gate for pull requests from health branches (rollback/..., canary/...): read, then decide.

Used by ``modelpromote gate`` (any pull request whose head is a health branch) and by
``modelpromote health --github`` (which posts the same status on its own pull requests before it
merges them: pull requests opened with a workflow's GITHUB_TOKEN start no workflow, so nobody else
would).  The decision is :mod:`modelpromote.policy.health_change`; this module only reads GitHub.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import CheckFailed, Finding, ModelpromoteError

if TYPE_CHECKING:
    from ..providers.github import GitHub, PullInfo

BOT_ENV = "MODELPROMOTE_BOT_LOGIN"


def bot_login(value: str | None) -> str | None:
    """--bot, else $MODELPROMOTE_BOT_LOGIN, else None (no bot configured); a leading @ is dropped."""
    login = (value if value is not None else os.environ.get(BOT_ENV, "")).strip().lstrip("@")
    return login or None


def health_gate_checks(gh: GitHub, info: PullInfo, manifest_path: str, now: datetime, bot: str | None) -> dict[str, Any]:
    """Everything the gate needs for a health pull request, read from GitHub, and the verdict.

    Same shape as :func:`modelpromote.cli.github_verbs.gate_checks`: ``info``, ``result``,
    ``model``, ``env``, ``version``; plus ``verdict`` (the pure
    :class:`~modelpromote.policy.health_change.HealthVerdict`).
    """
    from ..manifest.load import load_text
    from ..policy.health_change import HealthChange, gate, verify
    from .github_verbs import _owners

    tip = gh.branch_sha(info.base_ref)
    parent = gh.parent(info.head_sha)
    base_text = gh.read_file(manifest_path, parent)
    if base_text is None:
        raise CheckFailed(Finding("MP714", f"no {manifest_path} at the parent of #{info.number}'s head ({parent[:12]})"))
    head_text = gh.read_file(manifest_path, info.head_sha)
    files = gh.changed_files(info.number)
    verdict = verify(
        HealthChange(
            ref=info.head_ref,
            path=manifest_path,
            base_text=base_text,
            head_text=head_text,
            files=tuple(files),
            parent_is_base=parent != info.head_sha and parent == tip,
            author=info.author,
            now=now,
            bot=bot,
        )
    )
    branch = verdict.branch
    try:
        base_m = load_text(base_text, manifest_path, check=False).manifest
    except ModelpromoteError:
        base_m = None  # not YAML: verify already said so (MP717)
    model = base_m.model(branch.model) if base_m is not None and branch is not None else None
    env_cfg = base_m.env(branch.env) if base_m is not None and branch is not None else None
    trusted = bot is None or info.author.lower() == bot.lower()
    # Owners matter only when approvals count; resolving teams costs calls and members:read.
    owners = _owners(gh, list(model.owners)) if verdict.verified and not trusted and model is not None else None
    result = gate(
        verdict,
        reviews=gh.reviews(info.number),
        head_sha=info.head_sha,
        author=info.author,
        bot=bot,
        approvals=env_cfg.approvals if env_cfg is not None else 0,
        owners=owners,
        labels=info.labels,
    )
    return {
        "info": info,
        "result": result,
        "verdict": verdict,
        "model": branch.model if branch else None,
        "env": branch.env if branch else None,
        "version": branch.version if branch else None,
    }
