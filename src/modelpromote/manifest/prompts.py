"""Read the prompt catalogue's files (the loader's I/O; the rules are in :mod:`.prompt_checks`).

A prompt file is read only when it lies inside the manifest's directory once symlinks are
resolved, is a regular file of at most :data:`MAX_PROMPT_BYTES`, and is UTF-8.  Its text is kept
exactly (no newline or BOM normalisation), so the digest of the text is the digest of the file.
"""

from __future__ import annotations

import os
import stat

from ..errors import Finding
from .prompt_checks import path_problem
from .schema import Manifest
from .source import PathKey, Source

MAX_PROMPT_BYTES = 256 * 1024


def read_prompts(m: Manifest, src: Source, root: str) -> tuple[dict[tuple[str, int], str], list[Finding]]:
    """The text of every catalogued prompt file under ``root`` (the manifest's directory), and
    located findings (MP216 missing, MP217 refused) for those that cannot be used."""
    texts: dict[tuple[str, int], str] = {}
    findings: list[Finding] = []
    real_root = os.path.realpath(root)
    for name, entries in (m.prompts or {}).items():
        for i, p in enumerate(entries):
            if (name, p.version) in texts or path_problem(p.file) is not None:
                continue  # a duplicate or a refused path: prompt_checks reported it
            where: PathKey = ("prompts", name, i, "file")
            text, problem = _read(real_root, p.file)
            if text is not None:
                texts[(name, p.version)] = text
            elif problem is not None:
                code, message = problem
                findings.append(src.finding(code, f"{name} prompt-v{p.version}: {p.file}: {message}", where))
    return texts, findings


def read_prompt_text(root: str, file: str) -> str | None:
    """The text of catalogued prompt ``file`` under ``root``, or None when it cannot be used (the
    same rules as :func:`read_prompts`; ``validate`` says why)."""
    if path_problem(file) is not None:
        return None
    return _read(os.path.realpath(root), file)[0]


def _read(real_root: str, file: str) -> tuple[str | None, tuple[str, str] | None]:
    real = os.path.realpath(os.path.join(real_root, *file.split("/")))
    if os.path.commonpath([real_root, real]) != real_root:
        return None, ("MP217", "resolves (through a symlink) to a file outside the manifest's directory")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return None, ("MP216", "no such file")
    except OSError as exc:
        return None, ("MP217", f"cannot read it: {exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        return None, ("MP217", "not a regular file")
    if st.st_size > MAX_PROMPT_BYTES:
        return None, ("MP217", f"{st.st_size:,} bytes; a prompt file may have at most {MAX_PROMPT_BYTES:,}")
    try:
        # O_NOFOLLOW: the resolved path must not have become a symlink since it was checked.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(MAX_PROMPT_BYTES + 1)
    except OSError as exc:
        return None, ("MP217", f"cannot read it: {exc.strerror}")
    if len(raw) > MAX_PROMPT_BYTES:
        return None, ("MP217", f"over the {MAX_PROMPT_BYTES:,}-byte limit")
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, ("MP217", f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
