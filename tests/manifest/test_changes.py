"""Byte-preserving edits: each verb's diff holds only the intended lines; everything else survives."""

from __future__ import annotations

import difflib
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from modelpromote.manifest import changes as ch
from modelpromote.manifest import yaml_splice as ys
from modelpromote.manifest.load import load_text
from modelpromote.manifest.source import parse
from modelpromote.manifest.verify import blob_sha, verify_edit
from tests.support.manifests import MANIFEST, NOW


def changed(old: str, new: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) of a line diff."""
    removed, added = [], []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm=""):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


def valid(text: str) -> None:
    loaded = load_text(text)
    assert loaded.ok, loaded.findings


def test_promotion_changes_the_pointer_and_adds_one_log_line() -> None:
    new = ch.apply(MANIFEST, "m", [ch.Promote("beta", "staging", "base-b-v2.1.0", "base-b-v2.0.0", NOW, "@me", "soaked")])
    removed, added = changed(MANIFEST, new)
    assert removed == ["      staging: base-b-v2.0.0"]
    assert added == [
        "      staging: base-b-v2.1.0",
        '  - {model: beta, env: staging, from: base-b-v2.0.0, to: base-b-v2.1.0, at: "2026-05-10T12:00:00Z", by: "@me", reason: soaked}',
    ]
    valid(new)


def test_the_articles_sed_bug_does_not_happen() -> None:
    """`sed -i "s/staging:.*/.../"` rewrote every model's staging line; ours touches one model's."""
    new = ch.apply(MANIFEST, "m", [ch.Promote("alpha", "staging", "base-a-v1.2.0-rc.1", "base-a-v1.1.0", NOW, None, None)])
    assert "      staging: base-b-v2.0.0\n" in new  # beta's staging line untouched
    removed, added = changed(MANIFEST, new)
    assert removed == ["      staging: base-a-v1.1.0"]
    assert added[0] == "      staging: base-a-v1.2.0-rc.1" and len(added) == 2 and added[1].startswith("  - {model: alpha, env: staging")


def test_inline_comments_quoting_and_blank_lines_survive() -> None:
    new = ys.splice(MANIFEST, ch.pointer_edits(parse(MANIFEST, "m"), "alpha", "dev", "base-a-v1.2.0-rc.1"))
    assert "      dev: base-a-v1.2.0-rc.1     # newest\n" in new
    assert "    owners: ['@acme/alpha']   # single-quoted on purpose\n" in new
    assert new.replace("base-a-v1.2.0-rc.1     # newest", "base-a-v1.1.0     # newest") == MANIFEST


def test_canary_promotion_writes_canary_state_on_the_model() -> None:
    new = ch.apply(MANIFEST, "m", [ch.Promote("alpha", "production", "base-a-v1.1.0", "base-a-v1.0.0", NOW, None, None, canary_weight=5)])
    removed, added = changed(MANIFEST, new)
    assert removed == ["      production: base-a-v1.0.0"]
    assert added[:3] == [
        "      production: base-a-v1.1.0",
        "    canary:",
        '      production: {baseline: base-a-v1.0.0, weight: 5, step: 0, started_at: "2026-05-10T12:00:00Z"}',
    ]
    assert added[3].endswith("kind: canary}")
    valid(new)
    # health advances it, then completes it: the canary lines go, a `complete` entry is logged
    adv = ch.apply(new, "m", [ch.CanaryStep("alpha", "production", 25, 1, NOW)])
    r2, a2 = changed(new, adv)
    assert len(r2) == 1 and len(a2) == 1 and "weight: 25, step: 1" in a2[0] and "updated_at" in a2[0]
    done = ch.apply(adv, "m", [ch.CompleteCanary("alpha", "production", NOW, "health")])
    r3, a3 = changed(adv, done)
    assert r3 == ["    canary:", a2[0]] and len(a3) == 1 and "kind: complete" in a3[0]
    valid(done)


def test_rollback_clears_canary_sets_hold_and_logs_kind_rollback() -> None:
    mid = ch.apply(MANIFEST, "m", [ch.Promote("alpha", "production", "base-a-v1.1.0", "base-a-v1.0.0", NOW, None, None, canary_weight=5)])
    back = ch.apply(mid, "m", [ch.Rollback("alpha", "production", "base-a-v1.1.0", "base-a-v1.0.0", NOW, "@oncall", "errors")])
    removed, added = changed(mid, back)
    assert "      production: base-a-v1.1.0" in removed and "    canary:" in removed
    assert "      production: base-a-v1.0.0" in added
    assert any("kind: rollback" in x for x in added)
    assert any(x.startswith("    hold: {reason: ") for x in added)
    valid(back)
    cleared = ch.apply(back, "m", [ch.ClearHold("alpha")])
    r, a = changed(back, cleared)
    assert a == [] and len(r) == 1 and r[0].startswith("    hold:")


def test_empty_list_becomes_a_block_list_keeping_its_comment() -> None:
    text = MANIFEST.replace("failures: []\n", "failures: []   # none yet\n")
    new = ch.apply(text, "m", [ch.RecordFailure("alpha", "base-a-v1.1.0", "production", "eval", NOW, report="https://ci/1")])
    removed, added = changed(text, new)
    assert removed == ["failures: []   # none yet"]
    assert added == ["failures:   # none yet",
                     '  - {model: alpha, version: base-a-v1.1.0, env: production, at: "2026-05-10T12:00:00Z", gate: eval, report: "https://ci/1"}']
    valid(new)


def test_block_style_log_entries_get_a_block_style_entry() -> None:
    text = MANIFEST.replace(
        '  - {model: beta, env: dev, from: base-b-v2.0.0, to: base-b-v2.1.0, at: "2026-05-01T00:00:00Z", by: "@ops"}\n', ""
    )
    text = text.replace("promotions:\n  - {model: alpha, env: production, from: null, to: base-a-v1.0.0, at: \"2026-04-01T00:00:00Z\", by: \"@ops\"}\n",
                        "promotions:\n  - model: alpha\n    env: production\n    from: null\n    to: base-a-v1.0.0\n    at: \"2026-04-01T00:00:00Z\"\n")
    valid(text)
    new = ys.splice(text, ch.append_log(parse(text, "m"), "promotions",
                                        ch.promotion_entry("alpha", "dev", "base-a-v1.1.0", "base-a-v1.2.0-rc.1", NOW, None, None)))
    _, added = changed(text, new)
    assert added[0] == "  - model: alpha" and added[1] == "    env: dev"
    valid(new)


def test_crlf_files_stay_crlf() -> None:
    text = MANIFEST.replace("\n", "\r\n")
    new = ch.apply(text, "m", [ch.Promote("alpha", "production", "base-a-v1.1.0", "base-a-v1.0.0", NOW, None, None, canary_weight=5)])
    assert "\n" not in new.replace("\r\n", "")
    valid(new)


def test_flow_mapping_gets_a_key_and_loses_one() -> None:
    src = parse(MANIFEST, "m")
    i = ch.model_index(src, "beta")
    new = ys.splice(MANIFEST, ys.set_value(src, ("models", i, "config", "production", "temperature"), "0.2"))
    assert "      production: {max_tokens: 512, temperature: 0.2}\n" in new
    back = ys.splice(new, ys.remove_key(parse(new, "m"), ("models", i, "config", "production", "temperature")))
    assert back == MANIFEST


def test_release_inserts_among_its_base_newest_first() -> None:
    entry = {"version": "base-b-v2.2.0-rc.1", "base_model": "base-b", "status": "release_candidate", "changelog": "x"}
    new = ch.apply(MANIFEST, "m", [ch.AddVersion(entry)])
    _, added = changed(MANIFEST, new)
    assert added[0] == "  - version: base-b-v2.2.0-rc.1"
    assert new.index("base-b-v2.2.0-rc.1") < new.index("version: base-b-v2.1.0") and new.index("base-b-v2.2.0-rc.1") > new.index(
        "version: base-a-v1.0.0"
    )
    valid(new)
    assert ch.apply(MANIFEST, "m", [ch.SetStatus("base-b-v1.0.0", "retired")]).count("status: retired") == 1


def test_fast_verify_agrees_with_a_full_reload() -> None:
    loaded = load_text(MANIFEST, "m")
    src = loaded.source
    edits = ch.edits(src, [ch.Promote("alpha", "production", "base-a-v1.1.0", "base-a-v1.0.0", NOW, None, None, canary_weight=5)])
    new = ys.splice(MANIFEST, edits)
    fast = verify_edit(loaded, new, edits)
    assert fast.ok and fast.manifest == load_text(new, "m").manifest
    # an edit that breaks the manifest is caught (pointer to a version that does not exist)
    bad = ch.pointer_edits(src, "alpha", "dev", "base-a-v7.0.0")
    after = verify_edit(loaded, ys.splice(MANIFEST, bad), bad)
    assert not after.ok and after.findings[0].code == "MP203" and after.findings[0].line is not None


def test_blob_sha_matches_git(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    p = tmp_path / "f"
    p.write_bytes(MANIFEST.encode())
    out = subprocess.run(["git", "hash-object", str(p)], capture_output=True, text=True, check=True).stdout.strip()
    assert blob_sha(MANIFEST.encode()) == out


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x",
           "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    r = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def _promote(text: str, model: str, env: str, version: str, current: str) -> str:
    return ch.apply(text, "m", [ch.Promote(model, env, version, current, datetime(2026, 5, 10, tzinfo=timezone.utc), "@ci", None)])


@pytest.mark.parametrize("adjacent", [False, True])
def test_promotions_of_two_models_on_two_branches_merge_cleanly(tmp_path: Path, adjacent: bool) -> None:
    text = MANIFEST
    if adjacent:  # the two models' last log entries sit on neighbouring lines: one unchanged line apart
        text = text.replace('by: "@ops"}\n\n  - {model: beta', 'by: "@ops"}\n  - {model: beta')
        for env in ("production", "staging"):
            text = text.replace(f'  - {{model: beta, env: {env}, from: null, to: base-b-v2.0.0, at: "2026-04-01T00:00:00Z", by: "@ops"}}\n', "")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "manifest.yaml").write_text(text)
    _git(repo, "add", "manifest.yaml")
    _git(repo, "commit", "-qm", "base")
    _git(repo, "checkout", "-qb", "a")
    (repo / "manifest.yaml").write_text(_promote(text, "alpha", "production", "base-a-v1.1.0", "base-a-v1.0.0"))
    _git(repo, "commit", "-qam", "promote alpha")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "checkout", "-qb", "b")
    (repo / "manifest.yaml").write_text(_promote(text, "beta", "staging", "base-b-v2.1.0", "base-b-v2.0.0"))
    _git(repo, "commit", "-qam", "promote beta")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "merge", "-q", "a")
    _git(repo, "merge", "-q", "--no-edit", "b")  # would fail on a conflict
    merged = (repo / "manifest.yaml").read_text()
    valid(merged)
    m = load_text(merged).manifest
    assert m is not None
    assert m.model("alpha").environments["production"] == "base-a-v1.1.0"  # type: ignore[union-attr]
    assert m.model("beta").environments["staging"] == "base-b-v2.1.0"  # type: ignore[union-attr]
    assert len(m.promotions) == (6 if adjacent else 8)


def test_log_position_groups_by_model() -> None:
    entries = [{"model": "a"}, {"model": "c"}, {"model": "a"}, {"model": "e"}]
    assert ch.log_position(entries, "a") == 3
    assert ch.log_position(entries, "c") == 2
    assert ch.log_position(entries, "d") == 2  # after the closest name before it
    assert ch.log_position(entries, "0") == 0
    assert ch.log_position([], "x") == 0
