"""The manifest file's bytes and text: what cannot be a manifest is refused before parsing.

Standard library only, apart from the error vocabulary: the status cache reads the bytes it is
keyed by with the same refusals as the loader, without importing YAML or pydantic.
"""

from __future__ import annotations

import os
import stat

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
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(Finding("MP001", f"{path}: no such file", path)) from None
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(
            Finding(
                "MP002",
                f"{path} is a directory, not a manifest file",
                path,
                hint=f"pass {os.path.join(path, 'manifest.yaml')} or the file itself",
            )
        )
    if not stat.S_ISREG(st.st_mode):
        raise InputError(Finding("MP002", f"{path} is not a regular file", path))
    limit = max_bytes()
    if st.st_size > limit:
        raise InputError(Finding("MP003", f"{path} is {st.st_size:,} bytes; the limit is {limit:,}", path))
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None
    if len(raw) > limit:  # grew since stat
        raise InputError(Finding("MP003", f"{path} is over the {limit:,}-byte limit", path))
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
