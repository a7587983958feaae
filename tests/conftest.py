"""Shared fixtures: the example manifest in a temp dir, and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelpromote.cli import main
from tests.support.manifests import with_prompts
from tests.support.paths import EXAMPLE


@pytest.fixture
def manifest_path(tmp_path: Path) -> Path:
    """A private copy of models/manifest.yaml, with the prompt files it catalogues."""
    dst = tmp_path / "manifest.yaml"
    shutil.copy(EXAMPLE, dst)
    with_prompts(tmp_path)
    return dst


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run the CLI in-process: cli("validate", "x.yaml") -> click Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return invoke
