"""A small manifest with a real promotions history, for the promotion-engine tests.

Timeline (all 2026-05): alpha's v1.1.0 went to dev on the 1st and staging on the 2nd; beta is
one version behind everywhere.  ``NOW`` is well past every soak.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from modelpromote.manifest.load import load_text
from modelpromote.manifest.schema import Manifest

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=timezone.utc)
NOW_ARG = "2026-05-10T12:00:00Z"

MANIFEST = """\
# the registry  (comment kept)
schema_version: 1

environments:
  - name: dev
  - name: staging
    promote_from: dev
    soak: 1h
  - name: production
    promote_from: staging
    soak: 24h        # a day in staging first
    approvals: 2
    allow_prerelease: false
    canary: {steps: [5, 25, 50, 100], interval: 30m}

models:
  - name: alpha
    owners: ['@acme/alpha']   # single-quoted on purpose
    environments:
      dev: base-a-v1.1.0     # newest
      staging: base-a-v1.1.0
      production: base-a-v1.0.0
    fallbacks: [base-a-v1.0.0]

  - name: beta
    owners: ["@acme/beta"]
    environments:
      dev: base-b-v2.1.0
      staging: base-b-v2.0.0
      production: base-b-v2.0.0
    config:
      production: {max_tokens: 512}

version_history:
  - version: base-a-v1.2.0-rc.1
    base_model: base-a
    status: release_candidate
    changelog: "candidate"
    artifact: {digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"}
  - version: base-a-v1.1.0
    base_model: base-a
    status: stable
    changelog: 'second'
  - version: base-a-v1.0.0
    base_model: base-a
    training_date: 2026-01-01
    status: stable
    changelog: first
  - version: base-b-v2.1.0
    base_model: base-b
    status: stable
  - version: base-b-v2.0.0
    base_model: base-b
    status: stable
  - version: base-b-v1.0.0
    base_model: base-b
    training_date: 2025-06-01
    status: deprecated

promotions:
  - {model: alpha, env: production, from: null, to: base-a-v1.0.0, at: "2026-04-01T00:00:00Z", by: "@ops"}
  - {model: alpha, env: dev, from: null, to: base-a-v1.1.0, at: "2026-05-01T00:00:00Z", by: "@ops"}
  - {model: alpha, env: staging, from: null, to: base-a-v1.1.0, at: "2026-05-02T00:00:00Z", by: "@ops"}

  - {model: beta, env: production, from: null, to: base-b-v2.0.0, at: "2026-04-01T00:00:00Z", by: "@ops"}
  - {model: beta, env: staging, from: null, to: base-b-v2.0.0, at: "2026-04-01T00:00:00Z", by: "@ops"}
  - {model: beta, env: dev, from: base-b-v2.0.0, to: base-b-v2.1.0, at: "2026-05-01T00:00:00Z", by: "@ops"}

failures: []

policies:
  retention: 30d
  freeze: []
"""


def write(tmp_path: Path, text: str = MANIFEST) -> Path:
    p = tmp_path / "manifest.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def manifest(text: str = MANIFEST) -> Manifest:
    loaded = load_text(text)
    assert loaded.ok, loaded.findings
    assert loaded.manifest is not None
    return loaded.manifest


def with_prompts(directory: Path) -> Path:
    """Copy the example registry's prompt files into ``directory`` (beside a copy of its manifest)."""
    import shutil

    from .paths import ROOT

    shutil.copytree(ROOT / "models" / "prompts", directory / "prompts", dirs_exist_ok=True)
    return directory
