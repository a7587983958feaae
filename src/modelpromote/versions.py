"""Version ids: ``<base>-v<semver>[_prompt-v<N>]``.

A version id names what is deployed: a base model, a semver for the weights/config, and
optionally the prompt version it is paired with (the article's advice: promote model and prompt
as one unit).  Precedence is semver's, via the ``semver`` library, so ``rc.1 < rc.2 < rc.10 <
1.3.0`` and build metadata does not order.  Prerelease identifiers must be dotted (``rc.1``, not
``rc1``): ``rc10 < rc9`` in semver's string ordering is a trap we refuse up front.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from functools import cached_property, total_ordering
from typing import Literal

import semver as _semver

ChangeKind = Literal["major", "minor", "patch", "prerelease", "prompt", "none"]

# Base model names are lowercase slugs; the first "-v" followed by MAJOR.MINOR.PATCH starts the
# version, so bases such as "llama-v2-chat" or "mistral-7b-v0.3" work.
_ID_RE = re.compile(
    r"^(?P<base>[a-z0-9][a-z0-9.-]*?)"
    r"-v(?P<semver>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)"
    r"(?:_prompt-v(?P<prompt>0|[1-9]\d{0,8}))?$"
)
# The grammar from semver.org (no leading zeros, no empty identifiers).  Checking it with one
# regex is ~20x cheaper than building a semver.Version, which we only need for ordering.
_SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_UNDOTTED_RE = re.compile(r"^[A-Za-z-]+\d+$")
MAX_ID_LENGTH = 200


class VersionError(ValueError):
    """A string is not a valid version id; the message says why and how to fix it."""


@total_ordering
@dataclass(frozen=True, eq=False)
class VersionId:
    base: str
    text: str  # the semver part, e.g. "1.3.0-rc.1"
    prompt: int | None = None
    prerelease: str | None = field(default=None, compare=False)

    @cached_property
    def semver(self) -> _semver.Version:
        return _semver.Version.parse(self.text)

    def __str__(self) -> str:
        text = f"{self.base}-v{self.text}"
        return text if self.prompt is None else f"{text}_prompt-v{self.prompt}"

    @property
    def model_version(self) -> str:
        """The catalogue id without the prompt part (what version_history lists)."""
        return f"{self.base}-v{self.text}"

    @property
    def is_prerelease(self) -> bool:
        return self.prerelease is not None

    def sort_key(self) -> tuple[str, _semver.Version, int]:
        return (self.base, self.semver.replace(build=None), -1 if self.prompt is None else self.prompt)

    def __lt__(self, other: object) -> bool:
        """Order within one base model by semver, then prompt; different bases by name."""
        if not isinstance(other, VersionId):
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VersionId):
            return NotImplemented
        return self.sort_key() == other.sort_key()

    def __hash__(self) -> int:
        return hash(self.sort_key())


@functools.lru_cache(maxsize=1 << 16)
def parse_version(text: str) -> VersionId:
    """Parse a version id, raising :class:`VersionError` with a fix-it message.

    Cached: a big manifest names each version several times (catalogue, pointers, fallbacks,
    log), and VersionId is immutable.
    """
    if not isinstance(text, str):
        raise VersionError(f"version id must be a string, got {type(text).__name__}")
    if len(text) > MAX_ID_LENGTH:
        raise VersionError(f"version id is {len(text)} characters long; the limit is {MAX_ID_LENGTH}")
    m = _ID_RE.fullmatch(text)  # not match: "$" would accept a trailing newline
    if m is None:
        raise VersionError(_explain(text))
    sm = _SEMVER_RE.fullmatch(m["semver"])
    if sm is None:
        raise VersionError(f"{text!r}: {m['semver']!r} is not valid semver (no leading zeros, no empty identifiers)")
    prerelease = sm.group(4)
    if prerelease:
        for ident in prerelease.split("."):
            if _UNDOTTED_RE.match(ident):
                word = ident.rstrip("0123456789")
                raise VersionError(
                    f"{text!r}: prerelease identifier {ident!r} must be dotted: "
                    f"write {word}.{ident[len(word) :]} (semver orders {word}10 before {word}9)"
                )
    prompt = int(m["prompt"]) if m["prompt"] is not None else None
    return VersionId(m["base"], m["semver"], prompt, prerelease)


def is_version_id(text: str) -> bool:
    try:
        parse_version(text)
    except VersionError:
        return False
    return True


def _explain(text: str) -> str:
    """Say the most useful thing about why ``text`` did not parse."""
    if not text:
        return "version id is empty"
    if text != text.strip():
        return f"{text!r}: version id has leading or trailing whitespace"
    if "-v" not in text:
        return f"{text!r}: expected <base>-v<MAJOR.MINOR.PATCH>, e.g. claude-3-5-sonnet-v1.2.3 (no '-v' found)"
    base = text.split("-v", 1)[0]
    if base != base.lower():
        return f"{text!r}: the base model name must be lowercase"
    if "_prompt-v" in text and not re.search(r"_prompt-v(0|[1-9]\d*)$", text):
        return f"{text!r}: the prompt suffix must be _prompt-v<N> with N a number without leading zeros"
    tail = text.split("-v", 1)[1].split("_prompt-v", 1)[0]
    if not re.match(r"^\d+\.\d+\.\d+", tail):
        return f"{text!r}: {tail!r} is not MAJOR.MINOR.PATCH"
    return f"{text!r}: expected <base>-v<MAJOR.MINOR.PATCH>[-<prerelease>][+<build>][_prompt-v<N>]"


def change_kind(old: VersionId, new: VersionId) -> ChangeKind:
    """How big the step from ``old`` to ``new`` is.

    A different base model is always ``major``: prompts and parsing written for one model family
    are not known to work on another.  Going from a prerelease to its own final release, or
    between prereleases of one version, is ``prerelease``.
    """
    if old.base != new.base:
        return "major"
    a, b = old.semver, new.semver
    if a.major != b.major:
        return "major"
    if a.minor != b.minor:
        return "minor"
    if a.patch != b.patch:
        return "patch"
    if a.prerelease != b.prerelease:
        return "prerelease"
    if old.prompt != new.prompt:
        return "prompt"
    return "none"


def is_major_change(old: VersionId, new: VersionId) -> bool:
    """True when consuming code may need to change: another base, or a higher semver major."""
    return change_kind(old, new) == "major"
