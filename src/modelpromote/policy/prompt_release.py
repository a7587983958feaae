"""The next prompt version of a model: number, file name, digest, variables, and the pointer to promote.

Pure: the manifest and the new prompt's text in, a :class:`PromptRelease` (or a refusal) out.  The
text's bytes are stored as they are (no newline or BOM normalisation), so the recorded sha256 is
``sha256sum`` of the file that lands in ``prompts/<model>/v<N>.<ext>``.

Re-running a release with bytes the catalogue already holds is not a new version: the result
names the existing one (``existing``), so a retried CI job neither fails nor adds a duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from ..errors import CheckFailed, Finding, InputError
from ..manifest.schema import Manifest, PromptEntry
from ..runtime.prompt import placeholders
from ..versions import VersionError, parse_version

_EXT = re.compile(r"^[a-z0-9]{1,10}$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class PromptRelease:
    model: str
    version: int  # N of prompt-v<N>
    file: str  # relative to the manifest's directory: prompts/<model>/v<N>.<ext>
    text: str
    sha256: str  # hex, of text's UTF-8 bytes
    variables: tuple[str, ...]
    changelog: str
    pointer: str | None  # "<model version>_prompt-v<N>": what to promote (None: nothing to pair with)
    existing: bool = False  # these bytes are already catalogued as ``version``; nothing to add

    def entry(self) -> dict[str, Any]:
        """The catalogue entry, in the key order of the example manifest."""
        return {
            "version": self.version,
            "file": self.file,
            "sha256": self.sha256,
            "variables": list(self.variables),
            "changelog": self.changelog or None,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt": self.version,
            "file": self.file,
            "sha256": self.sha256,
            "variables": list(self.variables),
            "changelog": self.changelog,
            "version": self.pointer,
            "existing": self.existing,
        }


def extension(source_name: str) -> str:
    """The catalogue file's extension: the source file's (lowercased), or ``txt`` without a usable one."""
    base = source_name.replace("\\", "/").rsplit("/", 1)[-1]
    ext = base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""
    return ext if _EXT.match(ext) else "txt"


def highest_prompt(m: Manifest, model: str) -> int:
    """The highest prompt number ``model`` uses: catalogued, or named by any of its pointers.

    Pointers count too: a manifest written before catalogues may name ``_prompt-v4`` with no
    entry, and a new text must not take a number that already means something else.
    """
    top = max((p.version for p in (m.prompts or {}).get(model, ())), default=0)
    mod = m.model(model)
    if mod is not None:
        refs = [*mod.environments.values(), *(c.baseline for c in mod.canary.values()),
                *(e.control for e in mod.experiments.values()), *mod.shadow.values(), *mod.fallbacks]
        for ref in refs:
            try:
                n = parse_version(ref).prompt
            except VersionError:
                continue
            if n is not None:
                top = max(top, n)
    return top


def pairing(m: Manifest, model: str, pair: str | None) -> str | None:
    """The model version the new prompt is paired with: ``pair``; else the one the lowest pointer
    that already carries a prompt pairs (the new text replaces that prompt); else the one live
    lowest on the ladder (where a new pairing is promoted first); else None."""
    if pair is not None:
        try:
            mv = parse_version(pair).model_version
        except VersionError as exc:
            raise InputError(Finding("MP201", f"--pair: {exc}")) from None
        if mv not in m.catalogue():
            raise InputError(Finding("MP203", f"--pair {pair}: {mv} is not in version_history"))
        return mv
    mod = m.model(model)
    if mod is None:
        return None
    live = []
    for env in m.environments:
        try:
            live.append(parse_version(mod.environments[env.name]))
        except (KeyError, VersionError):
            continue  # nothing live there, or an external model: nothing of ours to pair with
    paired = [v for v in live if v.prompt is not None]
    return (paired or live)[0].model_version if (paired or live) else None


def plan_prompt_release(
    m: Manifest, model: str, text: str, *, source_name: str, changelog: str | None, pair: str | None = None
) -> PromptRelease:
    """What ``release MODEL --prompt FILE`` adds: the next prompt version of ``model``, or the one
    that already holds exactly these bytes."""
    if m.model(model) is None:
        names = ", ".join(x.name for x in m.models) or "(none)"
        hint = f"models: {names}; --prompt takes a model name, not a base model"
        raise InputError(Finding("MP301", f"no model {model!r} in models", hint=hint))
    if not text.strip():
        raise InputError(Finding("MP425", f"{source_name}: the prompt is empty"))
    digest = sha256(text.encode("utf-8")).hexdigest()
    variables = placeholders(text)
    bad = [v for v in variables if not _VARIABLE.match(v)]
    if bad:  # placeholders() only finds identifiers; the manifest also limits their length
        raise InputError(Finding("MP425", f"{source_name}: placeholder names longer than 64 characters: {', '.join(bad)}"))
    mv = pairing(m, model, pair)
    entries: list[PromptEntry] = list((m.prompts or {}).get(model, ()))
    same = next((p for p in entries if p.sha256 == digest), None)
    if same is not None:
        return PromptRelease(model, same.version, same.file, text, digest, tuple(same.variables), same.changelog,
                             _pointer(mv, same.version), existing=True)
    n = highest_prompt(m, model) + 1
    if n > 999_999_999:
        raise CheckFailed(Finding("MP415", f"{model} has run out of prompt numbers (prompt-v{n - 1} exists)"))
    file = f"prompts/{model}/v{n}.{extension(source_name)}"
    taken = next((p for p in entries if p.file == file), None)
    if taken is not None:
        raise CheckFailed(Finding("MP425", f"{file} is already the file of {model} prompt-v{taken.version}",
                                  hint="fix that entry's file, then release again"))
    return PromptRelease(model, n, file, text, digest, variables, (changelog or "").strip(), _pointer(mv, n))


def _pointer(model_version: str | None, n: int) -> str | None:
    return None if model_version is None else f"{model_version}_prompt-v{n}"
