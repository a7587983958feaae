"""What to deploy: the difference between what the manifest wants and what is deployed.

Pure: ``reconcile(want, deployed) -> list[DeployRequest]``, both sides as
:class:`~modelpromote.policy.drift.Live` rows (the same ones ``drift`` compares, so deploying what
the manifest says is never drift).  A pointer with a canary state deploys as a canary at its
weight over the baseline; one with an A/B experiment as strategy ``ab`` at the treatment's weight
with the control's version; anything else in full.  A hand-edited pointer without a canary state
is deployed in full, as the manifest says (``promote`` writes the canary state where the
environment has a canary policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..manifest.schema import Manifest
from ..versions import VersionError, change_kind, parse_version
from .drift import PAYLOAD_KIND, Live, expected, shape

Strategy = Literal["canary", "ab", "full"]


@dataclass(frozen=True)
class DeployRequest:
    model: str
    env: str
    version: str
    previous: str | None
    strategy: Strategy
    weight: int  # percent of traffic on the new version at the start (ab: the treatment's share)
    major: bool = False
    control: str | None = None  # strategy "ab": the control arm's version

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
        start = {"canary": f"canary at {self.weight}%", "full": "full rollout", "ab": f"A/B {self.weight}% vs control {self.control}"}
        text = f"{self.model} {self.previous or '(none)'} -> {self.version} ({start[self.strategy]})"
        if len(text) > 140:  # GitHub's limit: keep what serves now over where it came from
            text = f"{self.model} {self.version} ({start[self.strategy]})"
        return text[:140]

    def to_json(self) -> dict[str, Any]:
        return {**self.payload(), "major": self.major}


def _is_major(before: str | None, after: str) -> bool:
    if before is None:
        return False
    try:
        return change_kind(parse_version(before), parse_version(after)) == "major"
    except VersionError:
        return False


def reconcile(want: Mapping[tuple[str, str], Live], deployed: Mapping[tuple[str, str], Live]) -> list[DeployRequest]:
    """What to deploy so that what is deployed becomes what the manifest wants.

    ``want`` is :func:`modelpromote.policy.drift.expected` of the manifest on the default branch's
    tip; ``deployed`` the newest of our deployments per model/env that was delivered
    (:func:`~modelpromote.policy.drift.latest_deployed`).  Working from the last delivered state,
    not from one push's before..after, is what makes ``deploy`` safe under GitHub's concurrency
    rules: a run cancelled while pending loses nothing (the next run deploys its change too), and
    re-running an old run deploys nothing (everything already matches).
    """
    out = []
    for key, w in want.items():
        d = deployed.get(key)
        if d is not None and d.version == w.version and shape(d) == shape(w):
            continue
        if d is None:
            previous = w.baseline if w.strategy == "canary" else None
        elif d.strategy != "full" and d.version == w.version:
            previous = d.baseline  # a canary completing (or an A/B ending): the rest of traffic ran the baseline
        else:
            previous = d.version
        out.append(
            DeployRequest(
                w.model,
                w.env,
                w.version,
                previous,
                w.strategy,
                w.weight if w.strategy != "full" else 100,
                _is_major(previous, w.version),
                w.baseline if w.strategy == "ab" else None,
            )
        )
    return out


def deployment_requests(before: Manifest | None, after: Manifest) -> list[DeployRequest]:
    """What deploy does when ``before`` is what was deployed: :func:`reconcile` of the two manifests."""
    return reconcile(expected(after), expected(before) if before is not None else {})
