"""The manifest on a GitHub branch: a :class:`~modelpromote.app.store.ManifestStore` over the GitHub port.

Reading resolves the branch (or commit SHA) to a commit and reads the manifest there.  Writing makes
one commit on top of the commit that was read, setting the manifest to the new text, and points a
*target* branch (``promote/...``, ``rollback/...``, ``canary/...``) at it: the base branch itself is
only ever changed by merging a reviewed pull request.  A target branch that already holds exactly
this change on exactly this base is left as it is, so re-runs push nothing and keep reviews valid.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import CheckFailed, Finding, InputError
from ..manifest.schema import Manifest
from ..naming import is_sha
from .ports import GitHubPort
from .store import Document, load_document


@dataclass
class BranchStore:
    gh: GitHubPort
    path: str
    ref: str | None = None  # a branch or a full commit SHA; None: the repository's default branch
    target: str | None = None  # the branch a write goes to
    code: str = "MP704"  # the finding code when the ref or the file does not exist
    head: str | None = field(default=None, init=False)  # after a write: the target branch's commit
    rebuilt: bool = field(default=False, init=False)  # after a write: a new commit was pushed

    @property
    def where(self) -> str:
        return f"{self.path}@{self.ref or 'default branch'}"

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        yield  # GitHub serialises ref updates itself; a write never touches the base branch

    def read(self) -> Document:
        ref = self.ref or self.gh.default_branch()
        self.ref = ref
        sha = self.gh.branch_sha(ref) or (ref if is_sha(ref) else None)
        if sha is None:
            raise InputError(Finding(self.code, f"no branch {ref!r} in {self.gh.repo_name}", hint="pass a branch name or a commit SHA"))
        text = self.gh.read_file(self.path, sha)
        if text is None:
            raise InputError(Finding(self.code, f"no {self.path} at {ref} in {self.gh.repo_name}", hint="pass --manifest PATH-IN-REPO"))
        return load_document(f"{self.path}@{ref}", text.encode("utf-8"), commit=sha)

    def write(self, doc: Document, new_text: str, message: str) -> str:
        from ..manifest.verify import blob_sha

        assert doc.commit is not None and self.target is not None
        old = self.gh.branch_sha(self.target)
        current = old is not None and self.gh.parent(old) == doc.commit and self.gh.read_file(self.path, old) == new_text
        if current:
            self.head, self.rebuilt = old, False
        else:
            self.head = self.gh.commit_file(doc.commit, self.path, new_text, message)
            self.gh.set_branch(self.target, self.head)
            self.rebuilt = True
        return blob_sha(new_text.encode("utf-8"))


def valid_manifest(text: str, where: str) -> Manifest:
    """The manifest in ``text``, which must validate (MP714, exit 1: fix it on that branch first)."""
    from ..manifest.load import load_text

    loaded = load_text(text, where)
    if not loaded.ok or loaded.manifest is None:
        raise CheckFailed([*loaded.findings, Finding("MP714", f"{where} does not validate", where, hint="fix it first")])
    return loaded.manifest
