"""What a merge deploys: the pointer changes between two manifests, as deployment requests.

Pure: ``deployment_requests(before, after) -> list[DeployRequest]``.  A pointer that changed (or
appeared) is one deployment of that model to that environment; so is a canary that moved to its
next step or completed (same pointer, new weight), and a rollback is always a full rollout.  Where the environment has a canary
policy and the change replaces a live version, the deployment starts as a canary: at the weight
the promote step wrote into ``model.canary[env]``, or else at the policy's first step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..manifest.schema import Manifest
from ..versions import VersionError, change_kind, parse_version

Strategy = Literal["canary", "full"]
# Marks our deployments' payloads, so a re-run can recognise what it created before.
PAYLOAD_KIND = "modelpromote/v1"


@dataclass(frozen=True)
class PointerChange:
    model: str
    env: str
    before: str | None
    after: str


@dataclass(frozen=True)
class DeployRequest:
    model: str
    env: str
    version: str
    previous: str | None
    strategy: Strategy
    weight: int  # percent of traffic on the new version at the start
    major: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "kind": PAYLOAD_KIND,
            "model": self.model,
            "version": self.version,
            "previous_version": self.previous,
            "environment": self.env,
            "strategy": self.strategy,
            "canary_weight": self.weight if self.strategy == "canary" else None,
            "weight": self.weight,
        }

    def description(self) -> str:
        start = f"canary at {self.weight}%" if self.strategy == "canary" else "full rollout"
        return f"{self.model} {self.previous or '(none)'} -> {self.version} ({start})"[:140]

    def to_json(self) -> dict[str, Any]:
        return {**self.payload(), "major": self.major}


def pointer_changes(before: Manifest | None, after: Manifest) -> list[PointerChange]:
    """Pointers in ``after`` that differ from ``before``, in manifest order (model, then env)."""
    old: dict[tuple[str, str], str] = {}
    if before is not None:
        old = {(m.name, env): v for m in before.models for env, v in m.environments.items()}
    out = []
    for m in after.models:
        for env, version in m.environments.items():
            prev = old.get((m.name, env))
            if prev != version:
                out.append(PointerChange(m.name, env, prev, version))
    return out


def _is_major(before: str | None, after: str) -> bool:
    if before is None:
        return False
    try:
        return change_kind(parse_version(before), parse_version(after)) == "major"
    except VersionError:
        return False


def _rolled_back(m: Manifest, model: str, env: str, version: str) -> bool:
    """The latest log entry for model/env is a rollback to ``version``: it goes back in full, at once."""
    last = next((p for p in reversed(m.promotions) if p.model == model and p.env == env), None)
    return last is not None and last.kind == "rollback" and last.to == version


def canary_steps(before: Manifest | None, after: Manifest) -> list[DeployRequest]:
    """Same pointer, but its canary moved (``health`` advanced it) or finished at 100 %.

    Without these, a deployment would keep saying "canary at 5 %" while the manifest says 25 %,
    and ``drift`` would rightly report it.
    """
    if before is None:
        return []
    out = []
    for m in after.models:
        old = before.model(m.name)
        if old is None:
            continue
        for env, version in m.environments.items():
            if old.environments.get(env) != version:
                continue  # a pointer change: deployment_requests covers it
            was, now = old.canary.get(env), m.canary.get(env)
            if was is None or (now is not None and now.weight == was.weight):
                continue
            if now is not None:
                out.append(DeployRequest(m.name, env, version, now.baseline, "canary", now.weight))
            else:
                out.append(DeployRequest(m.name, env, version, was.baseline, "full", 100))
    return out


def deployment_requests(before: Manifest | None, after: Manifest) -> list[DeployRequest]:
    out = []
    for ch in pointer_changes(before, after):
        model = after.model(ch.model)
        env = after.env(ch.env)
        state = model.canary.get(ch.env) if model is not None else None
        strategy: Strategy = "full"
        weight = 100
        if state is not None and ch.before is not None:
            strategy, weight = "canary", state.weight
        elif _rolled_back(after, ch.model, ch.env, ch.after):
            pass  # a rollback restores a verified version to all traffic, never as a canary
        elif env is not None and env.canary is not None and ch.before is not None and env.canary.steps[0] < 100:
            strategy, weight = "canary", env.canary.steps[0]
        out.append(DeployRequest(ch.model, ch.env, ch.after, ch.before, strategy, weight, _is_major(ch.before, ch.after)))
    return out + canary_steps(before, after)
