"""Read an eval results file (bytes: JSON, XML or a zip archive) with clear errors."""

from __future__ import annotations

import os

from ..errors import Finding, InputError

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024


def max_bytes() -> int:
    """$MODELPROMOTE_MAX_RESULTS_BYTES (a positive whole number of bytes), read when a file is read."""
    raw = os.environ.get("MODELPROMOTE_MAX_RESULTS_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 15 and int(raw) > 0):
        hint = f"set it to a number of bytes, e.g. {DEFAULT_MAX_BYTES} (the default), or unset it"
        message = f"$MODELPROMOTE_MAX_RESULTS_BYTES={raw[:40]!r} is not a positive whole number of bytes"
        raise InputError(Finding("MP302", message, hint=hint))
    return int(raw)


def read_results(path: str) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(Finding("MP001", f"{path}: no such file", path, hint="check the path passed to --results / --baseline")) from None
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None
    if not os.path.isfile(path):
        raise InputError(Finding("MP002", f"{path} is not a regular file", path, hint="pass the results file, not a directory"))
    limit = max_bytes()
    if st.st_size > limit:
        raise InputError(Finding("MP003", f"{path} is {st.st_size} bytes, over the {limit}-byte limit", path,
                                 hint="raise MODELPROMOTE_MAX_RESULTS_BYTES, or pass a results file without per-sample logs"))
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None
    if len(data) > limit:  # grew since stat
        raise InputError(Finding("MP003", f"{path} is over the {limit}-byte limit", path))
    return data
