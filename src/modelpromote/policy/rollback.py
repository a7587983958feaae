"""Where a rollback goes, and why there.

Pure: ``plan_rollback(manifest, model, env, to) -> RollbackPlan`` or a refusal.  Order of
preference when no ``--to`` is given:

1. a canary in progress: its baseline (it is still serving most traffic, and was verified);
2. the previous live version: the ``from`` of the latest log entry that made the current version
   live (it served there until then, even when the log starts after its own promotion);
3. the most recent *verified* version in the promotions log for this model/env (fully live there:
   promoted without a canary, or its canary completed; never failed or retired);
4. the model's fallback chain (catalogue versions only, in order).

Rollbacks are allowed during a freeze and under a hold: they are how you get out of trouble.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import CheckFailed, Finding, InputError
from ..manifest.schema import Manifest
from ..naming import require_model_env
from ..versions import VersionError, parse_version
from . import history


@dataclass(frozen=True)
class RollbackPlan:
    model: str
    env: str
    current: str
    target: str
    source: str  # "explicit" | "canary baseline" | "promotions log" | "fallback chain"
    clears_canary: bool

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "env": self.env, "from": self.current, "to": self.target,
                "chosen_from": self.source, "clears_canary": self.clears_canary}


def _usable(m: Manifest, model: str, env: str, ref: str, current: str) -> bool:
    if ref == current:
        return False
    try:
        vid = parse_version(ref)
    except VersionError:
        return False
    entry = m.catalogue().get(vid.model_version)
    e = m.env(env)
    if entry is None or entry.status in history.BAD_STATUSES or history.failed_in(m, model, env, ref):
        return False
    return not (e is not None and not e.allow_prerelease and vid.is_prerelease)


def plan_rollback(m: Manifest, model: str, env: str, to: str | None = None) -> RollbackPlan:
    mod, _ = require_model_env(m, model, env, "the manifest")
    assert mod is not None
    current = mod.environments.get(env)
    if current is None:
        raise CheckFailed(Finding("MP414", f"nothing is live for {model} in {env}; there is nothing to roll back"))
    canary = mod.canary.get(env)
    if to is not None:
        try:
            vid = parse_version(to)
        except VersionError as exc:
            raise InputError(Finding("MP201", str(exc))) from None
        if vid.model_version not in m.catalogue():
            raise InputError(Finding("MP203", f"{vid.model_version} is not in version_history"))
        if to == current:
            raise CheckFailed(Finding("MP414", f"{to} is already live for {model} in {env}"))
        if not _usable(m, model, env, to, current):
            raise CheckFailed(Finding("MP414", f"{to} cannot serve {model} in {env}: failed, retired, or a forbidden prerelease",
                                      hint="pick a verified version; `modelpromote status` and the promotions log show them"))
        return RollbackPlan(model, env, current, to, "explicit", canary is not None)
    if canary is not None and _usable(m, model, env, canary.baseline, current):
        return RollbackPlan(model, env, current, canary.baseline, "canary baseline", True)
    previous = history.previous_live(m, model, env, current)
    if previous is not None and _usable(m, model, env, previous, current):
        return RollbackPlan(model, env, current, previous, "previous live version", canary is not None)
    for ref in history.verified_versions(m, model, env):
        if _usable(m, model, env, ref, current):
            return RollbackPlan(model, env, current, ref, "promotions log", canary is not None)
    for ref in mod.fallbacks:
        if _usable(m, model, env, ref, current):
            return RollbackPlan(model, env, current, ref, "fallback chain", canary is not None)
    raise CheckFailed(Finding("MP414", f"no verified earlier version of {model} in {env} to roll back to",
                              hint="name one with --to VERSION"))
