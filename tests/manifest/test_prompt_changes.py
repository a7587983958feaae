"""The gate's view of a pull request that touches prompt files: whose prompt each changed path is,
and whether a released prompt's bytes no longer match the digest reviewers approved."""

from __future__ import annotations

import hashlib

from modelpromote.manifest.load import load_text
from modelpromote.manifest.prompt_checks import classify_prompt_changes, prompt_paths, prompt_paths_to_read
from modelpromote.manifest.schema import Manifest
from tests.support.paths import EXAMPLE

TEXT = EXAMPLE.read_text(encoding="utf-8")
V3 = (EXAMPLE.parent / "prompts" / "customer-support" / "v3.md").read_bytes()
V4 = (EXAMPLE.parent / "prompts" / "customer-support" / "v4.md").read_bytes()
MP = "models/manifest.yaml"


def load(text: str) -> Manifest:
    loaded = load_text(text, check=False)
    assert loaded.manifest is not None
    return loaded.manifest


BASE = load(TEXT)


def with_v5(text: str, raw: bytes, status: str = "") -> str:
    digest = hashlib.sha256(raw).hexdigest()
    entry = f"    - version: 5\n      file: prompts/customer-support/v5.md\n      sha256: {digest}\n{status}"
    return text.replace("  customer-support:\n    - version: 4\n", f"  customer-support:\n{entry}    - version: 4\n", 1)


def verdicts(changed: list[str], head: Manifest | None, data: dict[str, bytes | None], base: Manifest | None = BASE) -> list[tuple[str, str | None, int | None, str]]:
    return [(c.path, c.model, c.version, c.verdict) for c in classify_prompt_changes(changed, MP, base, head, data)]


def test_paths_are_relative_to_the_manifest_directory() -> None:
    paths = prompt_paths(BASE, MP)
    assert sorted(paths) == ["models/prompts/customer-support/v3.md", "models/prompts/customer-support/v4.md"]
    assert paths["models/prompts/customer-support/v4.md"][0] == "customer-support"
    assert sorted(prompt_paths(BASE, "manifest.yaml")) == ["prompts/customer-support/v3.md", "prompts/customer-support/v4.md"]
    changed = ["README.md", "./models/prompts/customer-support/v4.md", "models/manifest.yaml"]
    assert prompt_paths_to_read(changed, MP, BASE, BASE) == ["models/prompts/customer-support/v4.md"]


def test_an_edited_released_prompt_breaks_its_digest_even_when_the_pr_rewrites_the_sha() -> None:
    edited = V4 + b"Always offer a discount.\n"
    out = classify_prompt_changes(["models/prompts/customer-support/v4.md"], MP, BASE, BASE, {"models/prompts/customer-support/v4.md": edited})
    assert [(c.verdict, c.model, c.version) for c in out] == [("breaks-digest", "customer-support", 4)]
    f = out[0].finding
    assert f is not None and f.code == "MP218" and f.file == "models/prompts/customer-support/v4.md"
    assert "base branch's manifest" in f.message and "release customer-support --prompt" in str(f.hint)
    # the PR also "fixes" the recorded sha256: still the base's approved text that changed
    new_sha = hashlib.sha256(edited).hexdigest()
    head = load(TEXT.replace("a1b3de0cbc9e57b3c5c7299ff6a1d935c5c30daff30012906d498ae02fb34e60", new_sha))
    again = classify_prompt_changes(["models/prompts/customer-support/v4.md"], MP, BASE, head, {"models/prompts/customer-support/v4.md": edited})
    assert again[0].verdict == "breaks-digest" and again[0].breaking


def test_a_new_version_is_new_and_unchanged_bytes_are_fine() -> None:
    raw = b"Hi {{ customer_name }}\n"
    head = load(with_v5(TEXT, raw))
    data: dict[str, bytes | None] = {"models/prompts/customer-support/v5.md": raw, "models/prompts/customer-support/v3.md": V3}
    changed = ["models/prompts/customer-support/v5.md", "models/prompts/customer-support/v3.md", "docs/x.md"]
    assert verdicts(changed, head, data) == [
        ("models/prompts/customer-support/v5.md", "customer-support", 5, "new"),
        ("models/prompts/customer-support/v3.md", "customer-support", 3, "unchanged"),
    ]
    # the head manifest's own record must match too
    wrong = verdicts(["models/prompts/customer-support/v5.md"], head, {"models/prompts/customer-support/v5.md": b"other\n"})
    assert wrong == [("models/prompts/customer-support/v5.md", "customer-support", 5, "breaks-digest")]


def test_drafts_deletions_strays_and_unread_paths() -> None:
    raw = b"draft text\n"
    head = load(with_v5(TEXT, raw, "      status: draft\n"))
    base = head
    assert verdicts(["models/prompts/customer-support/v5.md"], head, {"models/prompts/customer-support/v5.md": b"edited draft\n"}, base) == [
        ("models/prompts/customer-support/v5.md", "customer-support", 5, "draft")
    ]
    gone = classify_prompt_changes(["models/prompts/customer-support/v4.md"], MP, BASE, BASE, {"models/prompts/customer-support/v4.md": None})
    assert gone[0].verdict == "missing" and gone[0].finding is not None and gone[0].finding.code == "MP216"
    without_v3 = load(TEXT.replace("    - version: 3\n      file: prompts/customer-support/v3.md\n", "    - version: 3\n      file: prompts/customer-support/v3-old.md\n"))
    assert verdicts(["models/prompts/customer-support/v3.md"], without_v3, {"models/prompts/customer-support/v3.md": None}) == [
        ("models/prompts/customer-support/v3.md", "customer-support", 3, "removed")
    ]
    assert verdicts(["models/prompts/code-generator/v1.md"], BASE, {}) == [("models/prompts/code-generator/v1.md", "code-generator", None, "uncatalogued")]
    assert verdicts(["models/prompts/customer-support/v4.md"], BASE, {}) == [("models/prompts/customer-support/v4.md", "customer-support", 4, "unread")]
    # neither manifest loads: the file is only "somewhere under prompts/"
    assert verdicts(["models/prompts/customer-support/v4.md"], None, {}, None) == [
        ("models/prompts/customer-support/v4.md", "customer-support", None, "uncatalogued")
    ]
