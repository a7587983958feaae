"""Drift: what the manifest says is live versus what is deployed.  Pure: data in, mismatches out.

"Deployed" comes from two places, each reduced to :class:`Live` rows before comparing:

* GitHub Deployments made by ``modelpromote deploy`` (payload ``kind: modelpromote/v1`` with
  model, version, strategy, weight): per model and environment the newest one that started
  (a status ``success`` or ``in_progress`` in its history) and did not end in ``failure``/``error``.
  ``inactive`` after ``success`` still counts: GitHub marks earlier deployments to an environment
  inactive when any later one succeeds, including another model's.
* Optionally the application's status document: the runtime config it loaded (format 1 of
  ``modelpromote export``: ``env`` and ``models.<name>.version`` / ``.split``), which says what
  really serves traffic.

A canary in progress is not drift when the deployment says canary at the manifest's weight; an
A/B experiment is not drift when the deployment (strategy ``ab``) or the application's split
(kind ``experiment``) has the manifest's treatment, weight and control.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from ..manifest.query import cells
from ..manifest.schema import Manifest

# Marks our deployments' payloads, so a re-run can recognise what it created before.
PAYLOAD_KIND = "modelpromote/v1"

Strategy = Literal["canary", "ab", "full"]
STARTED = frozenset({"success", "in_progress"})
ENDED_BADLY = frozenset({"failure", "error"})


@dataclass(frozen=True)
class Live:
    """One model in one environment: which version, and whether as a canary (or the treatment of an
    A/B experiment) at ``weight`` % over ``baseline`` (the control)."""

    model: str
    env: str
    version: str
    strategy: Strategy = "full"
    weight: int = 100
    baseline: str | None = None
    since: datetime | None = None  # when it was deployed (deployments only)
    ref: str | None = None  # deployment id / commit, for the report

    def describe(self) -> str:
        if self.strategy == "canary":
            over = f" over {self.baseline}" if self.baseline else ""
            return f"{self.version} (canary {self.weight}%{over})"
        if self.strategy == "ab":
            return f"{self.version} (A/B {self.weight}% vs control {self.baseline or '?'})"
        return self.version


@dataclass(frozen=True)
class Mismatch:
    model: str
    env: str
    source: Literal["deployment", "status"]
    kind: Literal["version", "canary", "experiment", "missing", "unexpected"]
    manifest: str | None  # what the manifest says (None: nothing live there)
    deployed: str | None  # what is deployed (None: nothing)
    since: datetime | None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["since"] = self.since.isoformat() if self.since else None
        return d


@dataclass(frozen=True)
class DeploymentRecord:
    """A GitHub deployment as read (newest first), with its status states (newest first)."""

    id: int
    sha: str
    env: str
    payload: Mapping[str, Any]
    created_at: datetime
    states: tuple[str, ...]


# -- the manifest side -------------------------------------------------------------------------


def expected(m: Manifest, *, model: str | None = None, env: str | None = None) -> dict[tuple[str, str], Live]:
    """What should be live per (model, env), canaries with their weight."""
    out: dict[tuple[str, str], Live] = {}
    for mod, e in cells(m, model, env):
        version = mod.environments.get(e.name)
        if version is None:
            continue
        c = mod.canary.get(e.name)
        x = mod.experiments.get(e.name)
        if c is not None:
            out[(mod.name, e.name)] = Live(mod.name, e.name, version, "canary", c.weight, c.baseline)
        elif x is not None:
            out[(mod.name, e.name)] = Live(mod.name, e.name, version, "ab", x.weight, x.control)
        else:
            out[(mod.name, e.name)] = Live(mod.name, e.name, version)
    return out


# -- the deployment side -----------------------------------------------------------------------


def is_ours(payload: Mapping[str, Any]) -> bool:
    return payload.get("kind") == PAYLOAD_KIND and isinstance(payload.get("model"), str) and isinstance(payload.get("version"), str)


def counts_as_deployed(states: Iterable[str]) -> bool:
    """Started (success / in_progress at some point) and not ended in failure or error."""
    seq = list(states)
    if seq and seq[0] in ENDED_BADLY:
        return False
    return any(s in STARTED for s in seq)


def from_deployment(r: DeploymentRecord) -> Live:
    p = r.payload
    strategy: Strategy = "canary" if p.get("strategy") == "canary" else "ab" if p.get("strategy") == "ab" else "full"
    raw = p.get("canary_weight") if strategy == "canary" else p.get("weight") if strategy == "ab" else 100
    if not isinstance(raw, int) or isinstance(raw, bool):
        raw = p.get("weight")
    weight = raw if isinstance(raw, int) and not isinstance(raw, bool) else 100
    base_key = {"canary": "previous_version", "ab": "control_version"}.get(strategy)
    baseline = p.get(base_key) if base_key and isinstance(p.get(base_key), str) else None
    return Live(str(p["model"]), r.env, str(p["version"]), strategy, weight, baseline, r.created_at, str(r.id))


def latest_deployed(records: Iterable[DeploymentRecord]) -> dict[tuple[str, str], Live]:
    """Per (model, env), the newest of our deployments that counts as deployed (records newest first)."""
    out: dict[tuple[str, str], Live] = {}
    for r in records:
        if not is_ours(r.payload):
            continue
        key = (str(r.payload["model"]), r.env)
        if key in out or not counts_as_deployed(r.states):
            continue
        out[key] = from_deployment(r)
    return out


# -- the application's status document ---------------------------------------------------------


class StatusError(ValueError):
    """The status document does not have the expected shape; the message names the field."""


def from_status(doc: Any) -> tuple[str, dict[tuple[str, str], Live]]:
    """(env, rows) from a runtime config (formats 1 and 2) that the application says it serves.

    Only ``env``, ``models.<name>.version`` and ``models.<name>.split`` (kind ``canary`` with arms
    ``canary``/``control``, or ``experiment`` with arms ``treatment``/``control``; each arm with
    ``arm``/``version``/``weight`` in buckets of 10 000) are read; everything else is ignored, so
    the application may serve the exported file as it is, or just these fields.
    """
    if not isinstance(doc, dict):
        raise StatusError("the document must be a JSON object")
    env = doc.get("env")
    if not isinstance(env, str) or not env:
        raise StatusError("'env' must name the environment the application runs in")
    models = doc.get("models")
    if not isinstance(models, dict):
        raise StatusError("'models' must be an object: model name -> {version, split}")
    out: dict[tuple[str, str], Live] = {}
    for name, entry in models.items():
        where = f"models.{name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            raise StatusError(f"{where}.version must be a string")
        version = entry["version"]
        split = entry.get("split")
        kind = split.get("kind") if isinstance(split, dict) else None
        if isinstance(split, dict) and kind in ("canary", "experiment"):
            arms = split.get("arms")
            if not isinstance(arms, list) or not all(isinstance(a, dict) for a in arms):
                raise StatusError(f"{where}.split.arms must be a list of objects")
            weights = [a.get("weight") for a in arms]
            if not all(isinstance(w, int) and not isinstance(w, bool) and w >= 0 for w in weights) or sum(weights) <= 0:
                raise StatusError(f"{where}.split.arms[].weight must be non-negative integers")
            total = sum(weights)
            lead = "canary" if kind == "canary" else "treatment"
            canary = next((a for a in arms if a.get("arm") == lead), None)
            control = next((a for a in arms if a.get("arm") == "control"), None)
            if canary is None:
                raise StatusError(f"{where}.split: a {kind} split needs an arm '{lead}'")
            pct = round(100 * int(canary["weight"]) / total)
            base = control.get("version") if control is not None and isinstance(control.get("version"), str) else None
            strategy: Strategy = "canary" if kind == "canary" else "ab"
            out[(str(name), env)] = Live(str(name), env, str(canary.get("version", version)), strategy, pct, base)
        else:
            out[(str(name), env)] = Live(str(name), env, version)
    return env, out


# -- the comparison ----------------------------------------------------------------------------


def shape(live: Live) -> tuple[str, int, str | None]:
    """What must match besides the version: the strategy, its weight and, for A/B, the control."""
    if live.strategy == "full":
        return ("full", 100, None)
    return (live.strategy, live.weight, live.baseline if live.strategy == "ab" else None)



def compare(
    want: Mapping[tuple[str, str], Live],
    have: Mapping[tuple[str, str], Live],
    source: Literal["deployment", "status"],
    *,
    envs: Iterable[str] | None = None,
) -> list[Mismatch]:
    """Every (model, env) where ``have`` differs from ``want``, in manifest order, then extras.

    ``envs`` limits the comparison to those environments (a status document speaks for one).
    """
    scope = set(envs) if envs is not None else None
    out: list[Mismatch] = []
    for key, w in want.items():
        if scope is not None and key[1] not in scope:
            continue
        h = have.get(key)
        if h is None:
            out.append(Mismatch(w.model, w.env, source, "missing", w.describe(), None, None))
        elif h.version != w.version:
            out.append(Mismatch(w.model, w.env, source, "version", w.describe(), h.describe(), h.since))
        elif shape(h) != shape(w):
            kind: Literal["canary", "experiment"] = "experiment" if "ab" in (h.strategy, w.strategy) else "canary"
            out.append(Mismatch(w.model, w.env, source, kind, w.describe(), h.describe(), h.since))
    for key, h in have.items():
        if key not in want and (scope is None or key[1] in scope):
            out.append(Mismatch(h.model, h.env, source, "unexpected", None, h.describe(), h.since))
    return out
