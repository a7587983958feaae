"""Questions people ask of a manifest: what is live where, since when, with what rollout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

# Annotations only: a LiveRow read back from the status cache (app/status.py) must not pay for
# pydantic and the schema, which is what the cache is there to skip.
if TYPE_CHECKING:
    from .schema import Environment, Manifest, Model, Promotion


@dataclass(frozen=True)
class LiveRow:
    model: str
    env: str
    version: str | None
    status: str | None
    since: datetime | None
    rollout: str | None  # "canary 5% (baseline X)" / "A/B 50% vs X"
    canary_weight: int | None
    hold: str | None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["since"] = self.since.isoformat() if self.since else None
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LiveRow:
        """The inverse of :meth:`to_json`."""
        return cls(**{**d, "since": datetime.fromisoformat(d["since"]) if d["since"] else None})


def last_promotion(m: Manifest, model: str, env: str, to: str | None = None) -> Promotion | None:
    """The latest log entry that put ``to`` (or anything) live in model/env."""
    for p in reversed(m.promotions):
        if p.model == model and p.env == env and (to is None or p.to == to):
            return p
    return None


def cells(m: Manifest, model: str | None = None, env: str | None = None) -> Iterator[tuple[Model, Environment]]:
    """Every (model, environment) pair, ladder order, optionally narrowed to one model and/or env."""
    for mod in m.models:
        if model is None or mod.name == model:
            for e in m.environments:
                if env is None or e.name == env:
                    yield mod, e


def live_rows(m: Manifest, model: str | None = None, env: str | None = None) -> list[LiveRow]:
    from ..versions import VersionError, parse_version

    status = {v.version: v.status for v in m.version_history}
    rows: list[LiveRow] = []
    for mod, e in cells(m, model, env):
        ref = mod.environments.get(e.name)
        st = None
        if ref is not None:
            try:
                st = status.get(parse_version(ref).model_version)
            except VersionError:
                st = None
        promo = last_promotion(m, mod.name, e.name, ref) if ref else None
        canary = mod.canary.get(e.name)
        exp = mod.experiments.get(e.name)
        rollout = None
        if canary is not None:
            rollout = f"canary {canary.weight}% (rest on {canary.baseline})"
        elif exp is not None:
            rollout = f"A/B {exp.weight}% (rest on {exp.control})"
        hold_in = mod.hold_in(e.name)
        hold = hold_in.reason if hold_in is not None else None
        rows.append(LiveRow(mod.name, e.name, ref, st, promo.at if promo else None, rollout, canary.weight if canary else None, hold))
    return rows
