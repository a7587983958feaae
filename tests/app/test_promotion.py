"""The promotion verbs as a user runs them: exit codes, messages, and what the file looks like after."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from modelpromote.manifest.load import load_manifest
from tests.support.manifests import MANIFEST, NOW_ARG, write

Cli = Callable[..., Result]
ENV = {"GITHUB_ACTOR": "octocat", "GITHUB_ACTIONS": ""}


def run(cli: Cli, path: Path, *args: str) -> Result:
    return cli(*args, "-m", str(path), "--now", NOW_ARG, env=ENV)


def git_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_plan_exit_codes_and_json(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    ok = run(cli, p, "plan", "alpha", "base-a-v1.1.0", "--to", "production")
    assert ok.exit_code == 0 and "allowed" in ok.stdout and "canary at 5%" in ok.stdout
    refused = run(cli, p, "plan", "beta", "base-b-v2.1.0", "--to", "production", "--json")
    assert refused.exit_code == 1
    data = json.loads(refused.stdout)
    assert data["plan"]["allowed"] is False
    assert [r["code"] for r in data["plan"]["rules"] if r["verdict"] == "fail"] == ["MP401"]
    assert run(cli, p, "plan", "alpha", "base-a-v9.0.0", "--to", "dev").exit_code == 2
    assert p.read_text() == MANIFEST


def test_promote_writes_pointer_and_one_log_entry_and_is_idempotent(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    r = run(cli, p, "promote", "beta", "base-b-v2.1.0", "--to", "staging", "--reason", "soaked in dev")
    assert r.exit_code == 0, r.output
    assert "promoted beta in staging: base-b-v2.0.0 -> base-b-v2.1.0" in r.stdout
    m = load_manifest(str(p)).manifest
    assert m is not None
    assert m.model("beta").environments["staging"] == "base-b-v2.1.0"  # type: ignore[union-attr]
    last = [x for x in m.promotions if x.model == "beta"][-1]
    assert (last.env, last.from_, last.to, last.by, last.reason) == ("staging", "base-b-v2.0.0", "base-b-v2.1.0", "@octocat", "soaked in dev")
    before = p.read_bytes()
    again = run(cli, p, "promote", "beta", "base-b-v2.1.0", "--to", "staging", "--reason", "soaked in dev")
    assert again.exit_code == 0 and "already live" in again.stdout
    assert p.read_bytes() == before


def test_refused_promote_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    r = run(cli, p, "promote", "alpha", "base-a-v1.0.0", "--to", "dev")
    assert r.exit_code == 1 and "MP406" in r.stderr and "modelpromote rollback" in r.stderr
    assert p.read_text() == MANIFEST


def test_dry_run_prints_only_the_changed_lines(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    r = run(cli, p, "promote", "alpha", "base-a-v1.1.0", "--to", "production", "--dry-run")
    assert r.exit_code == 0
    lines = [x for x in r.stdout.splitlines() if x[:1] in "+-" and not x.startswith(("+++", "---"))]
    assert lines[0] == "-      production: base-a-v1.0.0" and lines[1] == "+      production: base-a-v1.1.0"
    assert len(lines) == 5  # pointer (-/+), canary key and state, one log entry
    assert p.read_text() == MANIFEST


def test_expect_sha_guards_against_concurrent_changes(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    sha = git_sha(p.read_bytes())
    stale = "0" * 40
    r = run(cli, p, "promote", "beta", "base-b-v2.1.0", "--to", "staging", "--expect-sha", stale)
    assert r.exit_code == 1 and "MP411" in r.stderr
    assert p.read_text() == MANIFEST
    r = run(cli, p, "promote", "beta", "base-b-v2.1.0", "--to", "staging", "--expect-sha", sha, "--json")
    assert r.exit_code == 0
    out = json.loads(r.stdout)
    assert out["sha_before"] == sha and out["sha_after"] == git_sha(p.read_bytes())


@pytest.mark.parametrize("case", ["missing", "read-only", "invalid", "unknown-model", "bad-name", "directory"])
def test_bad_input_is_a_clear_message_and_the_file_is_untouched(cli: Cli, tmp_path: Path, case: str) -> None:
    p = write(tmp_path)
    args = ["promote", "beta", "base-b-v2.1.0", "--to", "staging"]
    expect = 2
    if case == "missing":
        p.unlink()
    elif case == "read-only":
        p.chmod(0o444)
    elif case == "invalid":
        p.write_text(MANIFEST.replace("      staging: base-b-v2.0.0", "      staging: base-b-v9.0.0"))
        expect = 1
    elif case == "unknown-model":
        args[1] = "gamma"
    elif case == "bad-name":
        args[1] = "beta;rm -rf /"
    elif case == "directory":
        p = tmp_path
    before = p.read_bytes() if p.is_file() else None
    r = run(cli, p, *args)
    assert r.exit_code == expect, r.output
    assert "Traceback" not in r.output and "error MP" in r.stderr
    if before is not None:
        assert p.read_bytes() == before
    code = {"missing": "MP001", "read-only": "MP011", "invalid": "MP418", "unknown-model": "MP301", "bad-name": "MP416", "directory": "MP002"}
    assert code[case] in r.stderr


def test_rollback_holds_the_model_until_cleared(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    assert run(cli, p, "promote", "alpha", "base-a-v1.1.0", "--to", "production").exit_code == 0
    m = load_manifest(str(p)).manifest
    assert m is not None and "production" in m.model("alpha").canary  # type: ignore[union-attr]
    r = run(cli, p, "rollback", "alpha", "--env", "production", "--reason", "error rate 4%")
    assert r.exit_code == 0, r.output
    assert "base-a-v1.1.0 -> base-a-v1.0.0 (canary baseline)" in r.stdout
    m = load_manifest(str(p)).manifest
    assert m is not None
    alpha = m.model("alpha")
    assert alpha is not None and alpha.environments["production"] == "base-a-v1.0.0" and not alpha.canary
    assert alpha.hold is not None and "error rate 4%" in alpha.hold.reason
    assert m.promotions[[x.model for x in m.promotions].index("beta") - 1].kind == "rollback"
    blocked = run(cli, p, "plan", "alpha", "base-a-v1.1.0", "--to", "production")
    assert blocked.exit_code == 1 and "MP409" in blocked.stdout
    assert run(cli, p, "hold", "alpha", "--clear").exit_code == 0
    assert run(cli, p, "plan", "alpha", "base-a-v1.1.0", "--to", "production").exit_code == 0
    assert run(cli, p, "hold", "alpha", "--clear").stdout.strip() == "alpha is not on hold"


def test_release_rc_then_finalize_with_the_same_digest(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    r = run(cli, p, "release", "base-a", "--bump", "rc", "--changelog", "fix: retries", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["version"] == "base-a-v1.2.0-rc.2"
    r = run(cli, p, "release", "base-a", "--finalize", "base-a-v1.2.0-rc.1")
    assert r.exit_code == 0 and "released base-a-v1.2.0" in r.stdout
    cat = load_manifest(str(p)).manifest.catalogue()  # type: ignore[union-attr]
    assert cat["base-a-v1.2.0"].artifact == cat["base-a-v1.2.0-rc.1"].artifact and cat["base-a-v1.2.0"].status == "stable"
    assert cat["base-a-v1.2.0-rc.2"].changelog == "fix: retries"
    dup = run(cli, p, "release", "base-a", "--finalize", "base-a-v1.2.0-rc.1")
    assert dup.exit_code == 1 and "MP415" in dup.stderr
    no_rc = run(cli, p, "release", "base-a", "--bump", "rc")  # 1.2.0 is final now: no candidate in progress
    assert no_rc.exit_code == 1 and "MP415" in no_rc.stderr
    assert "released base-a-v1.2.1-rc.1" in run(cli, p, "release", "base-a", "--bump", "patch").stdout
    assert run(cli, p, "release", "Bad Base", "--bump", "rc").exit_code == 2


def test_fail_blocks_the_version_there(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    r = run(cli, p, "fail", "alpha", "base-a-v1.1.0", "--env", "production", "--gate", "eval", "--report", "https://ci/1")
    assert r.exit_code == 0, r.output
    assert "failures:\n  - {model: alpha, version: base-a-v1.1.0, env: production" in p.read_text()
    assert run(cli, p, "plan", "alpha", "base-a-v1.1.0", "--to", "production").exit_code == 1
    forced = run(cli, p, "plan", "alpha", "base-a-v1.1.0", "--to", "production", "--force", "--reason", "flaky eval")
    assert forced.exit_code == 0
    before = p.read_bytes()
    assert "already recorded" in run(cli, p, "fail", "alpha", "base-a-v1.1.0", "--env", "production", "--gate", "eval").stdout
    assert p.read_bytes() == before


def test_retire_never_touches_live_versions(cli: Cli, tmp_path: Path) -> None:
    p = write(tmp_path)
    dry = run(cli, p, "retire", "--dry-run", "--json")
    assert dry.exit_code == 0 and json.loads(dry.stdout)["retired"] == ["base-b-v1.0.0"]
    assert p.read_text() == MANIFEST
    assert run(cli, p, "retire").exit_code == 0
    removed = [a for a, b in zip(MANIFEST.splitlines(), p.read_text().splitlines(), strict=True) if a != b]
    assert removed == ["    status: deprecated"]
    assert run(cli, p, "retire").stdout.strip() == "nothing to retire"


def test_a_killed_promote_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    """Kill the process at random moments: the manifest is always one whole version of the file."""
    from tests.bench.gen_manifest import generate

    text = generate(200, 2000)
    p = tmp_path / "big.yaml"
    cmd = [sys.executable, "-m", "modelpromote", "release", "model0007-base", "--bump", "minor", "-m", str(p), "--now", NOW_ARG]
    p.write_text(text)
    full = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert full.returncode == 0, full.stderr
    new_text = p.read_text()
    for delay in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8):
        p.write_text(text)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert p.read_text() in (text, new_text)
    leftovers = [x.name for x in tmp_path.iterdir() if x.name != "big.yaml"]
    assert all(x.startswith(".modelpromote-") for x in leftovers)  # a killed run may leave its temp file, never a half manifest
