"""Files: atomic writes, and the GitHub Actions step files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid

from ..errors import Finding, InputError


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old file or the new one, never half.

    Temp file in the same directory (same filesystem, so rename is atomic), fsync, keep the old
    file's mode, rename, fsync the directory.  On any failure the old file is untouched.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    if not os.path.isdir(directory):
        parent = os.path.dirname(path) or "."
        hint = f"create it first (mkdir -p {parent}), or write somewhere else"
        raise InputError(Finding("MP011", f"cannot write {path}: the directory {parent} does not exist", path, hint=hint))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".modelpromote-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(Finding("MP011", f"cannot write next to {path}: {exc.strerror}", path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise InputError(Finding("MP011", f"cannot write {path}: {exc.strerror}", path)) from None
        raise
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


# How many summaries this process appended: the CLI adds a generic one for verbs that wrote none.
summaries_written = 0


def append_step_summary(markdown: str) -> None:
    global summaries_written
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    summaries_written += 1
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown.rstrip("\n") + "\n")


def set_outputs(values: dict[str, str]) -> None:
    """Write step outputs with the heredoc syntax, so values with newlines cannot inject others."""
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        for key, value in values.items():
            delim = f"EOF_{uuid.uuid4().hex}"
            fh.write(f"{key}<<{delim}\n{value}\n{delim}\n")
