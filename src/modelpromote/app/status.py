"""``status``: what is live where, in a manifest file that must be valid.

The answer for a manifest whose bytes, prompt files and judging code are unchanged since the last
run comes back from :mod:`modelpromote.providers.manifest_cache` without importing YAML, pydantic
or the schema (what most of a run costs; docs/benchmarks.md).  Otherwise the manifest is loaded
and validated as every reader does, and the answer kept.  Both paths give the same rows and the
same refusals: the cache keeps every row, and the same filter narrows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..manifest.query import LiveRow
from ..naming import require_known

KIND = "status"


@dataclass(frozen=True)
class Status:
    rows: list[LiveRow]
    cached: bool  # answered from the cache (for benchmarks and tests; the output is the same)


def live_status(path: str, model: str | None = None, env: str | None = None) -> Status:
    """Every live pointer of ``model`` / ``env`` (None: all), ladder order; unknown names are MP301 / MP204."""
    from ..manifest.raw import read_bytes
    from ..providers import manifest_cache

    raw = read_bytes(path)  # missing / directory / too large: the loader's own refusals
    hit = _answer(manifest_cache.lookup(KIND, path, raw))
    if hit is not None:
        models, envs, rows = hit
        require_known(model, env, models, envs, path)
        return Status(_narrow(rows, model, env), cached=True)

    from ..manifest.query import live_rows
    from .store import load_valid

    valid = load_valid(path)
    m = valid.manifest
    models, envs = [x.name for x in m.models], [e.name for e in m.environments]
    rows = live_rows(m)
    _keep(
        path,
        raw,
        valid.prompts,
        [p.file for entries in (m.prompts or {}).values() for p in entries],
        {"models": models, "envs": envs, "rows": [r.to_json() for r in rows]},
    )
    require_known(model, env, models, envs, path)
    return Status(_narrow(rows, model, env), cached=False)


def _answer(payload: Any) -> tuple[list[str], list[str], list[LiveRow]] | None:
    """A cached payload as (models, environments, rows); one of another shape is a miss."""
    if payload is None:
        return None
    try:
        return list(payload["models"]), list(payload["envs"]), [LiveRow.from_json(r) for r in payload["rows"]]
    except (KeyError, TypeError, ValueError):
        return None


def _narrow(rows: list[LiveRow], model: str | None, env: str | None) -> list[LiveRow]:
    return [r for r in rows if (model is None or r.model == model) and (env is None or r.env == env)]


def _keep(path: str, raw: bytes, prompts: dict[tuple[str, int], str], files: list[str], payload: object) -> None:
    """Cache the answer only if it was judged on what is on disk now: the manifest's bytes read
    before loading are still there, and every prompt file still holds the text the checks read."""
    import hashlib

    from ..errors import ModelpromoteError
    from ..manifest.raw import read_bytes
    from ..providers import manifest_cache

    try:
        if read_bytes(path) != raw:
            return
    except ModelpromoteError:
        return
    evidence = manifest_cache.file_evidence(manifest_cache.prompt_root(path), files)
    judged = {f"{len(b)}:{hashlib.sha256(b).hexdigest()}" for b in (t.encode("utf-8") for t in prompts.values())}
    if all(seen in judged for _, _, seen in evidence):
        manifest_cache.store(KIND, path, raw, evidence, payload)
