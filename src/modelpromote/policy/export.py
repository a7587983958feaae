"""Compile a manifest into the runtime config one environment's applications load.

Pure: a :class:`Manifest`, the texts of its catalogued prompts (read by the loader) and the
revision it came from in, a JSON-able dict out (the layout ``modelpromote.runtime.build_state``
reads; see docs/runtime.md).  Everything the router needs is decided here, once: which arms exist
with which weights (basis points), the salts, each version's provider model and prompt (with the
prompt's text and digest), each arm's effective fallback chain, and the rollback thresholds the
application's metrics exporter needs for its latency buckets.
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256
from typing import Any

from ..errors import Finding, InputError
from ..manifest.schema import Manifest, Model, VersionEntry
from ..runtime.bucketing import TOTAL
from ..runtime.config import FORMAT
from ..versions import VersionError, parse_version

#: (model, prompt version) -> text of the prompt file (``Loaded.prompts``).
PromptTexts = Mapping[tuple[str, int], str]

BP_PER_PERCENT = TOTAL // 100


def canary_salt(model: str, env: str, version: str) -> str:
    """Constant while a canary ramps (no weight or step in it), so the ramp is monotone; new per
    rollout (the version is in it), so the same users are not the first to get every canary."""
    return f"{model}/{env}/canary/{version}"


def experiment_salt(model: str, env: str, salt: str | None, treatment: str, control: str) -> str:
    """The experiment's own ``salt`` when given (renaming versions then keeps users in their arm)."""
    return f"{model}/{env}/ab/{salt}" if salt else f"{model}/{env}/ab/{treatment}/{control}"


def model_version(ref: str) -> str:
    """The catalogue id behind a pointer (without ``_prompt-vN``); external names stay as they are."""
    try:
        return parse_version(ref).model_version
    except VersionError:
        return ref


def prompt_number(ref: str) -> int | None:
    """N of a pointer's ``_prompt-v<N>`` (None without one, and for external names)."""
    try:
        return parse_version(ref).prompt
    except VersionError:
        return None


def compile_prompt(m: Manifest, model: str, n: int, texts: PromptTexts) -> dict[str, Any]:
    """The runtime config's entry for prompt ``n`` of ``model``: text, sha256, variables.

    A prompt the manifest does not catalogue (no ``prompts`` section) has no text: the runtime
    knows its number only.  A catalogued prompt whose text was not read is refused rather than
    exported without it: the application would fail at its first ``render``.
    """
    entry = m.prompt(model, n)
    if entry is None:
        return {"text": None, "sha256": None, "variables": []}
    text = texts.get((model, n))
    if text is None:
        raise InputError(
            Finding("MP216", f"{model} prompt-v{n}: the text of {entry.file} was not read", hint="export from the manifest file on disk")
        )
    return {"text": text, "sha256": sha256(text.encode("utf-8")).hexdigest(), "variables": list(entry.variables)}


def fallback_chain(model: Model, version: str, catalogue: Mapping[str, VersionEntry]) -> list[str]:
    """The model's explicit ``fallbacks`` first, then the version-level ``fallback`` links from
    ``version`` on; never ``version`` itself, no duplicates, loops cut."""
    chain: list[str] = []
    seen = {version}

    def add(ref: str) -> None:
        if ref not in seen:
            seen.add(ref)
            chain.append(ref)

    for ref in model.fallbacks:
        add(ref)
    visited: set[str] = set()
    node = catalogue.get(model_version(version))
    while node is not None and node.fallback is not None and node.version not in visited:
        visited.add(node.version)
        add(node.fallback)
        node = catalogue.get(model_version(node.fallback))
    return chain


def _version_info(ref: str, catalogue: Mapping[str, VersionEntry], external: set[str]) -> dict[str, Any]:
    entry = catalogue.get(model_version(ref))
    if entry is not None:
        return {"provider_model": entry.provider_model, "prompt": prompt_number(ref), "external": False}
    if ref in external:
        return {"provider_model": ref, "prompt": None, "external": True}
    # The loader's checks make this unreachable for a valid manifest; stay total anyway.
    return {"provider_model": None, "prompt": prompt_number(ref), "external": False}


def compile_model(m: Manifest, model: Model, env: str, prompts: PromptTexts | None = None) -> dict[str, Any] | None:
    """One model's runtime entry, or None when nothing of it is live in ``env``."""
    live = model.environments.get(env)
    if live is None:
        return None
    catalogue = m.catalogue()
    external = {x.name for x in m.external_models}
    canary, exp = model.canary.get(env), model.experiments.get(env)
    if canary is not None and exp is not None:
        raise InputError(
            Finding(
                "MP606",
                f"{model.name}/{env} has both a canary and an A/B experiment; the runtime serves one split at a time",
            )
        )
    split: dict[str, Any] | None = None
    # The candidate arm comes first so it owns buckets [0, weight): raising the weight only adds
    # buckets, which is what keeps a ramp monotone.
    if canary is not None:
        w = canary.weight * BP_PER_PERCENT
        split = {
            "kind": "canary",
            "salt": canary_salt(model.name, env, live),
            "arms": [
                {"arm": "canary", "version": live, "weight": w},
                {"arm": "control", "version": canary.baseline, "weight": TOTAL - w},
            ],
        }
    elif exp is not None:
        w = exp.weight * BP_PER_PERCENT
        split = {
            "kind": "experiment",
            "salt": experiment_salt(model.name, env, exp.salt, live, exp.control),
            "arms": [
                {"arm": "treatment", "version": live, "weight": w},
                {"arm": "control", "version": exp.control, "weight": TOTAL - w},
            ],
        }
    serving = [live] if split is None else [arm["version"] for arm in split["arms"]]
    chains = {v: fallback_chain(model, v, catalogue) for v in serving}
    shadow = model.shadow.get(env)
    refs = dict.fromkeys([*serving, *(r for c in chains.values() for r in c), *([shadow] if shadow else [])])
    settings = model.config.get(env)
    settings_json = settings.model_dump(mode="json", exclude_none=True) if settings is not None else {}
    if not settings_json.get("params"):
        settings_json.pop("params", None)
    versions = {r: _version_info(r, catalogue, external) for r in refs}
    numbers = sorted({v["prompt"] for v in versions.values() if v["prompt"] is not None})
    return {
        "version": live,
        "settings": settings_json,
        "split": split,
        "shadow": shadow,
        "fallbacks": chains,
        "versions": versions,
        "prompts": {str(n): compile_prompt(m, model.name, n, prompts or {}) for n in numbers},
    }


def rollback_thresholds(m: Manifest) -> dict[str, float]:
    """``policies.rollback``'s thresholds: the exporter's latency buckets must contain the latency
    ones, so that health can count the requests slower than them."""
    # Every numeric threshold, so that one added to RollbackPolicy (say latency_p95_ms) travels too.
    return {
        k: float(v)
        for k, v in m.policies.rollback.model_dump().items()
        if isinstance(v, int | float) and not isinstance(v, bool) and k != "min_breaches"
    }


def compile_runtime(
    m: Manifest, env: str, *, source: Mapping[str, Any] | None = None, prompts: PromptTexts | None = None
) -> dict[str, Any]:
    """The runtime config for ``env``: models live there, their prompts' texts (``prompts``, from
    ``Loaded.prompts``), the rollback thresholds, and ``source`` (manifest path, git_sha,
    manifest_sha) so every decision event can name the manifest revision it came from."""
    if m.env(env) is None:
        raise InputError(
            Finding("MP204", f"no environment {env!r} in the manifest", hint=f"environments: {', '.join(e.name for e in m.environments)}")
        )
    models = {}
    for model in m.models:
        entry = compile_model(m, model, env, prompts)
        if entry is not None:
            models[model.name] = entry
    return {"format": FORMAT, "env": env, "source": dict(source or {}), "rollback": rollback_thresholds(m), "models": models}


def skipped_models(m: Manifest, env: str) -> list[str]:
    """Models with nothing live in ``env`` (absent from its runtime config)."""
    return [model.name for model in m.models if env not in model.environments]
