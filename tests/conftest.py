"""Shared fixtures: the example manifest in a temp dir, and a CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelpromote.cli import main
from tests.support.manifests import with_prompts
from tests.support.paths import EXAMPLE


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The status cache of every run (in-process and subprocesses) lives in the session's temp
    dir: tests never read or fill the developer's ~/.cache/modelpromote."""
    os.environ["MODELPROMOTE_CACHE_DIR"] = str(tmp_path_factory.mktemp("modelpromote-cache"))


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
