"""A thin, typed wrapper over the `git` CLI for the emulator: objects, refs, trees, merges.

The emulator keeps no copy of repository content: every blob, tree, commit and branch lives in a
real bare repository, so what a test pushes with `git push` and what PyGithub writes through the
git data API are the same objects, and a merge really merges (``git merge-tree``).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ZERO = "0" * 40


class GitError(Exception):
    pass


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    type: str
    sha: str
    path: str
    size: int | None = None


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    date: str  # "<unix seconds> <+hhmm>", git's raw form


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str


@dataclass(frozen=True)
class FileChange:
    status: str  # added | modified | removed | renamed
    path: str
    additions: int
    deletions: int
    sha: str  # blob sha at head (zeros when removed)


class GitRepo:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def run(self, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, check: bool = True) -> bytes:
        full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
        proc = subprocess.run(["git", "--git-dir", str(self.path), *args], input=input, capture_output=True, env=full_env, check=False)
        if check and proc.returncode != 0:
            raise GitError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
        return proc.stdout

    # -- refs ----------------------------------------------------------------------------------

    def rev_parse(self, rev: str) -> str | None:
        out = self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False).decode().strip()
        return out or None

    def object_type(self, sha: str) -> str | None:
        out = self.run("cat-file", "-t", sha, check=False).decode().strip()
        return out or None

    def refs(self, prefix: str = "refs/") -> dict[str, str]:
        out = self.run("for-each-ref", "--format=%(refname) %(objectname)", prefix).decode()
        return {name: sha for name, _, sha in (line.partition(" ") for line in out.splitlines() if line)}

    def update_ref(self, ref: str, sha: str, old: str | None = None) -> None:
        self.run("update-ref", ref, sha, *([old] if old else []))

    def delete_ref(self, ref: str) -> None:
        self.run("update-ref", "-d", ref)

    # -- objects -------------------------------------------------------------------------------

    def write_blob(self, data: bytes) -> str:
        return self.run("hash-object", "-w", "--stdin", input=data).decode().strip()

    def read_object(self, sha: str) -> bytes:
        kind = self.object_type(sha)
        if kind is None:
            raise GitError(f"no object {sha}")
        return self.run("cat-file", kind, sha)

    def read_file(self, rev: str, path: str) -> tuple[str, bytes] | None:
        """(blob sha, content) of ``path`` at ``rev``, or None when it is not a file there."""
        line = self.run("ls-tree", "-l", rev, "--", path, check=False).decode()
        if not line.strip():
            return None
        meta, _, _ = line.partition("\t")
        _mode, kind, sha, _size = meta.split()
        if kind != "blob":
            return None
        return sha, self.run("cat-file", "blob", sha)

    def ls_tree(self, tree: str, recursive: bool = False) -> list[TreeEntry]:
        out = self.run("ls-tree", "-l", *(["-r", "-t"] if recursive else []), tree).decode()
        entries = []
        for line in out.splitlines():
            meta, _, path = line.partition("\t")
            mode, kind, sha, size = meta.split()
            entries.append(TreeEntry(mode, kind, sha, path, None if size == "-" else int(size)))
        return entries

    def build_tree(self, base_tree: str | None, entries: list[tuple[str, str, str | None]]) -> str:
        """Apply (path, mode, sha|None) to ``base_tree``; nested paths create subtrees, None deletes."""
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if base_tree:
                self.run("read-tree", base_tree, env=env)
            else:
                self.run("read-tree", "--empty", env=env)
            for path, mode, sha in entries:
                if sha is None:
                    self.run("update-index", "--force-remove", "--", path, env=env)
                else:
                    self.run("update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}", env=env)
            return self.run("write-tree", env=env).decode().strip()

    def commit_tree(self, tree: str, parents: list[str], message: str, author: Person, committer: Person) -> str:
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_AUTHOR_DATE": author.date,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
            "GIT_COMMITTER_DATE": committer.date,
        }
        args = ["commit-tree", tree]
        for p in parents:
            args += ["-p", p]
        return self.run(*args, input=message.encode(), env=env).decode().strip()

    def read_commit(self, sha: str) -> Commit:
        raw = self.run("cat-file", "commit", sha).decode(errors="replace")
        header, _, message = raw.partition("\n\n")
        tree, parents, people = "", [], {}
        for line in header.splitlines():
            key, _, value = line.partition(" ")
            if key == "tree":
                tree = value
            elif key == "parent":
                parents.append(value)
            elif key in ("author", "committer"):
                name, _, rest = value.partition(" <")
                email, _, date = rest.partition("> ")
                people[key] = Person(name, email, date)
        return Commit(sha, tree, tuple(parents), people["author"], people["committer"], message)

    # -- history and merges --------------------------------------------------------------------

    def merge_base(self, a: str, b: str) -> str | None:
        out = self.run("merge-base", a, b, check=False).decode().strip()
        return out or None

    def is_ancestor(self, a: str, b: str) -> bool:
        return (
            subprocess.run(["git", "--git-dir", str(self.path), "merge-base", "--is-ancestor", a, b], capture_output=True).returncode == 0
        )

    def count_commits(self, base: str, head: str) -> int:
        return int(self.run("rev-list", "--count", f"{base}..{head}").decode().strip() or 0)

    def merge_tree(self, base: str, head: str) -> str | None:
        """The merged tree of two commits, or None when they conflict."""
        proc = subprocess.run(
            ["git", "--git-dir", str(self.path), "merge-tree", "--write-tree", "--no-messages", base, head],
            capture_output=True,
            env={**os.environ, "LC_ALL": "C"},
        )
        if proc.returncode == 1:
            return None
        if proc.returncode != 0:
            raise GitError(proc.stderr.decode(errors="replace").strip())
        return proc.stdout.decode().splitlines()[0].strip()

    def diff(self, base: str, head: str) -> list[FileChange]:
        """Files changed from the merge base of ``base`` and ``head`` to ``head`` (what a PR shows)."""
        mb = self.merge_base(base, head) or base
        numstat = self.run("diff", "--numstat", "-z", "--no-renames", mb, head).decode().split("\0")
        stats: dict[str, tuple[int, int]] = {}
        for item in numstat:
            if not item.strip():
                continue
            add, dele, path = item.split("\t", 2)
            stats[path] = (int(add) if add.isdigit() else 0, int(dele) if dele.isdigit() else 0)
        raw = self.run("diff", "--raw", "-z", "--no-renames", "--no-abbrev", mb, head).decode().split("\0")
        changes = []
        for meta, path in zip(raw[0::2], raw[1::2], strict=False):
            if not meta:
                continue
            parts = meta.lstrip(":").split()
            status = {"A": "added", "D": "removed", "M": "modified"}.get(parts[4][0], "changed")
            n_add, n_del = stats.get(path, (0, 0))
            changes.append(FileChange(status, path, n_add, n_del, parts[3]))
        return changes

    def patch(self, base: str, head: str, path: str) -> str:
        mb = self.merge_base(base, head) or base
        out = self.run("diff", "--no-renames", mb, head, "--", path).decode(errors="replace")
        # GitHub's `patch` field starts at the first hunk.
        idx = out.find("\n@@")
        return out[idx + 1 :] if idx >= 0 else ""


def init_bare(
    path: str | os.PathLike[str], files: Mapping[str, str | bytes], *, branch: str = "main", message: str = "initial commit"
) -> GitRepo:
    """Create a bare repository at ``path`` whose ``branch`` holds ``files`` in one commit."""
    Path(path).mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "--bare", "-q", "-b", branch, str(path)], check=True, capture_output=True)
    repo = GitRepo(path)
    entries: list[tuple[str, str, str | None]] = []
    for name, content in sorted(files.items()):
        data = content.encode() if isinstance(content, str) else content
        entries.append((name, "100644", repo.write_blob(data)))
    tree = repo.build_tree(None, entries)
    who = Person("modelpromote sandbox", "sandbox@modelpromote.invalid", "1767225600 +0000")
    sha = repo.commit_tree(tree, [], message, who, who)
    repo.update_ref(f"refs/heads/{branch}", sha)
    return repo
