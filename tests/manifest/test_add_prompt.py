"""AddPrompt: a catalogue entry goes where a person would put it, in the style around it, and
nothing else in the file changes."""

from __future__ import annotations

import pytest

from modelpromote.manifest import changes as ch
from modelpromote.manifest.load import load_text
from tests.support.manifests import MANIFEST

ENTRY = {"version": 2, "file": "prompts/alpha/v2.md", "sha256": "b" * 64, "variables": ["q"], "changelog": "shorter: 2 lines"}
V1 = "    - version: 1\n      file: prompts/alpha/v1.md\n      sha256: " + "a" * 64 + "\n"


def catalogue(prompts: str) -> str:
    return MANIFEST.replace("\npromotions:\n", f"\n{prompts}\npromotions:\n", 1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # newest first stays newest first (one entry counts as newest first: the example's order)
        (f"prompts:\n  alpha:\n{V1}", "prompts:\n  alpha:\n    - version: 2\n      file: prompts/alpha/v2.md\n      sha256: "
         + "b" * 64 + '\n      variables: [q]\n      changelog: "shorter: 2 lines"\n' + V1),
        # oldest first: appended
        ("prompts:\n  alpha:\n" + V1.replace("version: 1", "version: 0").replace("v1.md", "v0.md") + V1,
         "prompts:\n  alpha:\n" + V1.replace("version: 1", "version: 0").replace("v1.md", "v0.md") + V1
         + "    - version: 2\n      file: prompts/alpha/v2.md\n      sha256: " + "b" * 64 + '\n      variables: [q]\n      changelog: "shorter: 2 lines"\n'),
        # an empty list ([] becomes a block list)
        ("prompts:\n  alpha: []\n", None),
        ("prompts: {}\n", "prompts: {alpha: [{version: 2, file: prompts/alpha/v2.md, sha256: " + "b" * 64
         + ', variables: [q], changelog: "shorter: 2 lines"}]}\n'),
        # another model's list exists: a new block after it, indented like it
        (f"prompts:\n  beta:\n{V1.replace('alpha', 'beta')}", f"prompts:\n  beta:\n{V1.replace('alpha', 'beta')}  alpha:\n"
         "    - version: 2\n      file: prompts/alpha/v2.md\n      sha256: " + "b" * 64 + '\n      variables: [q]\n      changelog: "shorter: 2 lines"\n'),
    ],
)
def test_the_entry_lands_in_the_surrounding_style(before: str, after: str | None) -> None:
    text = catalogue(before)
    new = ch.apply(text, "manifest.yaml", [ch.AddPrompt("alpha", ENTRY)])
    loaded = load_text(new)
    assert loaded.manifest is not None, loaded.findings
    entry = loaded.manifest.prompt("alpha", 2)
    assert entry is not None and entry.sha256 == "b" * 64 and entry.changelog == "shorter: 2 lines" and entry.variables == ["q"]
    if after is not None:
        assert new == catalogue(after)
    # only the prompts section changed
    head, tail = text.split("\nprompts:", 1)[0], text.split("\npromotions:", 1)[1]
    assert new.startswith(head) and new.endswith(tail)


def test_a_manifest_without_a_catalogue_gets_one_at_the_end() -> None:
    new = ch.apply(MANIFEST, "manifest.yaml", [ch.AddPrompt("alpha", ENTRY)])
    assert new.startswith(MANIFEST)
    assert new[len(MANIFEST):] == ("prompts:\n  alpha:\n    - version: 2\n      file: prompts/alpha/v2.md\n      sha256: " + "b" * 64
                                   + '\n      variables: [q]\n      changelog: "shorter: 2 lines"\n')
    crlf = MANIFEST.replace("\n", "\r\n")
    assert ch.apply(crlf, "manifest.yaml", [ch.AddPrompt("alpha", ENTRY)]) == new.replace("\n", "\r\n")
