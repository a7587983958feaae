"""What health watches, and what its decisions change in the manifest.

Pure: a :class:`Manifest` and ``now`` in, :class:`Target` s out; a decision about a target in,
typed :mod:`manifest changes <modelpromote.manifest.changes>` out.  The statistics that decide
between advancing, holding and rolling back are :mod:`modelpromote.gates.health`; the approval gate
recomputes health's change from the base manifest with the same functions
(:mod:`modelpromote.policy.health_change`), so what health writes and what the gate accepts can
never drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ..errors import ModelpromoteError
from ..manifest.changes import CanaryStep, Change, CompleteCanary, RecordFailure, Rollback
from ..manifest.query import cells
from ..manifest.schema import Manifest, parse_duration
from .history import last_is_rollback
from .rollback import plan_rollback

HEALTH_BY = "modelpromote health"
Action = Literal["ADVANCE", "HOLD", "ROLLBACK"]


@dataclass(frozen=True)
class Target:
    """Something health watches: a live canary, or a recent full promotion."""

    model: str
    env: str
    kind: Literal["canary", "promotion"]
    version: str  # the new version (the pointer)
    baseline: str | None  # what it is compared with (a canary's baseline, or the version promoted over)
    weight: int  # percent of traffic on the new version (100 for a promotion)
    since: datetime  # start of the current step (canary) or of the promotion
    steps: tuple[int, ...] = ()
    interval: timedelta | None = None
    held: str | None = None  # a hold on the model: no advancing
    open_pr: int | None = None  # an open promotion PR for model/env: nothing happens
    restore: str | None = None  # what a rollback puts back: the last verified version
    started_at: datetime | None = None  # a canary's start, kept when it advances

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["since"] = self.since.isoformat()
        d["started_at"] = self.started_at.isoformat() if self.started_at else None
        d["interval"] = None if self.interval is None else int(self.interval.total_seconds())
        d["steps"] = list(self.steps)
        return d


@dataclass(frozen=True)
class Skipped:
    model: str
    env: str
    version: str | None
    reason: str


def targets(
    m: Manifest,
    now: datetime,
    *,
    model: str | None = None,
    env: str | None = None,
    open_prs: Mapping[tuple[str, str], int] | None = None,
) -> tuple[list[Target], list[Skipped]]:
    """Every live canary, and every promotion younger than ``policies.health.watch``.

    A pointer put live by a rollback is skipped (a rollback is never rolled back), as is a first
    release (nothing to compare with or restore).
    """
    watch = parse_duration(m.policies.health.watch)
    prs = open_prs or {}
    found: list[Target] = []
    skipped: list[Skipped] = []
    latest = {(p.model, p.env): p for p in m.promotions}  # the last entry per model/env, in one pass
    for mod, e in cells(m, model, env):
        ref = mod.environments.get(e.name)
        if ref is None:
            continue
        hold = mod.hold_in(e.name)
        held = hold.reason if hold is not None else None
        pr = prs.get((mod.name, e.name))
        canary = mod.canary.get(e.name)
        if canary is not None:
            steps = tuple(e.canary.steps) if e.canary is not None else (100,)
            interval = parse_duration(e.canary.interval) if e.canary is not None else None
            since = canary.updated_at or canary.started_at
            found.append(
                Target(
                    mod.name,
                    e.name,
                    "canary",
                    ref,
                    canary.baseline,
                    canary.weight,
                    since,
                    steps=steps,
                    interval=interval,
                    held=held,
                    open_pr=pr,
                    restore=restore_target(m, mod.name, e.name),
                    started_at=canary.started_at,
                )
            )
            continue
        last = latest.get((mod.name, e.name))
        if last is None or last.to != ref or now - last.at > watch or last.at > now:
            continue
        if last_is_rollback(m, mod.name, e.name):
            skipped.append(Skipped(mod.name, e.name, ref, "put live by a rollback; health never rolls back a rollback"))
        elif last.from_ is None:
            skipped.append(Skipped(mod.name, e.name, ref, "first release: no previous version to compare with or restore"))
        else:
            restore = restore_target(m, mod.name, e.name)
            # An experiment's treatment is judged against its control arm, which serves beside it
            # now, rather than against the previous pointer, which serves nobody.
            exp = mod.experiments.get(e.name)
            baseline = exp.control if exp is not None else last.from_
            found.append(Target(mod.name, e.name, "promotion", ref, baseline, 100, last.at, held=held, open_pr=pr, restore=restore))
    return found, skipped


def restore_target(m: Manifest, model: str, env: str) -> str | None:
    """What a rollback would put back (the promotion engine's choice: canary baseline, last verified, fallbacks)."""
    try:
        return plan_rollback(m, model, env).target
    except ModelpromoteError:
        return None


def next_weight(weight: int, steps: Iterable[int]) -> int:
    """The first configured step above ``weight``; 100 when none is left."""
    return min((s for s in steps if s > weight), default=100)


def changes_for(
    t: Target, action: Action, *, next_weight: int | None, restore: str | None, reason: str, at: datetime, by: str = HEALTH_BY
) -> list[Change]:
    """The manifest changes of a health decision about ``t``.

    ADVANCE of a canary moves it to its next step (weight, step, updated_at), or at 100 % clears it
    and logs ``complete``.  ROLLBACK points the environment back at ``restore``, clears the canary,
    logs the rollback, records the failure (gate ``health``) and places a hold, so nothing promotes
    the model again until a person clears it.  HOLD, and ADVANCE of a finished promotion, change nothing.
    """
    if action == "ADVANCE" and t.kind == "canary" and next_weight is not None:
        if next_weight >= 100:
            return [CompleteCanary(t.model, t.env, at, by, "canary healthy at every step")]
        step = t.steps.index(next_weight) if next_weight in t.steps else len(t.steps)
        return [CanaryStep(t.model, t.env, next_weight, step, at)]
    if action == "ROLLBACK" and restore is not None:
        return [
            Rollback(t.model, t.env, t.version, restore, at, by, reason),
            RecordFailure(t.model, t.version, t.env, "health", at, reason=reason),
        ]
    return []
