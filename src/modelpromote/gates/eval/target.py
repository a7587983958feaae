"""Which model version an eval is about: catalogue entry, prompt, settings for the target environment.

Used by the pytest plugin's fixtures and by ``modelpromote eval`` to pick ``policies.eval`` rules.
The default environment is the one the version would be promoted to next (the rung above the
highest one it is live in); a version live nowhere is headed for the top rung, production.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import Finding, InputError
from ...runtime.prompt import Prompt
from ...versions import VersionError, parse_version

if TYPE_CHECKING:
    from ...manifest.schema import Manifest


@dataclass(frozen=True)
class Target:
    model: str
    version: str  # as given: may carry _prompt-vN
    model_version: str  # the catalogue id
    prompt: Prompt | None  # the same object as the runtime's Assignment.prompt
    base_model: str
    provider_model: str | None
    status: str
    env: str
    settings: dict[str, Any] = field(default_factory=dict)
    live_in: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["live_in"] = list(self.live_in)
        d["prompt"] = None if self.prompt is None else self.prompt.to_json()
        return d


def default_env(manifest: Manifest, model: str, version: str) -> str:
    ladder = [e.name for e in manifest.environments]
    m = manifest.model(model)
    live = [i for i, name in enumerate(ladder) if m is not None and m.environments.get(name) == version]
    if live and live[-1] + 1 < len(ladder):
        return ladder[live[-1] + 1]
    return ladder[-1]


def target_prompt(manifest: Manifest, model: str, n: int | None, texts: Mapping[tuple[str, int], str]) -> Prompt | None:
    """Prompt ``n`` of ``model`` with its text when the catalogue has it (``texts``: ``Loaded.prompts``)."""
    if n is None:
        return None
    entry = manifest.prompt(model, n)
    text = texts.get((model, n))
    if entry is None or text is None:
        return Prompt(model, n, None)
    return Prompt(model, n, text, None, entry.variables)


def resolve_target(
    manifest: Manifest, model: str, version: str, env: str | None = None, prompts: Mapping[tuple[str, int], str] | None = None
) -> Target:
    m = manifest.model(model)
    if m is None:
        models = ", ".join(x.name for x in manifest.models)
        raise InputError(Finding("MP301", f"no model {model!r} in the manifest", hint=f"models: {models}"))
    try:
        vid = parse_version(version)
    except VersionError as exc:
        raise InputError(Finding("MP201", f"{version!r}: {exc}")) from None
    entry = manifest.catalogue().get(vid.model_version)
    if entry is None:
        same_base = [v.version for v in manifest.version_history if v.base_model == vid.base][:8]
        hint = f"versions of {vid.base}: {', '.join(same_base)}" if same_base else "add it to version_history first"
        raise InputError(Finding("MP511", f"version {vid.model_version!r} is not in version_history", hint=hint))
    env_name = env or default_env(manifest, model, version)
    if manifest.env(env_name) is None:
        envs = ", ".join(e.name for e in manifest.environments)
        raise InputError(Finding("MP204", f"no environment {env_name!r}", hint=f"environments: {envs}"))
    settings = m.config.get(env_name)
    live_in = tuple(name for name, ptr in m.environments.items() if ptr == version)
    prompt = target_prompt(manifest, model, vid.prompt, prompts or {})
    return Target(model, version, vid.model_version, prompt, entry.base_model, entry.provider_model, entry.status, env_name,
                  settings.model_dump(exclude_none=True) if settings is not None else {}, live_in)
