"""Writes: never onto a FIFO, device or directory; through a symlink to the real file; bytes preserved."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.manifests import MANIFEST, NOW_ARG

EXE = str(Path(sys.executable).parent / "modelpromote")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "MODELPROMOTE_"))}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)



def _results(tmp_path: Path) -> Path:
    p = tmp_path / "r.json"
    p.write_text('{"format": "modelpromote-eval", "version": 1, "metrics": {"pass_rate": {"successes": 50, "total": 50}}}')
    return p


def _target(tmp_path: Path, kind: str) -> str:
    if kind == "fifo":
        os.mkfifo(tmp_path / "fifo")
        return str(tmp_path / "fifo")
    if kind == "directory":
        (tmp_path / "dir").mkdir()
        return str(tmp_path / "dir")
    if kind == "symlink to a FIFO":
        os.mkfifo(tmp_path / "fifo2")
        os.symlink(tmp_path / "fifo2", tmp_path / "link")
        return str(tmp_path / "link")
    return kind  # a device


TARGETS = ["fifo", "directory", "symlink to a FIFO", "/dev/null", "/dev/full", "/dev/zero"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("flag", ["--markdown", "--report"])
def test_eval_never_replaces_a_non_regular_file(tmp_path: Path, flag: str, target: str) -> None:
    path = _target(tmp_path, target)
    before = os.stat(path, follow_symlinks=True)
    r = run("eval", "--results", str(_results(tmp_path)), "--threshold", "0.5", flag, path)
    assert r.returncode == 2, r.stderr
    assert "MP002" in r.stderr or "is a directory" in r.stderr, r.stderr
    after = os.stat(path, follow_symlinks=True)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)


@pytest.mark.parametrize("target", ["fifo", "/dev/null", "/dev/full"])
def test_export_never_replaces_a_non_regular_file(tmp_path: Path, example: Path, target: str) -> None:
    path = _target(tmp_path, target)
    before = os.stat(path)
    r = run("export", "-m", str(example), "--env", "production", "--out", path)
    assert r.returncode == 2 and "MP002" in r.stderr, r.stderr
    assert os.stat(path).st_ino == before.st_ino


@pytest.mark.parametrize("target", ["fifo", "/dev/null"])
def test_a_manifest_that_is_not_a_regular_file_is_refused(tmp_path: Path, target: str) -> None:
    r = run("hold", "alpha", "--reason", "x", "-m", _target(tmp_path, target))
    assert r.returncode == 2 and "MP002" in r.stderr, r.stderr


@pytest.mark.parametrize("verb", [["hold", "alpha", "--reason", "x"], ["promote", "alpha", "base-a-v1.2.0-rc.1", "--to", "dev"]])
def test_a_symlinked_manifest_is_written_through_to_the_real_file(tmp_path: Path, verb: list[str]) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "manifest.yaml"
    real.write_text(MANIFEST, encoding="utf-8")
    link = tmp_path / "manifest.yaml"
    link.symlink_to(real)
    r = run(*verb, "--now", NOW_ARG, "-m", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link is still the link
    assert real.read_text(encoding="utf-8") != MANIFEST  # and the real file changed
    assert [p.name for p in real_dir.iterdir()] == ["manifest.yaml"]  # no temp file beside it
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- byte preservation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('      dev: "base-a-v1.1.0"     # newest', '      dev: "base-a-v1.2.0-rc.1"     # newest'),
        ("      dev: 'base-a-v1.1.0'     # newest", "      dev: 'base-a-v1.2.0-rc.1'     # newest"),
        ("      dev: base-a-v1.1.0     # newest", "      dev: base-a-v1.2.0-rc.1     # newest"),
    ],
)
def test_promote_keeps_the_quoting_style(tmp_path: Path, before: str, after: str) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_text(MANIFEST.replace("      dev: base-a-v1.1.0     # newest", before), encoding="utf-8")
    r = run("promote", "alpha", "base-a-v1.2.0-rc.1", "--to", "dev", "--now", NOW_ARG, "-m", str(p))
    assert r.returncode == 0, r.stderr
    assert after in p.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_lf_and_crlf_files_are_edited_in_their_own_line_endings(tmp_path: Path, newline: str) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_bytes(MANIFEST.replace("\n", newline).encode())
    r = run("hold", "alpha", "--reason", "x", "--now", NOW_ARG, "-m", str(p))
    assert r.returncode == 0, r.stderr
    raw = p.read_bytes()
    assert raw.count(b"\n") == raw.count(newline.encode()) and b"hold:" in raw


def test_cr_only_files_are_refused_with_a_location(tmp_path: Path) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_bytes(MANIFEST.replace("\n", "\r").encode())
    for args in (["validate", str(p)], ["hold", "alpha", "--reason", "x", "-m", str(p)]):
        r = run(*args)
        assert r.returncode == 2 and "MP005" in r.stderr and "manifest.yaml:1:" in r.stderr and "CR-only" in r.stderr, r.stderr
    assert p.read_bytes() == MANIFEST.replace("\n", "\r").encode()


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x08", "\ufffe"])
def test_control_characters_are_reported_at_line_and_column(tmp_path: Path, char: str) -> None:
    p = tmp_path / "manifest.yaml"
    text = MANIFEST.replace("  - name: beta\n", f"  - name: be{char}ta\n")
    p.write_text(text, encoding="utf-8")
    line = text[: text.index(char)].count("\n") + 1
    r = run("validate", str(p))
    assert r.returncode == 2 and f"manifest.yaml:{line}:13:" in r.stderr, r.stderr


def test_a_manifest_with_a_bom_is_edited_and_keeps_it(tmp_path: Path) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + MANIFEST.encode())
    r = run("hold", "alpha", "--reason", "x", "--now", NOW_ARG, "-m", str(p))
    assert r.returncode == 0, r.stderr
    assert p.read_bytes().startswith(b"\xef\xbb\xbf") and b"hold:" in p.read_bytes()


# -- rollback's default ---------------------------------------------------------------------------


def test_rollback_defaults_to_the_previous_live_version(tmp_path: Path) -> None:
    """beta's dev log says "from base-b-v2.0.0 to base-b-v2.1.0": no --to needed."""
    p = tmp_path / "manifest.yaml"
    p.write_text(MANIFEST, encoding="utf-8")
    r = run("rollback", "beta", "--env", "dev", "--reason", "bad answers", "--now", NOW_ARG, "-m", str(p))
    assert r.returncode == 0, r.stderr
    assert "base-b-v2.1.0 -> base-b-v2.0.0 (previous live version)" in r.stdout
    assert "      dev: base-b-v2.0.0\n" in p.read_text(encoding="utf-8")


def test_rollback_without_any_earlier_version_is_mp414(tmp_path: Path) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_text(MANIFEST, encoding="utf-8")
    r = run("rollback", "beta", "--env", "production", "--reason", "x", "--now", NOW_ARG, "-m", str(p))
    assert r.returncode == 1 and "MP414" in r.stderr, r.stderr
    assert p.read_text(encoding="utf-8") == MANIFEST


def test_health_writes_to_a_manifest_with_a_bom(tmp_path: Path) -> None:
    import json

    from tests.support.health import AT, REGISTRY, metrics

    p = tmp_path / "manifest.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + REGISTRY.encode())
    (tmp_path / "m.json").write_text(json.dumps(metrics()), encoding="utf-8")
    r = run("health", "-m", str(p), "--metrics-json", str(tmp_path / "m.json"), "--at", AT)
    assert "MP808" not in r.stderr and f"wrote {p}" in r.stdout, r.stdout + r.stderr
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw != b"\xef\xbb\xbf" + REGISTRY.encode()
