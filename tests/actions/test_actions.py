"""What a repository adopting the composite actions relies on, checked on the files themselves.

Every input and output is documented; inputs reach scripts only through ``env:`` (never an
expression pasted into ``run:``); third-party actions are pinned by full commit SHA; each action
calls exactly one modelpromote verb with flags that verb really has; the install helper refuses
a bad ``cli`` or an old Python with a clear message.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.paths import ROOT

ACTION_VERB = {
    "validate": "validate",
    "eval": "eval",
    "promote": "pr",
    "gate": "gate",
    "deploy": "deploy",
    "health": "health",
    "drift": "drift",
}
COMMON_INPUTS = {"setup-python", "python-version", "cache", "cli"}
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+\s*$")
MODELPROMOTE = str(Path(sys.executable).parent / "modelpromote")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def action(name: str) -> dict[str, Any]:
    return load(ROOT / "actions" / name / "action.yml")


def all_yaml() -> list[Path]:
    return sorted([*(ROOT / "actions").glob("*/action.yml"), *(ROOT / ".github" / "workflows").glob("*.yml")])


def steps_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        return list(doc["runs"]["steps"])
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


@pytest.mark.parametrize("name", sorted(ACTION_VERB))
def test_every_input_and_output_is_documented(name: str) -> None:
    doc = action(name)
    assert doc["runs"]["using"] == "composite"
    assert doc.get("description")
    assert set(doc["inputs"]) >= COMMON_INPUTS, f"actions/{name} lacks the common inputs"
    for key, spec in {**doc["inputs"], **doc["outputs"]}.items():
        assert str(spec.get("description", "")).strip(), f"actions/{name}: {key} has no description"
    assert doc["outputs"]["cli"]["value"] == "${{ steps.install.outputs.cli }}"


@pytest.mark.parametrize("path", all_yaml(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_expression_inside_run(path: Path) -> None:
    for step in steps_of(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: step {step.get('name') or step.get('id')} pastes an expression into run:"


@pytest.mark.parametrize("path", all_yaml(), ids=lambda p: str(p.relative_to(ROOT)))
def test_third_party_actions_are_pinned_by_sha(path: Path) -> None:
    for line in path.read_text().splitlines():
        m = re.match(r"^\s*(?:-\s+)?uses:\s+(\S+)", line)
        if m and not m.group(1).startswith("./"):
            assert PINNED.match(line), f"{path.name}: {line.strip()!r} is not pinned by full SHA with a # vX.Y.Z comment"


def test_the_same_sha_for_the_same_action_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in all_yaml():
        for m in map(PINNED.match, path.read_text().splitlines()):
            if m:
                pins.setdefault(m.group(1), set()).add(m.group(2))
    assert pins and all(len(shas) == 1 for shas in pins.values()), pins


@pytest.mark.parametrize("name", sorted(ACTION_VERB))
def test_each_action_calls_one_verb_with_real_flags(name: str) -> None:
    steps = action(name)["runs"]["steps"]
    calls = [s for s in steps if '"$MP"' in s.get("run", "")]
    assert len(calls) == 1, f"actions/{name} should call modelpromote once"
    script = calls[0]["run"]
    verbs = re.findall(r'(?:"\$MP"\s+|args=\()([a-z-]+)', script)
    assert verbs == [ACTION_VERB[name]] * len(verbs) and verbs
    helptext = subprocess.run([MODELPROMOTE, ACTION_VERB[name], "--help"], capture_output=True, text=True, check=False)
    assert helptext.returncode == 0, f"`modelpromote {ACTION_VERB[name]}` does not exist: {helptext.stderr}"
    for flag in sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", script))):
        assert re.search(rf"(?<![\w-]){flag}\b", helptext.stdout), f"actions/{name} passes {flag}, which `{ACTION_VERB[name]}` lacks"
    # Every variable the script uses is set in the step's env (or by the runner).
    env = set(calls[0].get("env", {}))
    used = set(re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)", script))
    assert used <= env | {"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "RUNNER_TEMP"} | set(
        re.findall(r"^(\w+)=", script, re.M)
    ), used - env


def test_workflows_are_least_privilege() -> None:
    for path in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        doc = load(path)
        assert doc.get("permissions") == {}, f"{path.name}: top-level permissions must be {{}}"
        assert "concurrency" in doc, f"{path.name}: no concurrency group"
        for job_id, job in doc["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {job_id} does not declare its permissions"
            assert "write-all" not in str(job["permissions"])
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}: checkout persists credentials"


def test_promotion_form_and_protection() -> None:
    promote = load(ROOT / ".github" / "workflows" / "promote-model.yml")
    on = promote.get("on", promote.get(True))  # YAML 1.1 reads a bare `on` as true
    inputs = on["workflow_dispatch"]["inputs"]
    assert {"model", "version", "environment"} <= set(inputs)
    assert inputs["environment"]["type"] == "choice"
    assert "production" in inputs["environment"]["options"]
    assert "inputs.model" in promote["concurrency"]["group"] and "inputs.environment" in promote["concurrency"]["group"]
    text = (ROOT / ".github" / "workflows" / "promote-model.yml").read_text()
    assert "GITHUB_TOKEN" in text and "start no workflows" in text  # it says why it needs another token
    deploy = load(ROOT / ".github" / "workflows" / "deploy-on-merge.yml")
    assert any(job.get("environment") for job in deploy["jobs"].values()), "deploys need environment protection"


def test_the_gate_runs_only_the_base_branchs_code() -> None:
    """Issue 13, item 1: the gate's workflow file and code come from the base branch, never from the
    pull request, and the App key it posts the required check with is out of a pull request's reach."""
    gate = load(ROOT / ".github" / "workflows" / "promotion-gate.yml")
    on = gate.get("on", gate.get(True))
    assert set(on) == {"pull_request_target", "workflow_run"}  # both run main's workflow definition
    assert on["workflow_run"]["workflows"] == ["Promotion review"]
    (job,) = gate["jobs"].values()
    assert job["environment"] == "modelpromote-gate"  # the App key: an environment secret, main only
    assert job["permissions"] == {"contents": "read"}  # the App's token does the rest
    for step in job["steps"]:
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert "ref" not in step.get("with", {}), "the gate must check out only its own (base) ref"
            assert "repository" not in step.get("with", {})
    uses = [step for step in job["steps"] if step.get("uses") == "./actions/gate"]
    assert uses and "secrets.MODELPROMOTE_APP_PRIVATE_KEY" in uses[0]["with"]["app-private-key"]
    text = (ROOT / ".github" / "workflows" / "promotion-gate.yml").read_text()
    assert "head.sha" not in text and "head.ref" not in text and "github.head_ref" not in text
    review = load(ROOT / ".github" / "workflows" / "promotion-review.yml")
    assert set(review.get("on", review.get(True))) == {"pull_request_review"}
    assert "secrets." not in (ROOT / ".github" / "workflows" / "promotion-review.yml").read_text()
    assert all(j["permissions"] == {} for j in review["jobs"].values())


# -- the install helper -----------------------------------------------------------------------


def helper(name: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    out = tmp_path / "out"
    out.touch()
    full = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GITHUB_OUTPUT": str(out), "RUNNER_TEMP": str(tmp_path), **env}
    return subprocess.run(
        ["bash", str(ROOT / "actions" / "_lib" / name)], env=full, capture_output=True, text=True, timeout=120, check=False
    )


def test_install_uses_a_given_cli(tmp_path: Path) -> None:
    r = helper("install.sh", {"MP_CLI": MODELPROMOTE}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out").read_text() == f"cli={MODELPROMOTE}\n"


def test_install_refuses_a_missing_cli(tmp_path: Path) -> None:
    r = helper("install.sh", {"MP_CLI": str(tmp_path / "nope")}, tmp_path)
    assert r.returncode == 2
    assert "is not an executable file" in r.stdout  # as an ::error:: annotation
    assert (tmp_path / "out").read_text() == ""


def test_install_refuses_an_old_python(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text('#!/bin/sh\nif [ "$1" = -V ]; then echo "Python 3.8.10"; fi\nexit 1\n')
    fake.chmod(0o755)
    r = helper("install.sh", {"MP_PYTHON": str(fake)}, tmp_path)
    assert r.returncode == 2
    assert "Python 3.8.10 is too old" in r.stderr
    assert "setup-python: true" in r.stderr


def test_cache_key_follows_the_dependencies(tmp_path: Path) -> None:
    r = helper("cache-key.sh", {"RUNNER_OS": "Linux"}, tmp_path)
    assert r.returncode == 0, r.stderr
    out = dict(line.split("=", 1) for line in (tmp_path / "out").read_text().splitlines())
    assert set(out) == {"path", "key", "restore"}
    assert out["key"].startswith(out["restore"]) and out["restore"].startswith("modelpromote-pip-Linux-py3.")
    assert len(out["key"]) == len(out["restore"]) + 16
