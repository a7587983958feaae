"""Prompt files on disk for ``release --prompt``: read the user's file, place it in the catalogue, undo.

The manifest and the prompt file are two files, so "both or neither" is: write the prompt file
(atomically) first, then the manifest (atomically); if the manifest write fails, remove what was
created here.  A crash between the two leaves an uncatalogued file with the right bytes, which
the re-run adopts (same bytes) instead of refusing.
"""

from __future__ import annotations

import contextlib
import os
import stat

from ..errors import Finding, InputError
from ..manifest.prompts import MAX_PROMPT_BYTES
from ..manifest.raw import Refusals, read_bounded


def read_source(path: str) -> str:
    """The text of the prompt file the user hands to ``release --prompt`` (UTF-8, bytes kept)."""
    refusals = Refusals("MP216", "MP425", "MP425", "MP425", missing_hint="pass the path of the new prompt text")
    raw = read_bounded(path, MAX_PROMPT_BYTES, refusals)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Finding("MP425", f"{path}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})", path)) from None


def check_inside(root: str, dest: str) -> None:
    """``dest`` stays inside ``root`` once symlinks are resolved (a linked ``prompts/`` could lead out)."""
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(dest)]) != real_root:
        raise InputError(Finding("MP217", f"{dest} resolves (through a symlink) to a place outside {root}", dest))


def existing_bytes(path: str) -> bytes | None:
    """The bytes at ``path`` (None: nothing there).  A symlink or a non-file there is refused."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(Finding("MP425", f"{path}: {exc.strerror}", path)) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(Finding("MP425", f"{path} exists and is not a regular file", path, hint="remove it, then release again"))
    with open(path, "rb") as fh:
        return fh.read()


def place(path: str, text: str) -> list[str]:
    """Write ``text`` to ``path`` atomically, creating its directories; what was created (to undo)."""
    from .files import write_atomic

    created: list[str] = []
    directory = os.path.dirname(path)
    missing: list[str] = []
    d = directory
    while d and not os.path.isdir(d):
        missing.insert(0, d)
        d = os.path.dirname(d)
    for d in missing:
        try:
            os.mkdir(d)
        except OSError as exc:
            undo(created)
            raise InputError(Finding("MP011", f"cannot create {d}: {exc.strerror}", d)) from None
        created.append(d)
    new_file = not os.path.exists(path)
    try:
        write_atomic(path, text)
    except BaseException:
        undo(created)
        raise
    return [*created, path] if new_file else created


def undo(created: list[str]) -> None:
    """Remove what :func:`place` created, newest first (files, then the directories made for them)."""
    for p in reversed(created):
        with contextlib.suppress(OSError):
            if os.path.isdir(p) and not os.path.islink(p):
                os.rmdir(p)
            else:
                os.unlink(p)
