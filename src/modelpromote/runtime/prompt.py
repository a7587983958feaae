"""The prompt a request gets: text, version, digest, variables, and ``render(**values)``.

One class for every consumer: ``Assignment.prompt`` in applications, ``eval_target.prompt`` in
the pytest plugin, and the manifest's prompt catalogue when it is compiled by ``export``.

Placeholders are ``{{ name }}`` (an identifier, optional spaces inside the braces).  Not
``str.format``'s single braces: prompts quote JSON and code, whose braces must stay literal.
Rendering is one pass, so a value that itself contains ``{{ x }}`` is inserted as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from hashlib import sha256
from typing import Any, NoReturn

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def placeholders(text: str) -> tuple[str, ...]:
    """The distinct placeholder names of ``text``, in order of first appearance."""
    return tuple(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(text)))


def text_digest(text: str) -> str:
    """``sha256:<hex>`` of the UTF-8 bytes of ``text`` (what the manifest records for the file)."""
    return "sha256:" + sha256(text.encode("utf-8")).hexdigest()


class Prompt:
    """One version of one model's prompt.  Immutable; shared between requests.

    ``text`` and ``digest`` are None for a prompt the manifest names by number only (a manifest
    without a ``prompts`` catalogue); ``render`` then fails with MP609.
    """

    __slots__ = ("digest", "model", "text", "variables", "version")
    model: str
    version: int
    text: str | None
    digest: str | None  # "sha256:<64 hex>" of the UTF-8 text
    variables: tuple[str, ...]

    def __init__(self, model: str, version: int, text: str | None, digest: str | None = None, variables: Iterable[str] = ()) -> None:
        for name, value in (
            ("model", model),
            ("version", version),
            ("text", text),
            ("digest", digest if digest is not None or text is None else text_digest(text)),
            ("variables", tuple(variables)),
        ):
            object.__setattr__(self, name, value)

    @property
    def name(self) -> str:
        """``prompt-v4``: the suffix a pointer carries (``_prompt-v4``), and what logs show."""
        return f"prompt-v{self.version}"

    def render(self, **values: Any) -> str:
        """The text with every ``{{ name }}`` replaced by ``str(values[name])``.

        Every declared variable must be given and nothing else: a typo in a variable name is an
        error (MP608), not a silently unfilled or ignored slot.
        """
        text = self.text
        if text is None:
            self._fail(
                "MP609",
                f"{self.model} {self.name} has no text in this runtime config",
                "add the prompt to the manifest's prompts catalogue, then re-export",
            )
        declared = self.variables
        if values.keys() != set(declared):
            missing = [v for v in declared if v not in values]
            unknown = sorted(k for k in values if k not in declared)
            parts = [f"missing {', '.join(missing)}" if missing else "", f"unknown {', '.join(unknown)}" if unknown else ""]
            self._fail(
                "MP608",
                f"{self.model} {self.name}: {'; '.join(p for p in parts if p)}",
                f"render it with exactly: {', '.join(declared) or '(no variables)'}",
            )
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)

    def _fail(self, code: str, message: str, hint: str) -> NoReturn:
        from .errors import prompt_error  # only on the error path: it imports dataclasses

        raise prompt_error(code, message, hint)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Prompt is immutable (shared between requests); cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Prompt is immutable")

    def _values(self) -> tuple[Any, ...]:
        return (self.model, self.version, self.text, self.digest, self.variables)

    # Immutable: copies are the object itself, and pickling rebuilds it through __init__.
    def __copy__(self) -> Prompt:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Prompt:
        return self

    def __reduce__(self) -> tuple[type[Prompt], tuple[Any, ...]]:
        return (Prompt, self._values())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prompt) and self._values() == other._values()

    def __hash__(self) -> int:
        # In-process identity for sets and dict keys only (never for bucketing).
        return hash(self._values())

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        size = "no text" if self.text is None else f"{len(self.text)} chars"
        return f"Prompt({self.model!r}, v{self.version}, {size}, digest={self.digest!r}, variables={self.variables!r})"

    def to_json(self) -> dict[str, Any]:
        """The reference (never the text: events and reports should not copy prompts around)."""
        return {"model": self.model, "version": self.version, "digest": self.digest, "variables": list(self.variables)}
