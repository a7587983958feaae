"""Semantic checks: each rule fires where it should, at the right place, and nowhere else."""

from __future__ import annotations

import pytest

from modelpromote.manifest.load import load_text
from tests.support.paths import EXAMPLE

BASE = EXAMPLE.read_text()


def codes(text: str) -> list[str]:
    return [f.code for f in load_text(text, "m.yaml").findings]


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text, f"fixture drifted: {old!r} not in example"
    return text.replace(old, new, 1)


def test_example_manifest_is_clean() -> None:
    loaded = load_text(BASE, "m.yaml")
    assert loaded.ok and loaded.findings == []


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        # prerelease where production forbids it
        ("      production: claude-3-5-sonnet-v1.2.3\n    # Runtime", "      production: claude-3-5-sonnet-v1.3.0-rc.1\n    # Runtime", "MP206"),
        # failed / retired version live
        ("    status: stable\n    changelog: \"Fixed tokenizer", "    status: failed\n    changelog: \"Fixed tokenizer", "MP205"),
        ("    status: stable\n    changelog: \"Fixed tokenizer", "    status: retired\n    changelog: \"Fixed tokenizer", "MP205"),
        # unknown status
        ("    status: stable\n", "    status: golden\n", "MP213"),
        # environment not on the ladder
        ("      dev: claude-opus-v4.0.0\n", "      qa: claude-opus-v4.0.0\n", "MP204"),
        # invalid dates
        ("    training_date: 2026-05-15\n", "    training_date: 2026-02-30\n", "MP208"),
        ('at: "2026-04-20T09:00:00Z"', 'at: "2026-04-20T09:00:00"', "MP208"),
        # duplicate catalogue entry
        ("  - version: claude-opus-v4.0.0-rc.1\n", "  - version: claude-opus-v4.0.0\n", "MP202"),
        # base_model disagrees with the id
        ("    base_model: claude-opus\n", "    base_model: claude-3-opus\n", "MP212"),
        # fallback to something that does not exist
        ("fallbacks: [claude-3-sonnet-20240229]", "fallbacks: [claude-2-v1.0.0]", "MP203"),
        # fallback listed twice
        ("fallbacks: [claude-3-sonnet-20240229]", "fallbacks: [claude-3-sonnet-20240229, claude-3-sonnet-20240229]", "MP207"),
        # ladder: promote_from names a later environment
        ("    promote_from: dev\n", "    promote_from: production\n", "MP210"),
        # duplicate model
        ("  - name: code-generator\n", "  - name: customer-support\n", "MP209"),
        # A/B control that does not exist
        ("control: claude-3-5-sonnet-v1.2.3", "control: claude-3-5-sonnet-v0.0.1", "MP203"),
        # bad owner / name patterns are schema errors
        ('owners: ["@acme/devtools-ml"]', 'owners: ["acme devtools"]', "MP103"),
        ("  - name: code-generator\n", "  - name: Code Generator\n", "MP103"),
        # canary steps must end at 100
        ("steps: [5, 25, 50, 100]", "steps: [5, 25, 50]", "MP103"),
        ("soak: 24h", "soak: one day", "MP103"),
        ("schema_version: 1", "schema_version: 2", "MP104"),
        # a canary and an experiment in the same environment would split traffic twice
        ("      staging: {control: claude-3-5-sonnet-v1.2.3, weight: 50, salt: cs-v1.3.0-ab}\n",
         "      staging: {control: claude-3-5-sonnet-v1.2.3, weight: 50, salt: cs-v1.3.0-ab}\n    canary:\n"
         "      staging: {baseline: claude-3-5-sonnet-v1.2.3, weight: 5, started_at: '2026-06-01T00:00:00Z'}\n", "MP214"),
    ],
)
def test_rule_fires(old: str, new: str, code: str) -> None:
    assert code in codes(edit(old, new))


def test_fallback_loop_in_version_links() -> None:
    text = edit("    fallback: claude-3-sonnet-20240229\n", "    fallback: claude-3-5-sonnet-v1.3.0-rc.1\n")
    loaded = load_text(text, "m.yaml")
    loops = [f for f in loaded.findings if f.code == "MP207"]
    assert len(loops) == 1
    assert "claude-3-5-sonnet-v1.2.3" in loops[0].message and "claude-3-5-sonnet-v1.3.0-rc.1" in loops[0].message


def test_findings_point_at_the_offending_line() -> None:
    text = edit("      dev: claude-opus-v4.0.0\n", "      dev: claude-opus-v4.9.0\n")
    (f,) = load_text(text, "m.yaml").findings
    line = text.splitlines()[f.line - 1]  # type: ignore[operator]
    assert "claude-opus-v4.9.0" in line
    assert line[f.col - 1 :].startswith("claude-opus-v4.9.0")  # type: ignore[operator]


def test_prompt_suffix_in_pointer_resolves_to_the_model_version() -> None:
    assert "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4" in BASE
    assert codes(BASE) == []


def test_yaml_1_1_booleans_stay_strings() -> None:
    # "no"/"on" are strings in YAML 1.2; a changelog of "no" must not become False.
    text = edit('    changelog: "First release candidate on the new base model"', "    changelog: no")
    loaded = load_text(text, "m.yaml")
    assert loaded.ok
    assert loaded.manifest is not None
    assert loaded.manifest.catalogue()["claude-opus-v4.0.0-rc.1"].changelog == "no"
