"""`release MODEL --prompt FILE` as a user runs it: the file lands in the catalogue with its digest,
the manifest gets exactly one entry, re-runs change nothing, and failures leave both files alone."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelpromote.manifest.load import load_manifest
from tests.support.manifests import MANIFEST, NOW_ARG, with_prompts, write
from tests.support.paths import ROOT

Cli = Callable[..., Result]
ENV = {"GITHUB_ACTOR": "octocat", "GITHUB_ACTIONS": ""}
EXAMPLE = (ROOT / "models" / "manifest.yaml").read_text(encoding="utf-8")


def run(cli: Cli, path: Path, *args: str) -> Result:
    return cli(*args, "-m", str(path), "--now", NOW_ARG, env=ENV)


def example(tmp_path: Path) -> Path:
    with_prompts(tmp_path)
    return write(tmp_path, EXAMPLE)


def prompt_file(tmp_path: Path, text: str, name: str = "new-prompt.md") -> Path:
    p = tmp_path / "incoming" / name
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(text.encode("utf-8"))
    return p


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "incoming" not in p.parts}


TEXT = "You are {{ company }}'s assistant.\r\nAnswer {{customer_name}} briefly: {{ question }}\n"


def test_release_prompt_adds_file_and_entry_and_names_the_pointer(cli: Cli, tmp_path: Path) -> None:
    m = example(tmp_path)
    src = prompt_file(tmp_path, TEXT)
    r = run(cli, m, "release", "customer-support", "--prompt", str(src), "--reason", "shorter answers", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    digest = hashlib.sha256(TEXT.encode()).hexdigest()
    assert out["prompt"] == {
        "model": "customer-support", "prompt": 5, "file": "prompts/customer-support/v5.md", "sha256": digest,
        "variables": ["company", "customer_name", "question"], "changelog": "shorter answers",
        "version": "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v5", "existing": False,
    }
    # paired like the pointer that carries the prompt now (staging: ...rc.1_prompt-v4)
    assert out["version"] == "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v5"
    # the bytes are copied exactly (CRLF kept), so sha256sum of the file is the recorded digest
    assert (tmp_path / "prompts" / "customer-support" / "v5.md").read_bytes() == TEXT.encode()
    loaded = load_manifest(str(m))
    assert loaded.ok, loaded.findings
    assert loaded.manifest is not None
    entry = loaded.manifest.prompt("customer-support", 5)
    assert entry is not None and entry.sha256 == digest and entry.status == "released"
    # one entry, newest first like its neighbours, nothing else in the file touched
    added = [line for line in out["diff"].splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert added == [
        "+    - version: 5",
        "+      file: prompts/customer-support/v5.md",
        f"+      sha256: {digest}",
        "+      variables: [company, customer_name, question]",
        "+      changelog: shorter answers",
    ]
    assert m.read_text().replace("\n".join(a[1:] for a in added) + "\n", "") == EXAMPLE


def test_the_same_bytes_again_change_nothing(cli: Cli, tmp_path: Path) -> None:
    m = example(tmp_path)
    src = prompt_file(tmp_path, TEXT)
    assert run(cli, m, "release", "customer-support", "--prompt", str(src)).exit_code == 0
    before = snapshot(tmp_path)
    again = run(cli, m, "release", "customer-support", "--prompt", str(src), "--json")
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["changed"] is False and data["prompt"]["existing"] is True and data["prompt"]["prompt"] == 5
    assert snapshot(tmp_path) == before
    # the text of an older catalogued version is that version, not a new one
    old = prompt_file(tmp_path, (tmp_path / "prompts" / "customer-support" / "v3.md").read_text(), "old.txt")
    r = run(cli, m, "release", "customer-support", "--prompt", str(old))
    assert r.exit_code == 0 and "prompt-v3" in r.stdout and "nothing to do" in r.stdout
    assert snapshot(tmp_path) == before


def test_first_prompt_of_a_model_creates_its_list_and_the_section(cli: Cli, tmp_path: Path) -> None:
    m = example(tmp_path)
    src = prompt_file(tmp_path, "Write {{ language }} code.\n", "gen.TXT")
    r = run(cli, m, "release", "code-generator", "--prompt", str(src))
    assert r.exit_code == 0, r.output
    assert "code-generator prompt-v1 (prompts/code-generator/v1.txt" in r.stdout
    assert "claude-opus-v4.0.0_prompt-v1" in r.stdout
    loaded = load_manifest(str(m))
    assert loaded.ok and loaded.manifest is not None and loaded.manifest.prompt("code-generator", 1) is not None
    # a manifest without a catalogue gets one (at the end, block style)
    (tmp_path / "bare").mkdir()
    bare = write(tmp_path / "bare", MANIFEST)
    r = run(cli, bare, "release", "alpha", "--prompt", str(src), "--pair", "base-a-v1.1.0")
    assert r.exit_code == 0, r.output
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    assert bare.read_text().endswith(
        f"prompts:\n  alpha:\n    - version: 1\n      file: prompts/alpha/v1.txt\n      sha256: {digest}\n      variables: [language]\n"
    )
    assert "promote it as base-a-v1.1.0_prompt-v1" in r.stdout
    assert load_manifest(str(bare)).ok


def test_numbers_skip_prompt_versions_pointers_already_name(cli: Cli, tmp_path: Path) -> None:
    """Without a catalogue, `_prompt-v7` in a pointer is a bare number; a new text must not reuse it."""
    text = MANIFEST.replace("staging: base-a-v1.1.0", "staging: base-a-v1.1.0_prompt-v7", 1).replace(
        "to: base-a-v1.1.0, at: \"2026-05-02", "to: base-a-v1.1.0_prompt-v7, at: \"2026-05-02")
    m = write(tmp_path, text)
    src = prompt_file(tmp_path, "hello\n")
    r = run(cli, m, "release", "alpha", "--prompt", str(src))
    # The new catalogue would make the uncatalogued prompt-v7 an error: refused, and nothing written.
    assert r.exit_code == 1 and "MP215" in r.output and "prompt-v7" in r.output
    assert m.read_text() == text and not (tmp_path / "prompts").exists()


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["nobody", "--prompt", "{src}"], 2, "no model 'nobody'"),
        (["customer-support", "--prompt", "{tmp}/missing.md"], 2, "MP216"),
        (["customer-support", "--prompt", "{empty}"], 2, "the prompt is empty"),
        (["customer-support", "--prompt", "{latin1}"], 2, "not UTF-8"),
        (["customer-support", "--prompt", "{src}", "--bump", "rc"], 2, "drop --bump"),
        (["customer-support", "--prompt", "{src}", "--pair", "claude-3-5-sonnet-v9.9.9"], 2, "not in version_history"),
        (["claude-3-5-sonnet", "--bump", "rc", "--reason", "x"], 2, "go with --prompt"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_nothing_written(cli: Cli, tmp_path: Path, args: list[str], code: int, words: str) -> None:
    m = example(tmp_path)
    files = {
        "src": prompt_file(tmp_path, TEXT),
        "empty": prompt_file(tmp_path, " \n", "empty.md"),
        "tmp": tmp_path,
    }
    latin = tmp_path / "incoming" / "latin1.md"
    latin.write_bytes("caf\xe9 {{ x }}".encode("latin-1"))
    files["latin1"] = latin
    before = snapshot(tmp_path)
    r = run(cli, m, "release", *[a.format(**files) for a in args])
    assert r.exit_code == code, r.output
    assert words in r.output and "Traceback" not in r.output
    assert snapshot(tmp_path) == before


def test_a_stray_file_with_other_bytes_is_refused_and_one_with_the_same_bytes_adopted(cli: Cli, tmp_path: Path) -> None:
    m = example(tmp_path)
    src = prompt_file(tmp_path, TEXT)
    stray = tmp_path / "prompts" / "customer-support" / "v5.md"
    stray.write_text("someone else's draft\n")
    before = snapshot(tmp_path)
    r = run(cli, m, "release", "customer-support", "--prompt", str(src))
    assert r.exit_code == 2 and "MP425" in r.output and "exists with other bytes" in r.output
    assert snapshot(tmp_path) == before
    # what a crash between the two writes leaves behind: the right bytes, not yet catalogued
    stray.write_bytes(TEXT.encode())
    r = run(cli, m, "release", "customer-support", "--prompt", str(src))
    assert r.exit_code == 0, r.output
    assert load_manifest(str(m)).ok


def test_a_refused_manifest_leaves_no_prompt_file(cli: Cli, tmp_path: Path) -> None:
    """A stale --expect-sha and a read-only manifest are refused before the prompt file is written.
    (An edit that fails verification after it was written removes it again: see the prompt-v7 test.)"""
    m = example(tmp_path)
    src = prompt_file(tmp_path, TEXT)
    before = snapshot(tmp_path)
    assert run(cli, m, "release", "customer-support", "--prompt", str(src), "--expect-sha", "0000000").exit_code == 1
    os.chmod(m, 0o444)
    try:
        assert run(cli, m, "release", "customer-support", "--prompt", str(src)).exit_code == 2
    finally:
        os.chmod(m, 0o644)
    assert snapshot(tmp_path) == before


def test_dry_run_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    m = example(tmp_path)
    src = prompt_file(tmp_path, TEXT)
    before = snapshot(tmp_path)
    r = run(cli, m, "release", "customer-support", "--prompt", str(src), "--dry-run")
    assert r.exit_code == 0 and "+    - version: 5" in r.stdout
    assert snapshot(tmp_path) == before


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200).filter(lambda t: t.strip() != ""))
def test_any_utf8_text_round_trips_to_a_validating_catalogue(cli: Cli, tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    d = tmp_path_factory.mktemp("rt")
    m = example(d)
    src = prompt_file(d, text)
    r = run(cli, m, "release", "customer-support", "--prompt", str(src), "--changelog", text[:40])
    assert r.exit_code == 0, r.output
    assert (d / "prompts" / "customer-support" / "v5.md").read_bytes() == text.encode("utf-8")
    loaded = load_manifest(str(m))
    assert loaded.ok, loaded.findings
    assert loaded.manifest is not None
    entry = loaded.manifest.prompt("customer-support", 5)
    assert entry is not None and entry.changelog == text[:40].strip()
