"""Bad input gets a clear, located error and the right exit code — never a traceback."""

from __future__ import annotations

import itertools
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.support.manifests import with_prompts
from tests.support.paths import EXAMPLE

Cli = Callable[..., Result]


def write(tmp_path: Path, text: str | bytes, name: str = "manifest.yaml") -> str:
    with_prompts(tmp_path)  # the example's prompt catalogue names files beside the manifest
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return str(p)


def findings(cli: Cli, path: str) -> tuple[int, list[dict[str, object]]]:
    r = cli("validate", path, "--json")
    return r.exit_code, json.loads(r.stdout)["findings"]


def test_empty_file(cli: Cli, tmp_path: Path) -> None:
    code, fs = findings(cli, write(tmp_path, ""))
    assert code == 1
    assert fs[0]["code"] == "MP008"


def test_not_a_mapping(cli: Cli, tmp_path: Path) -> None:
    code, fs = findings(cli, write(tmp_path, "- a\n- b\n"))
    assert code == 1
    assert fs[0]["code"] == "MP009" and "a list" in str(fs[0]["message"])


def test_yaml_syntax_error_has_line_and_column(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "schema_version: 1\nmodels: [a, b\nversion_history: []\n")
    r = cli("validate", path)
    assert r.exit_code == 2
    assert f"{path}:3:" in r.stderr and "MP005" in r.stderr


def test_duplicate_keys_point_at_the_second(cli: Cli, tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("schema_version: 1\n", "schema_version: 1\nschema_version: 1\n", 1)
    path = write(tmp_path, text)
    line = text.splitlines().index("schema_version: 1") + 2
    r = cli("validate", path)
    assert r.exit_code == 2
    assert f"{path}:{line}:1: error MP006: duplicate key 'schema_version' (first defined at line {line - 1})" in r.stderr


def test_duplicate_key_inside_a_model(cli: Cli, tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("      dev: claude-opus-v4.0.0\n", "      dev: claude-opus-v4.0.0\n      dev: x-v1.0.0\n")
    r = cli("validate", write(tmp_path, text))
    assert r.exit_code == 2 and "duplicate key 'dev'" in r.stderr


def test_unknown_key_with_did_you_mean(cli: Cli, tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("    allow_prerelease: false", "    allow_prerelase: false")
    path = write(tmp_path, text)
    line = text.splitlines().index("    allow_prerelase: false   # only final releases (no -rc.N) serve users") + 1
    r = cli("validate", path)
    assert r.exit_code == 1
    assert f"{path}:{line}:5: error MP101: unknown key 'allow_prerelase' in environments[2]" in r.stderr
    assert "did you mean 'allow_prerelease'?" in r.stderr


def test_unknown_top_level_key_lists_allowed(cli: Cli, tmp_path: Path) -> None:
    code, fs = findings(cli, write(tmp_path, EXAMPLE.read_text() + "zzz_unrelated: 1\n"))
    assert code == 1
    assert fs[0]["code"] == "MP101" and "allowed keys here" in str(fs[0]["hint"])


def test_wrong_type(cli: Cli, tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("approvals: 2 ", "approvals: two ")
    code, fs = findings(cli, write(tmp_path, text))
    assert code == 1
    assert fs[0]["code"] == "MP103" and "environments[2].approvals" in str(fs[0]["message"])
    assert fs[0]["line"] == text.splitlines().index(next(ln for ln in text.splitlines() if "approvals: two" in ln)) + 1


def test_pointer_to_missing_version(cli: Cli, tmp_path: Path) -> None:
    old = "      production: claude-3-5-sonnet-v1.2.3\n    # Runtime settings"
    assert old in EXAMPLE.read_text()
    text = EXAMPLE.read_text().replace(old, old.replace("v1.2.3", "v9.9.9"))
    code, fs = findings(cli, write(tmp_path, text))
    assert code == 1
    assert [f["code"] for f in fs] == ["MP203"]
    assert "customer-support/production" in str(fs[0]["message"]) and "v9.9.9" in str(fs[0]["message"])


def test_invalid_version_id(cli: Cli, tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("  - version: claude-opus-v4.0.0\n", "  - version: claude-opus-v4.0.0rc1\n")
    code, fs = findings(cli, write(tmp_path, text))
    assert code == 1
    assert any(f["code"] == "MP201" for f in fs)


def test_non_utf8_bytes(cli: Cli, tmp_path: Path) -> None:
    raw = EXAMPLE.read_bytes().replace(b"Improved accuracy", b"Improved \xff accuracy")
    line = raw[: raw.index(b"\xff")].count(b"\n") + 1
    r = cli("validate", write(tmp_path, raw))
    assert r.exit_code == 2
    assert f":{line}:" in r.stderr and "MP004" in r.stderr and "0xff" in r.stderr


def test_directory(cli: Cli, tmp_path: Path) -> None:
    r = cli("validate", str(tmp_path))
    assert r.exit_code == 2 and "MP002" in r.stderr and "is a directory" in r.stderr


def test_missing_file(cli: Cli, tmp_path: Path) -> None:
    r = cli("validate", str(tmp_path / "nope.yaml"))
    assert r.exit_code == 2 and "MP001" in r.stderr and "no such file" in r.stderr


def test_json_output_for_unreadable_file(cli: Cli, tmp_path: Path) -> None:
    r = cli("validate", str(tmp_path / "nope.yaml"), "--json")
    assert r.exit_code == 2
    assert json.loads(r.stdout)["findings"][0]["code"] == "MP001"


def _run_limited(args: list[str], mem_bytes: int) -> subprocess.CompletedProcess[str]:
    """Run the real console script with an address-space limit (bounded memory, or it dies)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))

    exe = os.path.join(os.path.dirname(sys.executable), "modelpromote")
    return subprocess.run([exe, *args], capture_output=True, text=True, preexec_fn=limit, timeout=60, check=False)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "w") as fh:
        chunk = "# padding line to make a very large manifest file\n" * 20000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    r = _run_limited(["validate", str(path)], 1024 * 1024 * 1024)
    assert r.returncode == 2, r.stderr
    assert "MP003" in r.stderr and "limit" in r.stderr
    assert "Traceback" not in r.stderr


def test_alias_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghij"
    for prev, cur in itertools.pairwise(names):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = write(tmp_path, "\n".join(lines) + "\n")
    r = _run_limited(["validate", path], 1024 * 1024 * 1024)
    assert r.returncode == 2, r.stderr
    assert "MP007" in r.stderr and "Traceback" not in r.stderr


def test_recursive_alias(cli: Cli, tmp_path: Path) -> None:
    r = cli("validate", write(tmp_path, "a: &x [1, *x]\n"))
    assert r.exit_code == 2 and "MP007" in r.stderr


def test_two_documents(cli: Cli, tmp_path: Path) -> None:
    r = cli("validate", write(tmp_path, "a: 1\n---\nb: 2\n"))
    assert r.exit_code == 2 and "second one" in r.stderr


def test_unsupported_tag(cli: Cli, tmp_path: Path) -> None:
    r = cli("validate", write(tmp_path, "a: !!python/object:os.system x\n"))
    assert r.exit_code == 2 and "MP012" in r.stderr


@pytest.mark.parametrize("sample", ["- [\n", "a: b: c\n", "{{{\n", "a:\n\t- x\n", "key: 'unterminated\n", "\x00\x01"])
def test_real_console_script_never_prints_a_traceback(tmp_path: Path, sample: str) -> None:
    path = write(tmp_path, sample)
    exe = os.path.join(os.path.dirname(sys.executable), "modelpromote")
    r = subprocess.run([exe, "validate", path], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode in (1, 2)
    assert "Traceback" not in r.stderr and "MP0" in r.stderr
