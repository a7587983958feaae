"""policy.classify: every manifest difference becomes a part with its approvals."""

from __future__ import annotations

from modelpromote.manifest.load import load_text
from modelpromote.manifest.schema import Manifest
from modelpromote.policy.classify import classify
from tests.support.paths import EXAMPLE

TEXT = EXAMPLE.read_text(encoding="utf-8")


def manifest(text: str) -> Manifest:
    m = load_text(text, check=False).manifest
    assert m is not None
    return m


def test_identical_manifests_have_no_parts() -> None:
    assert classify(manifest(TEXT), manifest(TEXT)) == []


def test_the_text_of_a_live_prompt_changed_under_its_digest_needs_the_strictest_approvals() -> None:
    m = manifest(TEXT)
    [part] = classify(m, m, ["models/prompts/customer-support/v4.md"])
    assert (part.kind, part.required, part.owners_of) == (
        "catalogue",
        1,
        ("customer-support",),
    )  # v4 is live in staging (0 approvals) -> at least 1
    [stray] = classify(m, m, ["models/prompts/customer-support/v9.md"])
    assert stray.kind == "release" and "no catalogue entry" in stray.what
    assert classify(m, m, ["README.md", "models/manifest.schema.json"]) == []


def test_a_new_version_is_a_release_and_a_live_entry_edit_is_not() -> None:
    added = TEXT.replace(
        "version_history:\n",
        "version_history:\n  - {version: claude-3-5-sonnet-v1.4.0, base_model: claude-3-5-sonnet, status: dev}\n",
    )
    [part] = classify(manifest(TEXT), manifest(added))
    assert (part.kind, part.required) == ("release", 1)
    edited = TEXT.replace('changelog: "Fixed tokenizer edge case on multi-byte characters"', 'changelog: "rewritten"')
    [live] = classify(manifest(TEXT), manifest(edited))
    assert live.kind == "catalogue" and live.required == 2 and set(live.owners_of) == {"customer-support", "code-generator"}
