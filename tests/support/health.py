"""Fixtures of the health tests: the canary registry (data/health-registry.yaml), its metrics, base texts."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from modelpromote.manifest import changes as ch

from .paths import DATA, MANIFEST

REGISTRY = (DATA / "health-registry.yaml").read_text(encoding="utf-8")
NEW, OLD = "claude-3-5-sonnet-v1.3.0", "claude-3-5-sonnet-v1.2.3"
AT = "2026-06-01T10:40:00Z"  # 40 minutes into the canaries: past the 30m interval
NOW = datetime(2026, 6, 1, 10, 40, tzinfo=timezone.utc)
PATH = MANIFEST
ROLLBACK = f"rollback/erroring-bot/production/{NEW}"
CANARY = f"canary/support-bot/production/{NEW}-to-25"
# production needs two approvals here, so that "the usual count" means something
BASE = REGISTRY.replace("    soak: 24h\n", "    soak: 24h\n    approvals: 2\n", 1)
assert BASE != REGISTRY
UNVERIFIED = "claude-3-5-sonnet-v1.2.9"
WITH_UNVERIFIED = BASE.replace(
    "version_history:\n",
    f"version_history:\n  - version: {UNVERIFIED}\n    base_model: claude-3-5-sonnet\n    status: stable\n    changelog: never live\n",
    1,
)


def metrics(n: int = 4000) -> dict[str, Any]:
    def obs(model: str, version: str, errors: int) -> dict[str, Any]:
        return {
            "model": model,
            "env": "production",
            "version": version,
            "at": "2026-06-01T10:39:00Z",
            "metrics": {
                "latency_p99_ms": {"value": 800, "samples": n},
                "error_rate": {"events": errors, "samples": n},
                "quality_score": {"value": 0.9, "samples": n},
                "hallucination_rate": {"events": n // 400, "samples": n},
                "cost_per_request_cents": {"value": 0.7, "samples": n},
            },
        }

    rows = [obs(m, OLD, n // 1000) for m in ("support-bot", "erroring-bot", "quiet-bot")]
    rows += [obs("support-bot", NEW, n // 1000), obs("erroring-bot", NEW, n // 20)]
    return {"observations": rows}


def first(text: str, old: str, new: str) -> str:
    """``text`` with the first ``old`` replaced (which must be there)."""
    assert old in text, old
    return text.replace(old, new, 1)


def rollback_to(target: str, base: str = BASE, *, failure: bool = True, hold: bool = True) -> str:
    """A hand-made rollback of erroring-bot to ``target``, written with the engine's own edits."""
    why = "critical metric(s) failed: error_rate"
    text = ch.apply(base, PATH, [ch.Rollback("erroring-bot", "production", NEW, target, NOW, "modelpromote health", why, hold=hold)])
    if failure:
        text = ch.apply(text, PATH, [ch.RecordFailure("erroring-bot", NEW, "production", "health", NOW, reason=why)])
    return text
