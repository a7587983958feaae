"""The prompt change a promotion makes: live pointer's prompt vs the candidate's, as a unified diff.

Pure: the manifest, the two pointers and the texts (read by the caller from the manifest's
directory or branch) in, a :class:`PromptDiff` out.  ``plan`` and the promotion pull request show
it, so reviewers approve the text and not only a number (``_prompt-v4`` -> ``_prompt-v5``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from ..manifest.schema import Manifest
from ..versions import VersionError, parse_version


@dataclass(frozen=True)
class PromptSide:
    """One side of the diff: the prompt a pointer names (``version`` None: it names none)."""

    ref: str | None  # the pointer (None: nothing live)
    version: int | None
    file: str | None = None  # relative to the manifest's directory
    recorded: str | None = None  # the sha256 the catalogue records (hex)
    text: str | None = None  # None: uncatalogued, or the file could not be read

    @property
    def digest(self) -> str | None:
        """sha256 of the text as read (hex); None without text."""
        return None if self.text is None else sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return "no prompt" if self.version is None else f"prompt-v{self.version}"

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "prompt": self.version, "file": self.file, "sha256": self.recorded, "actual_sha256": self.digest}


@dataclass(frozen=True)
class PromptDiff:
    model: str
    live: PromptSide
    candidate: PromptSide

    @property
    def changed(self) -> bool:
        return (self.live.version, self.live.digest) != (self.candidate.version, self.candidate.digest)

    @property
    def mismatched(self) -> list[PromptSide]:
        """Sides whose text as read does not match the recorded digest (validate says MP218)."""
        return [s for s in (self.live, self.candidate) if s.text is not None and s.recorded and s.digest != s.recorded]

    def unified(self, context: int = 3) -> str:
        """The text change, ``a/<live file>`` -> ``b/<candidate file>``; empty when the texts are equal
        or one side has no text to compare."""
        if self.live.text is None and self.candidate.text is None:
            return ""
        old = self.live.text or ""
        new = self.candidate.text or ""
        if old == new:
            return ""
        a = f"a/{self.live.file}" if self.live.file else "/dev/null"
        b = f"b/{self.candidate.file}" if self.candidate.file else "/dev/null"
        lines = difflib.unified_diff(old.splitlines(True), new.splitlines(True), a, b, n=context)
        return "".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n" for x in lines)

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "changed": self.changed, "live": self.live.to_json(), "candidate": self.candidate.to_json(),
                "diff": self.unified()}


def _prompt_number(ref: str | None) -> int | None:
    if ref is None:
        return None
    try:
        return parse_version(ref).prompt
    except VersionError:
        return None


def prompt_files(m: Manifest, model: str, current: str | None, candidate: str) -> list[tuple[int, str]]:
    """(prompt number, file) of the catalogued prompts the two pointers name: what to read."""
    out = []
    for ref in (current, candidate):
        n = _prompt_number(ref)
        entry = m.prompt(model, n) if n is not None else None
        if entry is not None and n is not None and (n, entry.file) not in out:
            out.append((n, entry.file))
    return out


def prompt_diff(
    m: Manifest, model: str, current: str | None, candidate: str, read: Mapping[str, str | None] | Callable[[str], str | None]
) -> PromptDiff | None:
    """The prompt change from ``current`` (live) to ``candidate``; None when neither names a prompt.

    ``read``: file (as catalogued, relative to the manifest's directory) -> its text, for the
    files :func:`prompt_files` lists (a mapping or a function).
    """

    def side(ref: str | None) -> PromptSide:
        n = _prompt_number(ref)
        entry = m.prompt(model, n) if n is not None else None
        if entry is None:
            return PromptSide(ref, n)
        text = read.get(entry.file) if isinstance(read, Mapping) else read(entry.file)
        return PromptSide(ref, n, entry.file, entry.sha256, text)

    live, cand = side(current), side(candidate)
    if live.version is None and cand.version is None:
        return None
    return PromptDiff(model, live, cand)
