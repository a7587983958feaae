"""Docs that run: every `modelpromote ...` command in README.md and docs/*.md code blocks is executed.

Each document runs in its own sandbox: a copy of the example registry (`models/`), the test data,
and the files the docs name (results.json, metrics.json, ...).  Commands run in document order,
so a release in one block is there for the finalize in the next.  Which commands run:

* ``console`` blocks: every ``$ ...`` line (other shell lines too, e.g. ``cp``), its continuation
  lines, and the output shown below it: output with REFUSED / BLOCKED / FAIL / ``error MP`` means
  the command is expected to exit 1, anything else 0;
* ``bash`` / ``sh`` / ``shell`` blocks: every line starting with ``modelpromote``, expected to exit 0;
* a trailing ``# needs: github`` runs the command against the GitHub emulator serving the example
  as acme/models (GitHub verbs -- pr, gate, deploy, drift, health --github, init
  --record-deployments -- always do); ``# needs: nothing`` runs it in an empty directory;
  ``# exit: N`` expects exit code N.

Placeholders a reader replaces (``<64 hex>``, ``$BEFORE_SHA``, ``URL``) are replaced by real values
(:data:`PLACEHOLDERS`).  A command that exits otherwise than expected, or prints a traceback,
fails this test: a doc example that fails fails CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import init_bare
from tests.support.github import TEAMS, USERS, cli_env
from tests.support.paths import DATA, EXAMPLE, MANIFEST, ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
GITHUB_VERBS = ("pr", "gate", "deploy", "drift")
DIGEST = "sha256:" + "ab" * 32
SHA = "0123456789abcdef0123456789abcdef01234567"
REFUSAL = re.compile(r"REFUSED|BLOCKED|\bFAIL\b|error MP\d{3}|drift: [1-9]\d* mismatch")

# README.md is the lead's: commands there that fail on the example are listed here with the fix
# proposed to the lead (strict: once README is fixed, the entry must go).
README_KNOWN: dict[str, str] = {}  # command (as written) -> why it fails and the README text proposed


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str
    expect: int
    needs: str  # "example" | "github" | "nothing"

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _marker(text: str) -> tuple[str, dict[str, str]]:
    comment = re.search(r"\s#(?!\{).*$", text)
    marks = dict(re.findall(r"\b(needs|exit):\s*([\w-]+)", comment[0])) if comment else {}
    return re.sub(r"\s+#(?!\{).*$", "", text).strip(), marks


def extract(path: Path) -> list[Command]:
    out: list[Command] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    rel = str(path.relative_to(ROOT))
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)", lines[i])
        if not m:
            i += 1
            continue
        lang = m[1]
        j = i + 1
        block: list[tuple[int, str]] = []
        while j < len(lines) and not lines[j].startswith("```"):
            block.append((j + 1, lines[j]))
            j += 1
        i = j + 1
        if lang not in ("console", "bash", "sh", "shell"):
            continue
        k = 0
        while k < len(block):
            lineno, raw = block[k]
            s = raw.strip()
            if lang == "console":
                if not s.startswith("$ "):
                    k += 1
                    continue
                s = s[2:]
            elif not s.startswith("modelpromote"):
                k += 1
                continue
            while s.endswith("\\") and k + 1 < len(block):
                k += 1
                s = s[:-1].rstrip() + " " + block[k][1].strip()
            k += 1
            shown = []
            while lang == "console" and k < len(block) and not block[k][1].strip().startswith("$ "):
                shown.append(block[k][1])
                k += 1
            cmd, marks = _marker(s)
            vm = re.search(r"\bmodelpromote (\w+)", cmd)
            verb = vm[1] if vm else ""
            needs = marks.get("needs") or (
                "github" if verb in GITHUB_VERBS or "--github" in cmd or "--record-deployments" in cmd else "example"
            )
            expect = int(marks["exit"]) if "exit" in marks else (1 if REFUSAL.search("\n".join(shown)) else 0)
            out.append(Command(rel, lineno, cmd, expect, needs))
    return out


COMMANDS = [c for d in DOCS for c in extract(d)]
PLACEHOLDERS: list[tuple[str, str]] = [
    (r"sha256:<64 hex>", DIGEST),
    (r"<40-hex SHA of v[\d.]+>", SHA),
    (r'"\$BEFORE_SHA"|"\$\{\{ github\.event\.before \}\}"', "{before}"),
    (r'"\$AFTER_SHA"|"\$GITHUB_SHA"|"\$\{\{ github\.sha \}\}"', "{after}"),
    (r"--webhook-url \S+", ""),  # no receiver here: GitHub Deployments only
    (r"--report URL\b", "--report https://ci.example/run/1"),
    (r"--pr 42\b", "--pr {pr}"),
    (r"--prometheus http://prometheus[^\s]*", "--metrics-json metrics.json"),
    (r"/tmp/", "{tmp}/"),
    (r"\bGITHUB_TOKEN=\.\.\.\s+", ""),
]


def _fixtures(root: Path) -> None:
    shutil.copytree(EXAMPLE.parent, root / "models")
    shutil.copytree(DATA, root / "tests" / "data")
    (root / "tmp").mkdir()
    docs = [
        ("results.json", "customer-support", "claude-3-5-sonnet-v1.3.0", "production", 190),
        ("prod.json", "customer-support", "claude-3-5-sonnet-v1.2.3", None, 170),
        ("eval-report.json", "code-generator", "claude-opus-v4.0.0", "staging", 190),
    ]
    for name, model, version, env, ok in docs:
        doc = {"format": "modelpromote-eval", "version": 1, "model": model, "model_version": version, "env": env}
        doc["metrics"] = {"accuracy": {"successes": ok, "total": 200}}
        (root / name).write_text(json.dumps(doc))
    shutil.copy(root / "prod.json", root / "prod-results.json")
    (root / "logs").mkdir()
    shutil.copy(DATA / "eval" / "inspect-deflate.eval", root / "logs" / "run.eval")
    shutil.copy(DATA / "eval" / "inspect-deflate.eval", root / "logs" / "2026-05-20_support.eval")
    tests = "".join(f'<testcase classname="suite" name="q{i}" time="0.01"/>' for i in range(100))
    (root / "report.xml").write_text(f'<testsuites><testsuite name="eval" tests="100">{tests}</testsuite></testsuites>')
    shutil.copy(root / "results.json", root / "promptfoo-results.json")  # the command line is under test here, not the format
    shutil.copy(root / "results.json", root / "gate.json")
    v4 = (EXAMPLE.parent / "prompts" / "customer-support" / "v4.md").read_text()
    (root / "new-prompt.md").write_text(v4.split("\n\n")[0] + "\nAnswer in two sentences at most.\n")
    health = (ROOT / "docs" / "health.md").read_text()
    block = re.search(r"```json\n(\{\"observations\".*?)\n```", health, re.S)
    assert block, "docs/health.md lost its metrics JSON example"
    (root / "metrics.json").write_text(block[1])
    broken = EXAMPLE.read_text().replace("allow_prerelease: false", "allow_prerelase: false", 1)
    (root / "broken.yaml").write_text(broken)


@dataclass
class DocSandbox:
    root: Path
    env: dict[str, str]
    gh: GitHubEmulator | None = None
    pr: int = 1

    def github(self) -> dict[str, str]:
        if self.gh is None:
            # The registry as this document left it, adopted (`modelpromote init`, docs/adopt.md) and pushed.
            init = ["modelpromote", "init", "--no-workflows", "--now", "2026-06-01T00:00:00Z", "--by", "alice"]
            subprocess.run(init, cwd=self.root, env=self.env, check=True, capture_output=True)
            bare = self.root.parent / "models.git"
            init_bare(bare, {MANIFEST: (self.root / MANIFEST).read_text(encoding="utf-8"), "README.md": "registry\n"})
            self.gh = GitHubEmulator(bare, users=USERS, teams=TEAMS)
            self.gh.start()
        return {**self.env, **cli_env(self.gh, "alice", MODELPROMOTE_GITHUB_RETRIES="1", GITHUB_ACTOR="alice")}

    def run(self, c: Command) -> subprocess.CompletedProcess[str]:
        text = c.text
        for pat, rep in PLACEHOLDERS:
            text = re.sub(pat, rep, text)
        env = self.env
        cwd = self.root
        if c.needs == "github":
            env = self.github()
            assert self.gh is not None
            sha = subprocess.run(
                ["git", "rev-parse", "main"], cwd=self.root.parent / "models.git", capture_output=True, text=True
            ).stdout.strip()
            text = text.replace("{before}", "0" * 40).replace("{after}", sha)
        elif c.needs == "nothing":
            cwd = self.root / "empty"
            cwd.mkdir(exist_ok=True)
        text = text.replace("{pr}", str(self.pr)).replace("{tmp}", str(self.root / "tmp"))
        return subprocess.run(["bash", "-c", text], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DocSandbox]]:
    made: dict[str, DocSandbox] = {}
    yield made
    for sb in made.values():
        if sb.gh is not None:
            sb.gh.stop()


def sandbox_for(doc: str, made: dict[str, DocSandbox], tmp_path_factory: pytest.TempPathFactory) -> DocSandbox:
    if doc not in made:
        root = tmp_path_factory.mktemp(doc.replace("/", "_")) / "repo"
        root.mkdir()
        _fixtures(root)
        env = {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(root),
            "LANG": "C.UTF-8",
            "GITHUB_ACTIONS": "",
            "GITHUB_ACTOR": "alice",
            "MODELPROMOTE_WEBHOOK_SECRET": "s3cret",
        }
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        made[doc] = DocSandbox(root, env)
    return made[doc]


def test_the_docs_have_commands() -> None:
    assert len(COMMANDS) >= 40
    assert {c.doc for c in COMMANDS} >= {"README.md", "docs/promotion.md", "docs/eval.md", "docs/adopt.md"}


@pytest.mark.parametrize("c", COMMANDS, ids=lambda c: c.id)
def test_doc_command_runs(
    c: Command, sandboxes: dict[str, DocSandbox], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    if c.doc == "README.md" and c.text in README_KNOWN:  # strict: once README.md is fixed this passes, and the entry must go
        request.applymarker(pytest.mark.xfail(strict=True, reason=README_KNOWN[c.text]))
    sb = sandbox_for(c.doc, sandboxes, tmp_path_factory)
    p = sb.run(c)
    out = p.stdout + p.stderr
    if c.text.startswith("modelpromote pr") and p.returncode == 0:
        m = re.search(r"#(\d+)", out)
        sb.pr = int(m[1]) if m else sb.pr
    assert "Traceback" not in out, out
    assert p.returncode == c.expect, f"{c.id}: `{c.text}` exited {p.returncode}, the doc implies {c.expect}\n{out[-3000:]}"
