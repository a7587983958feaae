"""Run this repository's workflows for real with act, offline, against the GitHub emulator.

act runs in host mode (``-P ubuntu-latest=-self-hosted``: steps run as processes here, no
Docker).  Nothing is fetched: the workflows call the actions by local path, act skips
``actions/checkout`` for the local repository, and the pinned ``actions/setup-python`` and
``actions/cache`` resolve (``--local-repository``) to stand-ins in tests/act/stubs that fail if
they run, which they must not: the act runs set the ``cli`` input through the repository
variable MODELPROMOTE_CLI, or ``setup-python``/``cache`` to false.

act's notice check (a call home) is disabled with ACT_DISABLE_VERSION_CHECK.  Each sandbox is a throw-away copy of the repository's workflow-relevant files in a temp git
repository (the checkout is never touched), a bare clone of it that the in-process emulator
serves as acme/models, and a private HOME for act.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelpromote.sandbox.emulator import GitHubEmulator

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STUBS = ROOT / "tests" / "act" / "stubs"
COPY = [".github", "actions", "models", "src", "pyproject.toml", "README.md", "LICENSE"]
PIN = re.compile(r"uses:\s+(actions/(setup-python|cache))@([0-9a-f]{40})")
GIT_ID = {
    "GIT_AUTHOR_NAME": "act tests",
    "GIT_AUTHOR_EMAIL": "act@example.invalid",
    "GIT_COMMITTER_NAME": "act tests",
    "GIT_COMMITTER_EMAIL": "act@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ID}
    r = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return r.stdout.strip()


@dataclass
class ActRun:
    returncode: int
    output: str

    def step_ok(self, name: str) -> bool:
        return f"Success - Main {name}" in self.output

    def step_failed(self, name: str) -> bool:
        return f"Failure - Main {name}" in self.output

    def job_ok(self, name: str) -> bool:
        # act pads job names to one width: "[Workflow/eval         ] 🏁  Job succeeded"
        return re.search(rf"/{re.escape(name)} *\] 🏁  Job succeeded", self.output) is not None

    def job_failed(self, name: str) -> bool:
        return re.search(rf"/{re.escape(name)} *\] 🏁  Job failed", self.output) is not None


@dataclass
class Sandbox:
    work: Path
    bare: Path
    home: Path
    emu: GitHubEmulator
    runs: list[ActRun] = field(default_factory=list)

    @property
    def api(self) -> str:
        return self.emu.url

    def request(self, method: str, path: str, body: Any = None, login: str = "octocat") -> Any:
        """Call the emulator's REST API as a user (for assertions and for a reviewer's approval)."""
        import urllib.request

        req = urllib.request.Request(
            self.api + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.emu.token(login)}", "Accept": "application/vnd.github+json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def checkout(self, branch: str) -> str:
        """Make the work tree the emulator's ``branch`` (what act's checkout then copies); returns its SHA."""
        git(self.work, "fetch", "-q", str(self.bare), "+refs/heads/*:refs/remotes/emu/*")
        git(self.work, "checkout", "-q", "-B", branch.replace("/", "-"), f"emu/{branch}")
        return git(self.work, "rev-parse", "HEAD")

    def sync(self) -> str:
        """Make the work tree what the emulator's main is (after a merge); returns its SHA."""
        git(self.work, "fetch", "-q", str(self.bare), "+refs/heads/*:refs/remotes/emu/*")
        git(self.work, "reset", "-q", "--hard", "emu/main")
        return git(self.work, "rev-parse", "HEAD")

    def act(
        self,
        workflow: str,
        event: str,
        payload: dict[str, Any],
        *,
        secrets: dict[str, str] | None = None,
        variables: dict[str, str] | None = None,
        job: str | None = None,
        timeout: int = 300,
    ) -> ActRun:
        n = len(self.runs)
        event_path = self.home / f"event-{n}.json"
        event_path.write_text(json.dumps(payload))
        args = [
            str(BIN / "act"),
            event,
            "-W",
            f".github/workflows/{workflow}",
            "-e",
            str(event_path),
            "-P",
            "ubuntu-latest=-self-hosted",
            "--action-offline-mode",
            "--action-cache-path",
            str(self.home / "act-cache"),
            "--no-cache-server",
            "--defaultbranch",
            "main",
            "--env",
            f"GITHUB_API_URL={self.api}",
        ]
        for name, stub in local_repositories().items():
            args += ["--local-repository", f"{name}={stub}"]
        # A runner always has a GITHUB_TOKEN (act: the secret of that name becomes github.token).
        for key, value in {"GITHUB_TOKEN": self.emu.token("octocat"), **(secrets or {})}.items():
            args += ["-s", f"{key}={value}"]
        for key, value in (variables or {}).items():
            args += ["--var", f"{key}={value}"]
        if job:
            args += ["-j", job]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.home / "tmp"),
            # act otherwise asks api.nektosact.com for notices: the runs stay on this machine.
            "ACT_DISABLE_VERSION_CHECK": "1",
            **GIT_ID,
        }
        (self.home / "tmp").mkdir(exist_ok=True)
        r = subprocess.run(args, cwd=self.work, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        run = ActRun(r.returncode, r.stdout + r.stderr)
        self.runs.append(run)
        return run


def local_repositories() -> dict[str, Path]:
    """The pinned third-party actions, each mapped to its offline stand-in."""
    found: dict[str, Path] = {}
    for path in [*(ROOT / "actions").glob("*/action.yml"), *(ROOT / ".github" / "workflows").glob("*.yml")]:
        for full, short, sha in PIN.findall(path.read_text()):
            found[f"{full}@{sha}"] = STUBS / short
    return found


def make_sandbox(
    tmp: Path,
    *,
    users: dict[str, str] | None = None,
    teams: dict[str, list[str]] | None = None,
    files: dict[str, Path] | None = None,
) -> Sandbox:
    """``files`` maps a path in the sandbox repository to a file to put there (over the copy)."""
    work, bare, home = tmp / "work", tmp / "origin.git", tmp / "home"
    work.mkdir()
    home.mkdir()
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, work / name)
    for dest, src in (files or {}).items():
        (work / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, work / dest)
    git(work, "init", "-q", "-b", "main")
    # act names the repository after the origin remote; it is never contacted.
    git(work, "remote", "add", "origin", "https://github.com/acme/models.git")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "initial")
    git(tmp, "clone", "-q", "--bare", str(work), str(bare))
    emu = GitHubEmulator(bare, users=users or {"octocat": "ghp_sandbox_octocat"}, teams=teams or {}, record=False).start()
    return Sandbox(work, bare, home, emu)
