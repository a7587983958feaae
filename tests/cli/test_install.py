"""The install story: licence metadata, project URLs, small core dependencies, and a clear message
(MP310, exit 2) instead of an ImportError when a verb needs an extra that is not installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from tests.support.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def test_license_is_an_spdx_string_with_the_full_text_shipped() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    # SPDX `license` strings need setuptools >= 77 (older ones warn on every install).
    assert any(r.startswith("setuptools>=7") or r.startswith("setuptools>=8") for r in PYPROJECT["build-system"]["requires"])


def test_project_urls_point_at_the_repository() -> None:
    urls = PROJECT["urls"]
    for key in ("Homepage", "Repository", "Issues", "Changelog"):
        assert urls[key].startswith("https://github.com/modelpromote/modelpromote"), key


def test_core_dependencies_leave_out_the_github_client_and_eval_codecs() -> None:
    core = " ".join(PROJECT["dependencies"]).lower()
    for heavy in ("pygithub", "zstandard", "prometheus", "opentelemetry", "requests", "cryptography"):
        assert heavy not in core
    extras = PROJECT["optional-dependencies"]
    assert {"github", "eval", "prometheus", "otel", "all"} <= set(extras)
    assert any("pygithub" in d.lower() for d in extras["github"])
    assert extras["all"] == ["modelpromote[github,eval,prometheus,otel]"]


@pytest.fixture
def without_pygithub(tmp_path: Path) -> dict[str, str]:
    """An environment in which `import github` fails, as in `pip install modelpromote` without [github]."""
    shadow = tmp_path / "shadow" / "github"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named github (test shadow)')\n")
    env = dict(os.environ, PYTHONPATH=f"{shadow.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", GITHUB_TOKEN="t")
    env.pop("GITHUB_ACTIONS", None)
    return env


@pytest.mark.parametrize(
    "argv",
    [
        ["pr", "customer-support", "claude-3-5-sonnet-v1.3.0", "--to", "production", "--repo", "acme/models"],
        ["gate", "--repo", "acme/models", "--pr", "1"],
        ["drift", "--repo", "acme/models"],
    ],
    ids=lambda a: a[0],
)
def test_a_verb_needing_a_missing_extra_names_the_pip_command(argv: list[str], without_pygithub: dict[str, str]) -> None:
    p = subprocess.run([sys.executable, "-m", "modelpromote", *argv], cwd=ROOT, env=without_pygithub, capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "MP310" in p.stderr and 'pip install "modelpromote[github]"' in p.stderr
    assert "Traceback" not in p.stderr


def test_read_only_verbs_work_without_the_extras(without_pygithub: dict[str, str]) -> None:
    p = subprocess.run([sys.executable, "-m", "modelpromote", "validate"], cwd=ROOT, env=without_pygithub, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
