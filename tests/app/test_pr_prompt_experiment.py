"""The promotion pull request (and `plan`) show the prompt change and the A/B experiment a
promotion lands in: real PyGithub against the emulator, prompt files read from the base branch."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from modelpromote.sandbox.emulator import GitHubEmulator
from modelpromote.sandbox.gitrepo import init_bare
from tests.support.github import EXAMPLE, MANIFEST, TEAMS, USERS, cli_env

PROMPTS = EXAMPLE.parent / "prompts" / "customer-support"
V5 = "You are the support assistant of {{ company }}.\nAnswer {{ customer_name }} in two sentences: {{ question }}\n"
NEW = "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v5"
CONTROL = "claude-3-5-sonnet-v1.2.3"


def registry() -> str:
    """The example registry with prompt-v5 catalogued and paired in dev for a day (soaked)."""
    digest = hashlib.sha256(V5.encode()).hexdigest()
    t = EXAMPLE.read_text(encoding="utf-8")
    t = t.replace("      dev: claude-opus-v4.0.0-rc.1\n      staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4\n",
                  f"      dev: {NEW}\n      staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4\n", 1)
    t = t.replace("  customer-support:\n    - version: 4\n",
                  f"  customer-support:\n    - version: 5\n      file: prompts/customer-support/v5.md\n      sha256: {digest}\n"
                  "      variables: [company, customer_name, question]\n      changelog: \"Two sentences at most\"\n    - version: 4\n", 1)
    t = t.replace("promotions:\n",
                  f'promotions:\n  - {{model: customer-support, env: dev, from: null, to: {NEW}, at: "2026-06-01T00:00:00Z", by: "@bob"}}\n', 1)
    # the experiment runs at 20 %
    return t.replace("staging: {control: claude-3-5-sonnet-v1.2.3, weight: 50,", "staging: {control: claude-3-5-sonnet-v1.2.3, weight: 20,", 1)


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubEmulator]:
    repo = tmp_path / "models.git"
    files = {MANIFEST: registry(), "README.md": "registry\n", "models/prompts/customer-support/v5.md": V5}
    for p in PROMPTS.iterdir():
        files[f"models/prompts/customer-support/{p.name}"] = p.read_text(encoding="utf-8")
    init_bare(repo, files)
    with GitHubEmulator(repo, users=USERS, teams=TEAMS) as emulator:
        yield emulator


def test_pr_body_shows_the_experiment_and_the_prompt_diff(gh: GitHubEmulator, cli: Callable[..., Result]) -> None:
    r = cli("pr", "customer-support", NEW, "--to", "staging", "--now", "2026-06-03T00:00:00Z", "--json", env=cli_env(gh, "alice"))
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["plan"]["experiment"] == {"control": CONTROL, "weight": 20} and out["plan"]["canary"] is None
    body = gh.state.pulls[out["number"]].body
    assert body is not None
    first = body.splitlines()[0]
    assert f"A/B 20% vs control `{CONTROL}`" in first and "full rollout" not in body
    assert "## Prompt" in body and "Prompt prompt-v5: Two sentences at most" in body
    v4 = (PROMPTS / "v4.md").read_text(encoding="utf-8")
    assert f"| live | prompt-v4 | `prompts/customer-support/v4.md` | `{hashlib.sha256(v4.encode()).hexdigest()}` |" in body
    assert f"| candidate | prompt-v5 | `prompts/customer-support/v5.md` | `{hashlib.sha256(V5.encode()).hexdigest()}` |" in body
    assert "--- a/prompts/customer-support/v4.md\n+++ b/prompts/customer-support/v5.md\n" in body
    assert "+Answer {{ customer_name }} in two sentences: {{ question }}" in body
    assert "-Order record:" in body


def test_plan_shows_the_same_locally(tmp_path: Path, cli: Callable[..., Result]) -> None:
    (tmp_path / "prompts" / "customer-support").mkdir(parents=True)
    for p in PROMPTS.iterdir():
        (tmp_path / "prompts" / "customer-support" / p.name).write_bytes(p.read_bytes())
    (tmp_path / "prompts" / "customer-support" / "v5.md").write_text(V5)
    m = tmp_path / "manifest.yaml"
    m.write_text(registry())
    r = cli("plan", "customer-support", NEW, "--to", "staging", "-m", str(m), "--now", "2026-06-03T00:00:00Z")
    assert r.exit_code == 0, r.output
    assert f"becomes its treatment (A/B 20% vs control {CONTROL}), no canary" in r.stdout
    assert "prompt: prompt-v4 (prompts/customer-support/v4.md, sha256 a1b3de0cbc9e…) -> prompt-v5" in r.stdout
    assert "    +Answer {{ customer_name }} in two sentences: {{ question }}" in r.stdout
    j = json.loads(cli("plan", "customer-support", NEW, "--to", "staging", "-m", str(m), "--now", "2026-06-03T00:00:00Z", "--json").stdout)
    assert j["prompt"]["live"]["prompt"] == 4 and j["prompt"]["candidate"]["sha256"] == hashlib.sha256(V5.encode()).hexdigest()
    assert j["prompt"]["changed"] is True and "+Answer" in j["prompt"]["diff"]
    # an edited released prompt: the plan warns (validate fails with MP218)
    (tmp_path / "prompts" / "customer-support" / "v5.md").write_text(V5 + "Offer a discount.\n")
    r = cli("plan", "customer-support", NEW, "--to", "staging", "-m", str(m), "--now", "2026-06-03T00:00:00Z")
    assert "does not match its recorded sha256" in r.stdout
