"""Read an eval results file (bytes: JSON, XML or a zip archive) with clear errors."""

from __future__ import annotations

import os

from ..errors import Finding, InputError

MAX_BYTES = int(os.environ.get("MODELPROMOTE_MAX_RESULTS_BYTES", str(1024 * 1024 * 1024)))


def read_results(path: str) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(Finding("MP001", f"{path}: no such file", path, hint="check the path passed to --results / --baseline")) from None
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None
    if not os.path.isfile(path):
        raise InputError(Finding("MP002", f"{path} is not a regular file", path, hint="pass the results file, not a directory"))
    if st.st_size > MAX_BYTES:
        raise InputError(Finding("MP003", f"{path} is {st.st_size} bytes, over the {MAX_BYTES}-byte limit", path,
                                 hint="raise MODELPROMOTE_MAX_RESULTS_BYTES, or pass a results file without per-sample logs"))
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None
