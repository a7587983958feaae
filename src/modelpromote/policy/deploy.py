"""What a merge deploys: the pointer changes between two manifests, as deployment requests.

Pure: ``deployment_requests(before, after) -> list[DeployRequest]``.  A pointer that changed (or
appeared) is one deployment of that model to that environment.  Where the environment has a canary
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
        elif env is not None and env.canary is not None and ch.before is not None and env.canary.steps[0] < 100:
            strategy, weight = "canary", env.canary.steps[0]
        out.append(DeployRequest(ch.model, ch.env, ch.after, ch.before, strategy, weight, _is_major(ch.before, ch.after)))
    return out
