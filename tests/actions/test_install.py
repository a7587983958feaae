"""The cold path of the actions' install helper: the pinned uv, and nothing run from the workspace.

install.sh builds the environment with a uv it fetches itself (actions/_lib/get-uv.py: one version,
each platform's wheel checked against its sha256 before anything in it runs) and falls back to pip
where that uv is not to be had.  The build runs from a neutral directory with ``python -I`` and uv
reads no configuration file, so a checked-out pull request cannot put code (a ``pip/`` package, a
``platform.py``) or an index (``uv.toml``) in its way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.paths import ROOT

LIB = ROOT / "actions" / "_lib"


def get_uv() -> ModuleType:
    spec = importlib.util.spec_from_file_location("get_uv", LIB / "get-uv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_pinned_uv_wheel_has_a_sha256_and_the_pinned_version() -> None:
    mod = get_uv()
    assert {k[:2] for k in mod.WHEELS} >= {("Linux", "x86_64"), ("Linux", "aarch64"), ("Darwin", "x86_64"), ("Darwin", "arm64")}
    for url, sha256 in mod.WHEELS.values():
        assert url.startswith("https://files.pythonhosted.org/packages/") and f"/uv-{mod.VERSION}-py3-none-" in url
        assert len(sha256) == 64 and int(sha256, 16) >= 0


def _fake_wheel(path: Path, version: str) -> str:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"uv-{version}.data/scripts/uv", "#!/bin/sh\necho fake uv\n")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_wheel_that_does_not_match_its_sha256_is_never_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = get_uv()
    wheel = tmp_path / "uv.whl"
    _fake_wheel(wheel, mod.VERSION)
    # Every platform's entry points at the tampered file (file:// needs no network).
    monkeypatch.setattr(mod, "WHEELS", {k: (wheel.as_uri(), "0" * 64) for k in mod.WHEELS})
    monkeypatch.setattr(mod, "platform_key", lambda: ("Linux", "x86_64", "glibc"))
    monkeypatch.setattr("sys.argv", ["get-uv.py", str(tmp_path / "tools")])
    with pytest.raises(SystemExit) as exit_:
        mod.main()
    assert exit_.value.code == 3  # install.sh then builds with pip
    assert "does not have the pinned sha256" in capsys.readouterr().err
    assert not (tmp_path / "tools" / f"uv-{mod.VERSION}").exists()


def test_a_matching_wheel_gives_its_uv_binary_and_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = get_uv()
    wheel = tmp_path / "uv.whl"
    sha = _fake_wheel(wheel, mod.VERSION)
    monkeypatch.setattr(mod, "WHEELS", {("Linux", "x86_64", "glibc"): (wheel.as_uri(), sha)})
    monkeypatch.setattr(mod, "platform_key", lambda: ("Linux", "x86_64", "glibc"))
    monkeypatch.setattr("sys.argv", ["get-uv.py", str(tmp_path / "tools")])
    mod.main()
    exe = tmp_path / "tools" / f"uv-{mod.VERSION}" / "uv"
    assert capsys.readouterr().out.strip() == str(exe) and os.access(exe, os.X_OK)
    wheel.unlink()  # a second build on this runner does not download again
    mod.main()
    assert capsys.readouterr().out.strip() == str(exe)


def test_a_platform_without_a_pinned_wheel_falls_back_to_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mod = get_uv()
    monkeypatch.setattr(mod, "platform_key", lambda: ("Plan9", "mips", ""))
    monkeypatch.setattr("sys.argv", ["get-uv.py", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_:
        mod.main()
    assert exit_.value.code == 3
    assert "no pinned wheel for Plan9/mips; building with pip instead" in capsys.readouterr().err


def _hostile_workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A checkout that would run code if Python or uv looked at the working directory."""
    ws, marker = tmp_path / "workspace", tmp_path / "pwned"
    (ws / "pip").mkdir(parents=True)
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("platform.py", "zipfile.py", "hashlib.py", "pip/__init__.py", "pip/__main__.py", "venv.py"):
        (ws / name).write_text(payload)
    # An index nobody can reach: uv reading it would fail the build (then pip would run).
    (ws / "uv.toml").write_text('index-url = "http://127.0.0.1:9/simple"\n')
    (ws / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n[tool.uv]\nindex-url = "http://127.0.0.1:9/simple"\n')
    return ws, marker


def _install(tmp_path: Path, cwd: Path, **extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run install.sh cold (network: the pinned uv and the dependencies); returns the run and its cli."""
    out = tmp_path / "out"
    out.write_text("")
    (tmp_path / "temp").mkdir(exist_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "GITHUB_OUTPUT": str(out),
        "RUNNER_TEMP": str(tmp_path / "temp"),
        "RUNNER_TOOL_CACHE": str(tmp_path / "tc"),
        "RUNNER_OS": "Linux",
        **extra,
    }
    r = subprocess.run(["bash", str(LIB / "install.sh")], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    return r, Path(out.read_text().strip().removeprefix("cli="))


def test_a_failing_uv_build_falls_back_to_pip(tmp_path: Path) -> None:
    """uv cannot install (here: an unreachable index that only uv reads); pip builds it instead."""
    r, cli = _install(tmp_path, tmp_path, UV_DEFAULT_INDEX="http://127.0.0.1:9/simple")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "uv could not build the environment; building it with pip" in r.stdout
    assert subprocess.run([str(cli), "--version"], capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_cold_build_runs_nothing_from_the_workspace(tmp_path: Path, installer: str) -> None:
    """The real cold paths (network: the pinned uv and the dependencies; pip is the fallback)."""
    ws, marker = _hostile_workspace(tmp_path)
    r, cli = _install(tmp_path, ws, MODELPROMOTE_INSTALLER=installer)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not marker.exists(), f"ran code from the workspace: {marker.read_text()}"
    assert "building it with pip" not in r.stdout + r.stderr  # uv (when asked) built it, ignoring the workspace's uv.toml
    assert cli.name == "modelpromote" and os.access(cli, os.X_OK)
    assert subprocess.run([str(cli), "--version"], capture_output=True, check=False).returncode == 0
    uvs = list((tmp_path / "tc" / "modelpromote").glob("uv-*/uv"))
    if installer == "pip":
        assert not uvs
    else:
        assert get_uv().VERSION in subprocess.run([str(uvs[0]), "--version"], capture_output=True, text=True, check=True).stdout
