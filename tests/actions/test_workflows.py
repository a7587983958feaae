"""The workflows and composite actions pass the linters CI runs, with zero findings.

zizmor (offline, security), actionlint (syntax, expressions, shellcheck over every ``run:``),
check-jsonschema with its vendored GitHub schemas, and shellcheck over the actions' helper
scripts.  Each linter is also shown a known-bad file, so a linter that silently checks nothing
(a wrong path, a config that disables everything) fails here too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT

BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / "actions").glob("*/action.yml"))

# A classic script injection: an input pasted into run:.
BAD_WORKFLOW = """\
name: bad
on:
  workflow_dispatch:
    inputs:
      version: {type: string, required: true}
permissions: write-all
jobs:
  bad:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ inputs.version }}" && echo $UNQUOTED
"""


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed in {BIN}; run scripts/setup"
    return str(path)


def shellcheck() -> str:
    path = shutil.which("shellcheck")
    assert path, "shellcheck is not on PATH; scripts/setup installs it (Debian package shellcheck)"
    return path


def run(args: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def test_the_files_exist() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"promote-model.yml", "promotion-gate.yml", "deploy-on-merge.yml", "health.yml", "ci.yml"} <= names
    verbs = {p.parent.name for p in ACTIONS}
    assert {"validate", "eval", "promote", "gate", "deploy", "health", "drift"} <= verbs


def test_zizmor_offline_finds_nothing() -> None:
    r = run([tool("zizmor"), "--offline", "--config", ".github/zizmor.yml", ".github/", "actions/"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No findings to report" in r.stdout + r.stderr


def test_zizmor_flags_an_injection(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    r = run([tool("zizmor"), "--offline", "--config", str(ROOT / ".github" / "zizmor.yml"), str(bad)])
    assert r.returncode != 0
    assert "template-injection" in r.stdout
    assert "unpinned-uses" in r.stdout


def test_actionlint_with_shellcheck_finds_nothing() -> None:
    shellcheck()
    r = run([tool("actionlint"), "-verbose"])
    assert r.returncode == 0, r.stdout + r.stderr
    # actionlint silently skips shellcheck when it is missing; make sure it ran.
    assert 'Rule "shellcheck" was disabled' not in r.stderr


def test_actionlint_flags_an_unquoted_variable(tmp_path: Path) -> None:
    shellcheck()
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    r = run([tool("actionlint"), str(bad)], cwd=tmp_path)
    assert r.returncode == 1
    assert "SC2086" in r.stdout  # shellcheck: double quote to prevent globbing and word splitting


def test_workflows_match_the_vendored_schema() -> None:
    r = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_actions_match_the_vendored_schema() -> None:
    r = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", *map(str, ACTIONS)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_schema_check_rejects_a_broken_action(tmp_path: Path) -> None:
    bad = tmp_path / "action.yml"
    bad.write_text("name: x\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n")  # no description, no shell
    r = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(bad)])
    assert r.returncode == 1


def test_action_helper_scripts_pass_shellcheck() -> None:
    scripts = sorted((ROOT / "actions" / "_lib").glob("*.sh"))
    assert scripts
    r = run([shellcheck(), "-s", "bash", *map(str, scripts)])
    assert r.returncode == 0, r.stdout + r.stderr


def test_action_run_blocks_pass_shellcheck(tmp_path: Path) -> None:
    """actionlint runs shellcheck over workflows only; the composite actions' run: blocks get it here."""
    import yaml

    scripts = []
    for path in ACTIONS:
        for i, step in enumerate(yaml.safe_load(path.read_text())["runs"]["steps"]):
            if "run" in step:
                script = tmp_path / f"{path.parent.name}-{i}.sh"
                script.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"])
                scripts.append(str(script))
    assert len(scripts) >= 2 * len(ACTIONS)
    r = run([shellcheck(), "-s", "bash", *scripts])
    assert r.returncode == 0, r.stdout + r.stderr
