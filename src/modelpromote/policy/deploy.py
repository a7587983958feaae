"""What a merge deploys: the pointer changes between two manifests, as deployment requests.

Pure: ``deployment_requests(before, after) -> list[DeployRequest]``.  A pointer that changed (or
appeared) is one deployment of that model to that environment; so is a canary that moved to its
next step or completed (same pointer, new weight), and a rollback is always a full rollout.  Where the environment has a canary
policy and the change replaces a live version, the deployment starts as a canary: at the weight
the promote step wrote into ``model.canary[env]``, or else at the policy's first step.

A pointer with an A/B experiment in its environment (``experiments: {<env>: {control, weight}}``)
is deployed with strategy ``ab``: the new version is the treatment with ``weight`` percent, the
rest stays on ``control``, which is what the runtime serves.  An experiment that starts, ends or
changes its weight or control under an unchanged pointer is a deployment too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..manifest.schema import Manifest
from ..versions import VersionError, change_kind, parse_version

Strategy = Literal["canary", "full", "ab"]
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
    weight: int  # percent of traffic on the new version at the start (ab: the treatment's share)
    major: bool = False
    control: str | None = None  # ab: the version the rest of the traffic stays on

    def payload(self) -> dict[str, Any]:
        out = {
            "kind": PAYLOAD_KIND,
            "model": self.model,
            "version": self.version,
            "previous_version": self.previous,
            "environment": self.env,
            "strategy": self.strategy,
            "canary_weight": self.weight if self.strategy == "canary" else None,
            "weight": self.weight,
        }
        if self.strategy == "ab":
            out["control_version"] = self.control
        return out

    def description(self) -> str:
        start = {"canary": f"canary at {self.weight}%", "full": "full rollout", "ab": f"A/B {self.weight} % vs control {self.control}"}
        text = f"{self.model} {self.previous or '(none)'} -> {self.version} ({start[self.strategy]})"
        if len(text) > 140:  # GitHub's limit: keep what serves now over where it came from
            text = f"{self.model} {self.version} ({start[self.strategy]})"
        return text[:140]

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


def experiment_changes(before: Manifest | None, after: Manifest) -> list[DeployRequest]:
    """Same pointer, but its A/B experiment started, ended, or changed weight or control.

    The runtime serves the new split as soon as the manifest says so; a deployment records it,
    so that ``drift`` compares like with like.  A canary in the same place takes precedence
    (the runtime refuses both at once, MP606).
    """
    if before is None:
        return []
    out = []
    for m in after.models:
        old = before.model(m.name)
        if old is None:
            continue
        for env, version in m.environments.items():
            if old.environments.get(env) != version or m.canary.get(env) is not None or old.canary.get(env) is not None:
                continue
            was, now = old.experiments.get(env), m.experiments.get(env)
            if (was and (was.control, was.weight)) == (now and (now.control, now.weight)):
                continue
            if now is not None:
                out.append(DeployRequest(m.name, env, version, version, "ab", now.weight, control=now.control))
            else:
                out.append(DeployRequest(m.name, env, version, version, "full", 100))
    return out


def deployment_requests(before: Manifest | None, after: Manifest) -> list[DeployRequest]:
    out = []
    for ch in pointer_changes(before, after):
        model = after.model(ch.model)
        env = after.env(ch.env)
        state = model.canary.get(ch.env) if model is not None else None
        exp = model.experiments.get(ch.env) if model is not None else None
        strategy: Strategy = "full"
        weight = 100
        control = None
        if state is not None and ch.before is not None:
            strategy, weight = "canary", state.weight
        elif exp is not None:
            # The runtime splits between the new pointer (treatment) and the control, whatever
            # brought the pointer here (a promotion or a rollback): deploy what it serves.
            strategy, weight, control = "ab", exp.weight, exp.control
        elif _rolled_back(after, ch.model, ch.env, ch.after):
            pass  # a rollback restores a verified version to all traffic, never as a canary
        elif env is not None and env.canary is not None and ch.before is not None and env.canary.steps[0] < 100:
            strategy, weight = "canary", env.canary.steps[0]
        out.append(DeployRequest(ch.model, ch.env, ch.after, ch.before, strategy, weight, _is_major(ch.before, ch.after), control))
    return out + canary_steps(before, after) + experiment_changes(before, after)
