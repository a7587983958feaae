"""Where things are: the repository, the tests, their data, the example registry."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
DATA = TESTS / "data"
EXAMPLE = ROOT / "models" / "manifest.yaml"
MANIFEST = "models/manifest.yaml"  # the manifest's path inside a repository
