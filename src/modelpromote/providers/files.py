"""Files: atomic writes, and the GitHub Actions step files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import uuid

from ..errors import Finding, InputError

TEMP_PREFIX = ".modelpromote-"


def sweep_stale_temps(directory: str) -> int:
    """Remove temp files a killed writer left in ``directory`` (kill -9 runs no cleanup); how many.

    A temp file's name holds its writer's pid: it is stale once that process is gone.  Names
    without a pid (older versions) are stale after an hour.
    """
    import re
    import time

    removed = 0
    try:
        names = [n for n in os.listdir(directory) if n.startswith(TEMP_PREFIX) and n.endswith(".tmp")]
    except OSError:
        return 0
    for name in names:
        m = re.fullmatch(r"\.modelpromote-(\d{1,10})-[^/]*\.tmp", name)
        full = os.path.join(directory, name)
        try:
            if m:
                pid = int(m.group(1))
                if pid == os.getpid() or _alive(pid):
                    continue
            elif time.time() - os.lstat(full).st_mtime < 3600:
                continue
            os.unlink(full)
            removed += 1
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old file or the new one, never half.

    Temp file in the same directory (same filesystem, so rename is atomic), fsync, keep the old
    file's mode, rename, fsync the directory.  On any failure the old file is untouched.

    A symlink is written through: the file it points to is replaced, the link stays (replacing the
    link would "update" a file nobody reads).  Anything but a regular file at the target (a
    directory, FIFO, device node, socket) is refused, exit 2: renaming over ``/dev/full`` as root
    would replace the device.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        mode = 0o644
    except OSError as exc:
        raise InputError(Finding("MP011", f"cannot write {path}: {exc.strerror}", path)) from None
    else:
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file (a FIFO, device or socket)"
            raise InputError(Finding("MP002", f"{path} is {kind}; refusing to replace it", path, hint="write to a regular file path"))
        mode = st.st_mode & 0o7777
    if not os.path.isdir(directory):
        parent = os.path.dirname(path) or "."
        hint = f"create it first (mkdir -p {parent}), or write somewhere else"
        raise InputError(Finding("MP011", f"cannot write {path}: the directory {parent} does not exist", path, hint=hint))
    sweep_stale_temps(directory)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(Finding("MP011", f"cannot write next to {path}: {exc.strerror}", path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
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
