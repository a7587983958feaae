"""Where the manifest lives, and the one way every use case changes it.

A :class:`ManifestStore` reads the manifest as a :class:`Document` (text, raw bytes, git blob
sha, validated load) and writes a new text *only if the stored one is still the one read*
(compare-and-swap on the blob sha).  Two stores:

* :class:`LocalStore`: a file.  A session holds an exclusive lock (``fcntl.flock`` on the file's
  directory), so concurrent local writers queue instead of overwriting each other's edits, and
  ``--expect-sha`` is checked under that lock.  The write is atomic (temp file + rename).
* :class:`BranchStore` (in :mod:`modelpromote.app.github_store`): the manifest on a GitHub branch;
  a write is one commit on the read commit, pushed to a target branch.

:func:`commit_changes` is the transaction every writer goes through: typed changes -> splices ->
proof that the result validates -> write, or a dry run that shows the diff.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ..errors import CheckFailed, Finding, InputError, ModelpromoteError
from ..manifest.changes import Change
from ..manifest.load import Loaded
from ..manifest.schema import Manifest
from ..manifest.source import Source

T = TypeVar("T")
BOM = b"\xef\xbb\xbf"


@dataclass
class Document:
    """The manifest as read for a decision: where, its bytes and their git blob sha, the validated load."""

    where: str
    raw: bytes
    sha: str
    loaded: Loaded
    commit: str | None = None  # a branch store: the commit it was read at

    @property
    def manifest(self) -> Manifest:
        assert self.loaded.manifest is not None
        return self.loaded.manifest

    @property
    def source(self) -> Source:
        return self.loaded.source

    @property
    def text(self) -> str:
        return self.loaded.source.text

    def encode(self, text: str) -> bytes:
        """``text`` as this document stores it (a byte-order mark it had is kept)."""
        return (BOM if self.raw.startswith(BOM) else b"") + text.encode("utf-8")


class ManifestStore(Protocol):
    @property
    def where(self) -> str: ...

    def session(self) -> contextlib.AbstractContextManager[None]:
        """Hold whatever keeps other writers out between :meth:`read` and :meth:`write`."""

    def read(self) -> Document: ...

    def write(self, doc: Document, new_text: str, message: str) -> str:
        """Store ``new_text`` if the stored manifest is still ``doc``; the new blob sha.  MP411 otherwise."""


def load_document(where: str, raw: bytes, *, commit: str | None = None, must_validate: bool = True) -> Document:
    """Decode and load ``raw``; refuse (MP418, exit 1) a manifest that does not validate."""
    from ..manifest.load import load_from_source
    from ..manifest.raw import decode
    from ..manifest.source import parse
    from ..manifest.verify import blob_sha

    loaded = load_from_source(parse(decode(raw, where), where))
    if must_validate and not loaded.ok:
        raise CheckFailed([*loaded.findings, Finding("MP418", f"{where} does not validate; refusing to act on it", where)])
    return Document(where, raw, blob_sha(raw), loaded, commit)


@dataclass(frozen=True)
class Valid:
    """A manifest file that validated, for a reader: the model, its source positions, its prompt texts."""

    manifest: Manifest
    source: Source
    prompts: dict[tuple[str, int], str]


def load_valid(path: str) -> Valid:
    """Load the manifest file at ``path``; one that does not validate stops with its findings (MP103, exit 1)."""
    from ..manifest.load import load_manifest

    loaded = load_manifest(path)
    if loaded.manifest is None or not loaded.ok:
        hint = f"run `modelpromote validate {path}`"
        raise CheckFailed([*loaded.findings, Finding("MP103", "the manifest does not validate; fix it first", path, hint=hint)])
    return Valid(loaded.manifest, loaded.source, loaded.prompts)


def check_expected_sha(where: str, sha: str, expect_sha: str | None) -> None:
    """``--expect-sha``: the decision was made on exactly these bytes (a prefix of the blob sha, 7-40 hex)."""
    import re

    if expect_sha is None:
        return
    want = expect_sha.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{7,40}", want):
        raise InputError(Finding("MP302", f"--expect-sha {expect_sha!r} is not a git sha (7-40 hex digits)"))
    if not sha.startswith(want):
        raise CheckFailed(Finding("MP411", f"{where} changed since the decision was made: its blob sha is {sha}, not {want}", where))


@dataclass
class LocalStore:
    """The manifest file at ``path``; ``for_write=False`` (dry runs) takes no lock and needs no write access."""

    path: str
    expect_sha: str | None = None
    for_write: bool = True
    _locked: bool = field(default=False, init=False, repr=False)

    @property
    def where(self) -> str:
        return self.path

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        if not self.for_write:
            yield
            return
        import fcntl

        # The lock is on the manifest's directory: a lock file would show up in `git status`, and the
        # file itself is replaced by every atomic write (a lock on the old inode protects nothing).
        directory = os.path.dirname(os.path.realpath(self.path))
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError as exc:
            raise InputError(Finding("MP011", f"cannot lock {self.path} (its directory): {exc.strerror}", self.path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._locked = True
            yield
        finally:
            self._locked = False
            os.close(fd)  # closing releases the lock

    def read(self) -> Document:
        from ..manifest.raw import read_bytes
        from ..manifest.verify import blob_sha

        raw = read_bytes(self.path)  # missing / directory / too large: located InputErrors
        # Mode bits too: root may write anywhere, but a file without write bits is read-only on purpose.
        if self.for_write and (not os.access(self.path, os.W_OK) or not os.stat(self.path).st_mode & 0o222):
            hint = "make it writable (chmod u+w), or pass --dry-run"
            raise InputError(Finding("MP011", f"{self.path} is read-only", self.path, hint=hint))
        # --expect-sha before loading: a stale decision is refused even when the file no longer validates.
        check_expected_sha(self.path, blob_sha(raw), self.expect_sha)
        return load_document(self.path, raw)

    def write(self, doc: Document, new_text: str, message: str) -> str:
        from ..manifest.verify import blob_sha
        from ..providers.files import write_atomic

        del message  # a file has no commit message; git records the change when it is committed
        if not self._locked:
            raise RuntimeError("LocalStore.write outside a session")
        # Under the lock nobody using modelpromote can have changed it; a text editor still can.
        if self._raw() != doc.raw:
            raise CheckFailed(Finding("MP411", f"{doc.where} changed while this command ran; nothing was written", doc.where))
        new_raw = doc.encode(new_text)
        write_atomic(self.path, new_raw.decode("utf-8"))
        return blob_sha(new_raw)

    def _raw(self) -> bytes:
        try:
            with open(self.path, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise InputError(Finding("MP010", f"{self.path}: {exc.strerror}", self.path)) from None


# -- the transaction ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteResult:
    """What a writer did (or, in a dry run, would do) to the manifest."""

    where: str
    changed: bool
    dry_run: bool
    sha_before: str
    sha_after: str
    diff: str
    summary: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"ok": True, "changed": self.changed, "dry_run": self.dry_run, "file": self.where, "sha_before": self.sha_before,
                "sha_after": self.sha_after, "message": self.summary, "diff": self.diff, **self.extra}


def unchanged(doc: Document, summary: str, extra: dict[str, Any] | None = None) -> WriteResult:
    return WriteResult(doc.where, False, False, doc.sha, doc.sha, "", summary, extra or {})


def commit_changes(
    store: ManifestStore, doc: Document, todo: Sequence[Change], *, dry_run: bool, summary: str, extra: dict[str, Any] | None = None
) -> WriteResult:
    """Splice ``todo`` into ``doc``, prove the result validates, write it (unless ``dry_run``)."""
    from ..manifest.changes import edits
    from ..manifest.verify import blob_sha, verify_edit
    from ..manifest.yaml_splice import edit_diff, splice

    spliced = guard_layout(lambda: edits(doc.source, todo))
    new_text = splice(doc.text, spliced)
    after = verify_edit(doc.loaded, new_text, spliced)
    if not after.ok:
        raise CheckFailed([*after.findings, Finding("MP412", f"the edit would leave {doc.where} invalid; nothing was written", doc.where)])
    diff = edit_diff(doc.text, spliced, doc.where)
    new_sha = blob_sha(doc.encode(new_text))
    if not dry_run:
        new_sha = store.write(doc, new_text, summary)
    return WriteResult(doc.where, True, dry_run, doc.sha, new_sha, diff, summary, extra or {})


def guard_layout(fn: Callable[[], T]) -> T:
    """A layout the editor cannot handle (an alias where a value goes, say) is a finding, exit 1."""
    from ..manifest.yaml_splice import EditError

    try:
        return fn()
    except EditError as exc:
        raise CheckFailed(exc.finding) from None


def located(where: str, fn: Callable[[], T]) -> T:
    """Run a policy call; its refusals name no file, so point them at the manifest."""
    import dataclasses

    try:
        return fn()
    except ModelpromoteError as exc:
        exc.findings = [f if f.file else dataclasses.replace(f, file=where) for f in exc.findings]
        raise
