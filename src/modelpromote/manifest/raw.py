"""The manifest file's bytes and text: what cannot be a manifest is refused before parsing.

Standard library only, apart from the error vocabulary: the status cache reads the bytes it is
keyed by with the same refusals as the loader, without importing YAML or pydantic.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from ..errors import Finding, InputError

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def max_bytes() -> int:
    try:
        return int(os.environ.get("MODELPROMOTE_MAX_BYTES", DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


def read_text(path: str) -> str:
    """Read ``path`` as UTF-8 text, refusing what cannot be a manifest before reading it."""
    return decode(read_bytes(path), path)


def read_bytes(path: str) -> bytes:
    """The bytes of ``path``, refusing what cannot be a manifest (missing, a directory, too large) before reading it."""
    return read_bounded(path, max_bytes(), directory_hint=f"pass {os.path.join(path, 'manifest.yaml')} or the file itself")


@dataclass(frozen=True)
class Refusals:
    """The codes (and hints) a reader of one kind of file gives its refusals."""

    missing: str = "MP001"
    unreadable: str = "MP010"
    not_a_file: str = "MP002"
    too_large: str = "MP003"
    missing_hint: str | None = None
    too_large_hint: str | None = None


def read_bounded(path: str, limit: int, refusals: Refusals = Refusals(), *, directory_hint: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them, checked before reading
    (a huge file is never read) and after (it may grow); every refusal is a located InputError."""
    r = refusals
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(Finding(r.missing, f"{path}: no such file", path, hint=r.missing_hint)) from None
    except OSError as exc:
        raise InputError(Finding(r.unreadable, f"{path}: {exc.strerror}", path)) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(Finding(r.not_a_file, f"{path} is a directory, not a file", path, hint=directory_hint))
    if not stat.S_ISREG(st.st_mode):
        raise InputError(Finding(r.not_a_file, f"{path} is not a regular file", path))
    if st.st_size > limit:
        raise InputError(Finding(r.too_large, f"{path} is {st.st_size:,} bytes; the limit is {limit:,}", path, hint=r.too_large_hint))
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(Finding(r.unreadable, f"{path}: {exc.strerror}", path)) from None
    if len(raw) > limit:  # grew since stat
        raise InputError(Finding(r.too_large, f"{path} is over the {limit:,}-byte limit", path, hint=r.too_large_hint))
    return raw


def decode(raw: bytes, path: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            Finding("MP004", f"byte 0x{raw[exc.start]:02x} at offset {exc.start} is not valid UTF-8", path, line, col)
        ) from None
