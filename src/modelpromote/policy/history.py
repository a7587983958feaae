"""What the promotions log says about a model in an environment.

Pure questions over a :class:`Manifest`: when did a version become *fully* live (its soak clock),
which versions were verified there (the rollback candidates), is the latest change a rollback.

Log kinds: ``promote`` (full rollout at once), ``canary`` (a rollout started; not yet fully live),
``complete`` (the canary reached 100%), ``rollback`` (back to an earlier version; fully live),
``adopt`` (``modelpromote init``: the version was already live when the team adopted modelpromote;
its soak counts as satisfied as of that moment, since it ran there for an unknown time before).
"""

from __future__ import annotations

from datetime import datetime

from ..manifest.schema import Manifest, Promotion
from ..versions import VersionError, parse_version

FULLY_LIVE_KINDS = ("promote", "complete", "rollback", "adopt")
BAD_STATUSES = ("failed", "retired")


def entries(m: Manifest, model: str, env: str) -> list[Promotion]:
    return [p for p in m.promotions if p.model == model and p.env == env]


def fully_live_since(m: Manifest, model: str, env: str, version: str) -> datetime | None:
    """When ``version`` last became fully live in model/env, or None if the log does not say.

    None also when its latest entry is a ``canary`` that has not completed: a version serving 5%
    of traffic has not soaked.
    """
    for p in reversed(entries(m, model, env)):
        if p.to != version:
            continue
        return p.at if p.kind in FULLY_LIVE_KINDS else None
    return None


def adopted(m: Manifest, model: str, env: str, version: str) -> bool:
    """The latest log entry for model/env is the ``adopt`` entry of ``version``: untouched since adoption."""
    es = entries(m, model, env)
    return bool(es) and es[-1].kind == "adopt" and es[-1].to == version


def catalogue_status(m: Manifest, ref: str) -> str | None:
    try:
        mv = parse_version(ref).model_version
    except VersionError:
        return None
    entry = m.catalogue().get(mv)
    return entry.status if entry else None


def failed_in(m: Manifest, model: str, env: str, version: str) -> bool:
    """Recorded as failed for this model/env (the exact pointer or its catalogue version)."""
    try:
        mv = parse_version(version).model_version
    except VersionError:
        mv = version
    return any(f.model == model and f.env == env and f.version in (version, mv) for f in m.failures)


def verified_versions(m: Manifest, model: str, env: str) -> list[str]:
    """Versions that were fully live in model/env, most recent first, each once.

    A ``canary`` entry only counts once a later ``complete`` entry confirms it; failed and
    retired versions (by status or by a failure record here) never count.
    """
    out: list[str] = []
    completed: set[str] = set()
    for p in reversed(entries(m, model, env)):
        if p.kind == "complete":
            completed.add(p.to)
        ok = p.kind in FULLY_LIVE_KINDS or (p.kind == "canary" and p.to in completed)
        if ok and p.to not in out and catalogue_status(m, p.to) not in BAD_STATUSES and not failed_in(m, model, env, p.to):
            out.append(p.to)
    return out


def previous_live(m: Manifest, model: str, env: str, current: str) -> str | None:
    """The version live in model/env before ``current``: the ``from`` of the latest entry to it."""
    for p in reversed(entries(m, model, env)):
        if p.to == current:
            return p.from_ if p.from_ and p.from_ != current else None
    return None


def last_is_rollback(m: Manifest, model: str, env: str) -> bool:
    """True when the latest change in model/env was a rollback: health must not roll it back again."""
    es = entries(m, model, env)
    return bool(es) and es[-1].kind == "rollback"
