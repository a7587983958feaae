"""`modelpromote init` (adopt): a team's existing state becomes the starting point.

Soak counts from adoption, drift does not call untouched pointers missing, deployments can be
recorded (real PyGithub against the emulator), and a re-run changes nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from modelpromote.cli import main
from modelpromote.manifest.load import load_text
from modelpromote.policy.adopt import pin_workflow
from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import init_bare
from tests.support.github import EXAMPLE, MANIFEST, TEAMS, USERS, cli_env

SHA = "0123456789abcdef0123456789abcdef01234567"
NOW = "2026-06-01T00:00:00Z"
# The example without its promotions log: a team that has models live but no history.
NO_LOG = re.sub(r"(?ms)^promotions:\n(  - .*?\n)+", "promotions: []\n", EXAMPLE.read_text(encoding="utf-8"))


def repo(tmp_path: Path, text: str = NO_LOG) -> Path:
    root = tmp_path / "repo"
    (root / "models").mkdir(parents=True)
    (root / MANIFEST).write_text(text, encoding="utf-8")
    shutil.copytree(EXAMPLE.parent / "prompts", root / "models" / "prompts")
    return root


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    r = CliRunner().invoke(main, ["init", "--dir", str(root), "--now", NOW, "--by", "alice", *args], env=env or {"GITHUB_ACTIONS": ""})
    return r


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_logs_every_pointer_pins_the_workflows_and_is_idempotent(tmp_path: Path) -> None:
    root = repo(tmp_path)
    r = run(root, "--owner", "@acme/ml", "--actions-sha", SHA)
    assert r.exit_code == 0, r.output
    assert "Ruleset on the default branch" in r.output and "MODELPROMOTE_TOKEN" in r.output
    m = load_text((root / MANIFEST).read_text(), MANIFEST).manifest
    assert m is not None
    live = {(x.name, e): v for x in m.models for e, v in x.environments.items()}
    logged = {(p.model, p.env): p.to for p in m.promotions if p.kind == "adopt"}
    assert logged == live and all(p.by == "alice" for p in m.promotions)
    assert all(x.owners == ["@acme/ml"] for x in m.models)
    form = (root / ".github/workflows/promote-model.yml").read_text()
    assert f"uses: modelpromote/modelpromote/actions/validate@{SHA} # v0.1.0" in form
    assert "./actions/" not in "".join(p.read_text() for p in (root / ".github/workflows").iterdir())
    assert re.search(r"options:.*\n\s+- dev\n\s+- staging\n\s+- production\n", form)

    before = snapshot(root)
    again = run(root, "--owner", "@acme/ml", "--actions-sha", SHA, "--now", "2026-07-01T00:00:00Z")
    assert again.exit_code == 0 and "nothing to do: already adopted" in again.output
    assert snapshot(root) == before


def test_soak_counts_as_satisfied_from_adoption(tmp_path: Path) -> None:
    root = repo(tmp_path)
    # customer-support's rc is live in staging (production needs a 24h soak there).
    plan = [
        "plan",
        "customer-support",
        "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4",
        "--to",
        "production",
        "-m",
        str(root / MANIFEST),
        "--json",
    ]

    def soak(now: str) -> dict[str, Any]:
        out = json.loads(CliRunner().invoke(main, [*plan, "--now", now]).output)
        return next(r for r in out["plan"]["rules"] if r["rule"] == "soak")

    assert soak(NOW)["code"] == "MP402"  # no log: the soak cannot be verified
    assert run(root).exit_code == 0
    after = soak("2026-06-01T00:00:01Z")
    assert after["verdict"] == "pass" and "adopted" in after["message"]


def test_dry_run_writes_nothing_and_json_says_what_would(tmp_path: Path) -> None:
    root = repo(tmp_path)
    before = snapshot(root)
    r = run(root, "--dry-run", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["dry_run"] and out["changed"] and len(out["log_entries"]) == 6
    assert {f["action"] for f in out["files"]} == {"create", "update"}
    assert snapshot(root) == before


def test_a_foreign_workflow_in_the_way_is_refused_not_overwritten(tmp_path: Path) -> None:
    root = repo(tmp_path)
    wf = root / ".github/workflows/health.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text("name: ours\n")
    r = run(root)
    assert r.exit_code == 2 and "MP311" in r.output
    assert wf.read_text() == "name: ours\n" and "kind: adopt" not in (root / MANIFEST).read_text()
    assert run(root, "--force").exit_code == 0


def test_init_from_flags_writes_a_valid_manifest(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    r = run(
        root,
        "--live",
        "support:production=claude-3-5-sonnet-v1.2.3",
        "--live",
        "support:staging=claude-3-5-sonnet-v1.3.0-rc.1",
        "--owner",
        "@acme/ml",
        "--no-workflows",
    )
    assert r.exit_code == 0, r.output
    m = load_text((root / MANIFEST).read_text(), MANIFEST)
    assert m.ok and m.manifest is not None, m.findings
    assert [p.kind for p in m.manifest.promotions] == ["adopt", "adopt"]
    bad = run(root / "x", "--live", "support:prod=claude-3-5-sonnet-v1.2.3")
    assert bad.exit_code == 2 and "MP204" in bad.output


def test_init_from_another_manifest_then_rerun(tmp_path: Path) -> None:
    src = tmp_path / "old.yaml"
    src.write_text(NO_LOG)
    root = repo(tmp_path)
    (root / MANIFEST).unlink()
    assert run(root, "--from", str(src), "--no-workflows").exit_code == 0
    first = (root / MANIFEST).read_text()
    assert run(root, "--from", str(src), "--no-workflows").exit_code == 0
    assert (root / MANIFEST).read_text() == first


def test_pin_workflow_without_a_sha_uses_the_tag() -> None:
    out = pin_workflow("      - uses: ./actions/drift\n", ref="v1.2.3", sha=None, environments=["dev"])
    assert out == "      - uses: modelpromote/modelpromote/actions/drift@v1.2.3\n"


def test_packaged_workflows_match_the_repository() -> None:
    """`init` from a pip install writes the packaged copy: it must be this repository's workflows."""
    root = EXAMPLE.parents[1]
    for p in (root / "src/modelpromote/data/workflows").iterdir():
        assert p.read_text() == (root / ".github/workflows" / p.name).read_text(), f"run scripts/sync-workflows ({p.name} is stale)"
    # ... and `modelpromote demo` from a pip install runs on the packaged example registry.
    packaged = root / "src/modelpromote/data/example/models"
    for p in (root / "models").rglob("*"):
        if p.is_file():
            copy = packaged / p.relative_to(root / "models")
            assert copy.is_file() and copy.read_bytes() == p.read_bytes(), f"run scripts/sync-workflows ({p} is stale)"


@pytest.mark.slow
def test_drift_is_green_after_adoption_and_recorded_deployments(tmp_path: Path) -> None:
    root = repo(tmp_path)
    assert run(root, "--no-workflows").exit_code == 0
    adopted = (root / MANIFEST).read_text()
    bare = tmp_path / "models.git"
    init_bare(bare, {MANIFEST: adopted, "README.md": "registry\n"})
    with GitHubEmulator(bare, users=USERS, teams=TEAMS) as gh:
        env = cli_env(gh, "alice", MODELPROMOTE_GITHUB_RETRIES="2")
        d = CliRunner().invoke(main, ["drift", "--json"], env=env)
        assert d.exit_code == 0, d.output  # untouched adopted pointers are not "missing"
        r = run(root, "--no-workflows", "--record-deployments", env=env)
        assert r.exit_code == 0, r.output
        assert r.output.count("deployment recorded") == 6
        again = run(root, "--no-workflows", "--record-deployments", env=env)
        assert "what is live is recorded already" in again.output and "nothing to do" in again.output
        d = CliRunner().invoke(main, ["drift", "--json"], env=env)
        assert d.exit_code == 0 and json.loads(d.output)["mismatches"] == [], d.output


def test_without_adoption_drift_reports_missing_pointers_annotated_on_the_manifest_file(tmp_path: Path) -> None:
    """The contrast to the test above, and drift's annotations name the file in the repository (not `@main`)."""
    bare = tmp_path / "models.git"
    init_bare(bare, {MANIFEST: NO_LOG, "README.md": "registry\n"})
    with GitHubEmulator(bare, users=USERS, teams=TEAMS) as gh:
        env = cli_env(gh, "alice", MODELPROMOTE_GITHUB_RETRIES="2", GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(tmp_path / "s.md"))
        d = CliRunner().invoke(main, ["drift"], env=env)
    assert d.exit_code == 1
    notes = [ln for ln in d.output.splitlines() if ln.startswith("::error ")]
    assert len(notes) == 6 and all("file=models/manifest.yaml," in n and "title=MP821" in n for n in notes)
    assert "@main" not in "".join(notes)
    assert "drift" in (tmp_path / "s.md").read_text()
