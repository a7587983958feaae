"""The next version of a base model: bumps, release candidates, finalizing.

Pure: the manifest in, the new catalogue entry (as plain data) out, or a refusal.  ``major``,
``minor`` and ``patch`` start a release candidate (``-rc.1``) unless ``final`` is asked for;
``rc`` makes the next candidate of the release in progress; ``finalize`` turns a candidate into
its final version with the same artifact digest (the bits that were tested are the bits that ship).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from ..errors import CheckFailed, Finding, InputError
from ..manifest.schema import Manifest, VersionEntry
from ..versions import VersionError, VersionId, parse_version

Bump = Literal["major", "minor", "patch", "rc"]
_RC = re.compile(r"^rc\.(\d+)$")


def versions_of(m: Manifest, base: str) -> list[tuple[VersionId, VersionEntry]]:
    out = []
    for e in m.version_history:
        try:
            vid = parse_version(e.version)
        except VersionError:
            continue
        if vid.base == base:
            out.append((vid, e))
    return sorted(out, key=lambda x: x[0])


def known_bases(m: Manifest) -> list[str]:
    out: list[str] = []
    for e in m.version_history:
        try:
            b = parse_version(e.version).base
        except VersionError:
            continue
        if b not in out:
            out.append(b)
    return out


def check_base(m: Manifest, base: str, *, new_base: bool, provider_model: str | None) -> None:
    """A base model with no version yet is a new family: only on purpose (``--new-base``), with its provider model.

    Without this, a typo (``gpt4o-mini`` for ``gpt-4o-mini``) silently starts a family at 0.1.0-rc.1.
    """
    import difflib

    bases = known_bases(m)
    if base in bases:
        if new_base:
            raise InputError(Finding("MP313", f"{base} already has versions; --new-base starts a new family", hint="drop --new-base"))
        return
    if not new_base:
        close = difflib.get_close_matches(base, bases, n=3, cutoff=0.6)
        did = f"did you mean {' or '.join(close)}? " if close else ""
        raise InputError(
            Finding(
                "MP313",
                f"no base model {base!r} in version_history (known: {', '.join(bases) or 'none'})",
                hint=f"{did}To start a new family on purpose: --new-base --provider-model NAME",
            )
        )
    if not provider_model:
        raise InputError(Finding("MP313", f"a new base model {base!r} needs --provider-model (the name its API is called with)"))


def next_version(m: Manifest, base: str, bump: Bump, *, final: bool = False) -> str:
    have = versions_of(m, base)
    top = have[-1][0] if have else None
    if bump == "rc":
        if top is None or top.semver.prerelease is None:
            raise CheckFailed(Finding("MP415", f"no release candidate of {base} in progress to bump",
                                      hint="start one with --bump major|minor|patch"))
        mt = _RC.match(top.semver.prerelease)
        if mt is None:
            raise CheckFailed(Finding("MP415", f"{top} has prerelease {top.semver.prerelease!r}, not rc.N"))
        new = f"{base}-v{top.semver.major}.{top.semver.minor}.{top.semver.patch}-rc.{int(mt[1]) + 1}"
    else:
        major, minor, patch = (top.semver.major, top.semver.minor, top.semver.patch) if top else (0, 0, 0)
        if bump == "major":
            major, minor, patch = major + 1, 0, 0
        elif bump == "minor":
            minor, patch = minor + 1, 0
        else:
            patch += 1
        new = f"{base}-v{major}.{minor}.{patch}" + ("" if final else "-rc.1")
    _check_new(have, parse_version(new))
    return new


def _check_new(have: list[tuple[VersionId, VersionEntry]], new: VersionId) -> None:
    for vid, _ in have:
        if vid == new:
            raise CheckFailed(Finding("MP415", f"{new} is already in version_history"))
    if have and not have[-1][0] < new:
        raise CheckFailed(Finding("MP415", f"{new} does not increase: {have[-1][0]} exists",
                                  hint="versions only go up; bump from the highest one"))


def new_entry(m: Manifest, version: str, *, status: str, changelog: str, digest: str | None, now: datetime,
              provider_model: str | None = None) -> dict[str, Any]:
    """The catalogue entry for a fresh version; provider model and fallback carry over from the last one."""
    vid = parse_version(version)
    have = versions_of(m, vid.base)
    prev = have[-1][1] if have else None
    return {
        "version": version,
        "base_model": vid.base,
        "provider_model": provider_model or (prev.provider_model if prev else None),
        "status": status,
        "changelog": changelog,
        "artifact": {"digest": digest} if digest else None,
        "created_at": now,
    }


def finalize(m: Manifest, rc: str, *, digest: str | None, changelog: str | None, now: datetime) -> dict[str, Any]:
    try:
        vid = parse_version(rc)
    except VersionError as exc:
        raise InputError(Finding("MP201", str(exc))) from None
    entry = m.catalogue().get(rc)
    if entry is None:
        raise InputError(Finding("MP203", f"{rc} is not in version_history"))
    if not vid.is_prerelease:
        raise CheckFailed(Finding("MP419", f"{rc} is already a final version; only a release candidate can be finalized"))
    if entry.status in ("failed", "retired"):
        raise CheckFailed(Finding("MP419", f"{rc} is {entry.status}; it cannot become a release"))
    final = f"{vid.base}-v{vid.semver.major}.{vid.semver.minor}.{vid.semver.patch}"
    have = versions_of(m, vid.base)
    fvid = parse_version(final)
    if any(v == fvid for v, _ in have):
        raise CheckFailed(Finding("MP415", f"{final} is already in version_history"))
    finals = [v for v, _ in have if not v.is_prerelease]
    if finals and not finals[-1] < fvid:
        raise CheckFailed(Finding("MP415", f"{final} does not increase: {finals[-1]} is already released"))
    rc_digest = entry.artifact.digest if entry.artifact else None
    if digest and rc_digest and digest != rc_digest:
        raise CheckFailed(Finding("MP419", f"--digest {digest} differs from {rc}'s {rc_digest}",
                                  hint="a final release ships the bits its candidate was tested with; cut a new rc instead"))
    return {
        "version": final,
        "base_model": vid.base,
        "provider_model": entry.provider_model,
        "training_date": entry.training_date.isoformat() if entry.training_date else None,
        "status": "stable",
        "changelog": changelog if changelog is not None else entry.changelog,
        "artifact": {"digest": digest or rc_digest} if (digest or rc_digest) else None,
        "fallback": entry.fallback,
        "created_at": now,
    }
