"""Read an eval results file (bytes: JSON, XML or a zip archive) with clear errors."""

from __future__ import annotations

import os

from ..errors import Finding, InputError
from ..manifest.raw import Refusals, read_bounded

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
    hints = Refusals(
        missing_hint="check the path passed to --results / --baseline",
        too_large_hint="raise MODELPROMOTE_MAX_RESULTS_BYTES, or pass a results file without per-sample logs",
    )
    return read_bounded(path, max_bytes(), hints, directory_hint="pass the results file, not a directory")
