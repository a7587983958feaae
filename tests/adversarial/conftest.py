"""The adversarial suites attack a private copy of the example (tests/conftest.py's manifest_path)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def example(manifest_path: Path) -> Path:
    return manifest_path
