"""Drift benchmarks: the pure comparison on a big registry, and a whole `drift` run against the emulator.

Baselines measured in the same run: loading the same manifest (what any verb pays) for the pure
comparison, and ``modelpromote validate`` (process start + load) for the whole run, so the ratio
shows what reading the deployments through GitHub's API adds (one listing per environment, one
status read per deployment found).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from modelpromote.manifest.load import load_text
from modelpromote.policy.deploy import deployment_requests
from modelpromote.policy.drift import DeploymentRecord, compare, expected, latest_deployed
from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import init_bare

from ._util import ROOT, Row, median_call, median_process, tool
from .gen_manifest import generate

T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _pure_rows() -> list[Row]:
    text = generate(1000, 5000)
    loaded = load_text(text, "big.yaml", check=False)
    assert loaded.manifest is not None
    m = loaded.manifest
    records = [
        DeploymentRecord(i, "sha", r.env, r.payload(), T0, ("success",)) for i, r in enumerate(deployment_requests(None, m))
    ]
    records.reverse()
    load = median_call(lambda: load_text(text, "big.yaml", check=False), repeat=5)
    ours = median_call(lambda: compare(expected(m), latest_deployed(records), "deployment"), repeat=7)
    return [
        Row("load 1k-model manifest (baseline)", load, "ms"),
        Row(f"drift compare: {len(records)} pointers", ours, "ms", target="<= 50 ms", ok=ours <= 0.05,
            baseline="load of the same manifest", ratio=ours / load),
    ]


def _process_rows() -> list[Row]:
    mp = tool("modelpromote")
    manifest = ROOT / "models" / "manifest.yaml"
    with tempfile.TemporaryDirectory() as d:
        repo = Path(d) / "models.git"
        init_bare(repo, {"models/manifest.yaml": manifest.read_text(encoding="utf-8")})
        with GitHubEmulator(repo, users=["alice"]) as gh:
            env = {
                "GITHUB_TOKEN": gh.token("alice"),
                "GITHUB_API_URL": gh.url,
                "GITHUB_REPOSITORY": "acme/models",
                "MODELPROMOTE_GITHUB_THROTTLE": "0",
                "GITHUB_ACTIONS": "",
            }
            main = gh.branch_sha("main") or ""
            median_process([mp, "deploy", "--before", "0" * 40, "--after", main], repeat=1, env=env)
            validate = median_process([mp, "validate", str(manifest)], repeat=7, env={**os.environ, **env})
            drift = median_process([mp, "drift"], repeat=7, env=env)
    return [
        Row("modelpromote validate (process baseline)", validate, "ms"),
        Row("drift vs emulator: 6 pointers, 3 environments", drift, "ms", target="<= 2 s", ok=drift <= 2.0,
            baseline="validate", ratio=drift / validate),
    ]


def run() -> list[Row]:
    return _pure_rows() + _process_rows()
