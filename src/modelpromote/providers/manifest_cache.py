"""A per-user cache of what a read-only verb computed from a *valid* manifest (today: ``status``).

Validating a manifest is most of a ``status`` run: importing pydantic and building the schema
costs about ten times what reading the answer back does.  The answer is a function of the
manifest's bytes, of the prompt files it names (their checks are part of "valid"), and of the code
that judged them (modelpromote's own files and pydantic's), so an entry is keyed by all three and
reused only while none of them changed: any edit, upgrade or checkout makes the next run validate
again.  Decisions never read it: plan, promote, gate, deploy and health always validate.

Where: ``$MODELPROMOTE_CACHE_DIR``, else ``$XDG_CACHE_HOME/modelpromote``, else
``~/.cache/modelpromote``; ``MODELPROMOTE_NO_CACHE=1`` turns it off.  One small JSON file per
manifest path.  Every failure (unwritable home, a corrupt or foreign entry) is a miss, never an
error: the cache can only make a run faster, never change what it prints.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import sys
from typing import Any

from .. import __version__

FORMAT = 1
# Only the first bytes are hashed (with the size): a prompt file is at most 256 KiB, so a larger
# one was never part of a valid verdict, and a stray huge file must not make `status` slow.
HASHED_BYTES = 1 << 20


def cache_dir() -> str | None:
    """The cache's directory, or None when it is turned off."""
    if os.environ.get("MODELPROMOTE_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("MODELPROMOTE_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "modelpromote")
    return base


@functools.cache
def code_fingerprint() -> str:
    """Changes with any file of modelpromote (an upgrade, an edit in a checkout) or pydantic's version.

    Stat only (path, mtime, size): hashing the package's contents would cost more than it saves.
    """
    h = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                _stat_into(h, os.path.join(root, name))
    # pydantic and pydantic_core decide what validates; an upgrade rewrites their __init__.py.
    for name in ("pydantic", "pydantic_core"):
        for entry in sys.path:
            init = os.path.join(entry or ".", name, "__init__.py")
            if os.path.isfile(init):
                _stat_into(h, init)
                break
    return h.hexdigest()


def _stat_into(h: Any, path: str) -> None:
    st = os.stat(path)
    h.update(f"{path}:{st.st_mtime_ns}:{st.st_size}\n".encode())


def file_evidence(real_root: str, files: list[str]) -> list[list[str]]:
    """What a verdict saw of each prompt file: where it resolves and a digest of what is there."""
    out = []
    for file in files:
        real = os.path.realpath(os.path.join(real_root, *file.split("/")))
        try:
            st = os.stat(real)
            if stat.S_ISREG(st.st_mode):
                with open(real, "rb") as fh:
                    seen = f"{st.st_size}:{hashlib.sha256(fh.read(HASHED_BYTES)).hexdigest()}"
            else:
                seen = f"mode:{st.st_mode:o}"
        except OSError as exc:
            seen = f"error:{exc.errno}"
        out.append([file, real, seen])
    return out


def prompt_root(manifest_path: str) -> str:
    """The directory prompt files are read from, as the loader resolves it (manifest/load.py)."""
    return os.path.realpath(os.path.dirname(os.path.abspath(manifest_path)))


def _entry(kind: str, manifest_path: str) -> tuple[str, str] | None:
    """(entry file, prompt root); no pathlib: importing it costs more than a cached answer."""
    directory = cache_dir()
    if directory is None:
        return None
    name = hashlib.sha256(os.path.abspath(manifest_path).encode()).hexdigest()[:32]
    return os.path.join(directory, kind, f"{name}.json"), prompt_root(manifest_path)


def _key(real_root: str, raw: bytes) -> str:
    return hashlib.sha256(f"{code_fingerprint()}:{real_root}:{hashlib.sha256(raw).hexdigest()}".encode()).hexdigest()


def lookup(kind: str, manifest_path: str, raw: bytes) -> Any:
    """The payload stored for exactly these manifest bytes, prompt files and code, or None."""
    where = _entry(kind, manifest_path)
    if where is None:
        return None
    path, real_root = where
    try:
        with open(path, "rb") as fh:
            entry = json.loads(fh.read())
        if entry["key"] != _key(real_root, raw):
            return None
        if file_evidence(real_root, [e[0] for e in entry["files"]]) != entry["files"]:
            return None
        return entry["payload"]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def store(kind: str, manifest_path: str, raw: bytes, evidence: list[list[str]], payload: Any) -> None:
    """Keep ``payload`` for these manifest bytes and the prompt files as ``evidence`` saw them."""
    where = _entry(kind, manifest_path)
    if where is None:
        return
    path, real_root = where
    text = json.dumps({"key": _key(real_root, raw), "files": evidence, "payload": payload}, separators=(",", ":"))
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)  # readers see the old entry or the new one, never half
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
