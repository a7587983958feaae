"""Which catalogue versions to retire.

Pure: ``retention_plan(manifest, now) -> RetentionPlan``.  A version is retired only when all hold:

* nothing references it: no pointer, canary baseline, A/B control, shadow, model fallback, or
  ``fallback:`` of a version that stays;
* it is neither the current nor the previous version of any model in any environment (the
  previous one is what a rollback would go to);
* it is older than ``policies.retention`` (default 30 days), counting from the latest of its
  ``created_at``, ``training_date`` and any promotions-log entry that names it.  A version whose
  age is unknown stays.

Failed versions keep their ``failed`` status (it says more than ``retired``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..manifest.schema import Manifest, parse_duration
from ..versions import VersionError, parse_version
from . import history


@dataclass(frozen=True)
class RetentionPlan:
    retire: list[str]
    kept: dict[str, str] = field(default_factory=dict)  # version -> why it stays

    def to_json(self) -> dict[str, Any]:
        return {"retire": self.retire, "kept": self.kept}


def _mv(ref: str) -> str | None:
    try:
        return parse_version(ref).model_version
    except VersionError:
        return None


def retention_plan(m: Manifest, now: datetime) -> RetentionPlan:
    keep: dict[str, str] = {}

    def hold(ref: str | None, why: str) -> None:
        mv = _mv(ref) if ref else None
        if mv is not None and mv not in keep:
            keep[mv] = why

    for mod in m.models:
        for env, ref in mod.environments.items():
            hold(ref, f"live: {mod.name}/{env}")
        for env, c in mod.canary.items():
            hold(c.baseline, f"canary baseline: {mod.name}/{env}")
        for env, x in mod.experiments.items():
            hold(x.control, f"A/B control: {mod.name}/{env}")
        for env, ref in mod.shadow.items():
            hold(ref, f"shadow: {mod.name}/{env}")
        for ref in mod.fallbacks:
            hold(ref, f"fallback of {mod.name}")
        for env, current in mod.environments.items():
            previous = [v for v in history.verified_versions(m, mod.name, env) if v != current][:1]
            last = next((p for p in reversed(history.entries(m, mod.name, env)) if p.to == current), None)
            refs: list[str] = [*previous, *([last.from_] if last and last.from_ else [])]
            for ref in refs:
                hold(ref, f"previous version: {mod.name}/{env}")

    max_age = parse_duration(m.policies.retention)
    seen: dict[str, datetime] = {}
    for p in m.promotions:
        for named in (p.to, p.from_):
            mv = _mv(named) if named else None
            if mv is not None and (mv not in seen or p.at > seen[mv]):
                seen[mv] = p.at
    candidates: set[str] = set()
    for v in m.version_history:
        if v.version in keep or v.status in ("retired", "failed"):
            continue
        times = [t for t in (v.created_at, seen.get(v.version)) if t is not None]
        if v.training_date is not None:
            times.append(datetime(v.training_date.year, v.training_date.month, v.training_date.day, tzinfo=timezone.utc))
        if not times:
            keep[v.version] = "age unknown (no created_at, training_date or log entry)"
            continue
        newest = max(times)
        if now - newest < max_age:
            keep[v.version] = f"younger than retention {m.policies.retention}"
            continue
        candidates.add(v.version)
    # A version named as fallback by one that stays must stay too (to a fixpoint: chains).
    links = {v.version: v.fallback for v in m.version_history if v.fallback}
    changed = True
    while changed:
        changed = False
        for src, dst in links.items():
            if src not in candidates and dst in candidates:
                candidates.discard(dst)
                keep[dst] = f"fallback of {src}"
                changed = True
    retire = [v.version for v in m.version_history if v.version in candidates]
    return RetentionPlan(retire, keep)
