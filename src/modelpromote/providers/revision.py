"""Which revision a manifest file is: the repository's HEAD commit and the file's git blob id."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from ..errors import Finding, InputError
from ..manifest.verify import blob_sha


@dataclass(frozen=True)
class Revision:
    git_sha: str | None  # HEAD of the repository holding the file; None outside git
    manifest_sha: str  # `git hash-object FILE`: identifies the exact bytes compiled
    dirty: bool | None  # the file differs from its committed version at HEAD; None outside git

    def to_json(self) -> dict[str, object]:
        return {"git_sha": self.git_sha, "manifest_sha": self.manifest_sha, "dirty": self.dirty}


def _git(cwd: str, *args: str) -> str | None:
    try:
        r = subprocess.run(["git", "-C", cwd, *args], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def manifest_revision(path: str) -> Revision:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(Finding("MP010", f"cannot read {path}: {exc.strerror}", path)) from None
    sha = blob_sha(data)
    directory = os.path.dirname(os.path.abspath(path))
    head = _git(directory, "rev-parse", "--verify", "--quiet", "HEAD")
    if head is None:
        return Revision(None, sha, None)
    committed = _git(directory, "rev-parse", "--verify", "--quiet", f"HEAD:./{os.path.basename(path)}")
    return Revision(head, sha, committed != sha)
