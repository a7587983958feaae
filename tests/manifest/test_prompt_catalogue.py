"""The prompt catalogue as a user meets it: `validate` on prompts kept in git beside the manifest."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from modelpromote.manifest.load import load_manifest, load_text
from tests.support.paths import EXAMPLE

Cli = Callable[..., Result]
V4 = Path("prompts/customer-support/v4.md")


def findings(cli: Cli, path: Path) -> tuple[int, list[dict[str, object]]]:
    r = cli("validate", str(path), "--json")
    return r.exit_code, json.loads(r.stdout)["findings"]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_example_registry_catalogues_the_prompts_its_pointers_name(manifest_path: Path) -> None:
    loaded = load_manifest(str(manifest_path))
    assert loaded.ok, loaded.findings
    assert sorted(loaded.prompts) == [("customer-support", 3), ("customer-support", 4)]
    assert loaded.prompts[("customer-support", 4)] == (manifest_path.parent / V4).read_text(encoding="utf-8")


def test_a_pointer_to_an_uncatalogued_prompt_fails_at_its_line(cli: Cli, manifest_path: Path) -> None:
    edit(manifest_path, "      staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4\n", "      staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v5\n")
    code, fs = findings(cli, manifest_path)
    assert code == 1 and [f["code"] for f in fs] == ["MP215"]
    assert fs[0]["line"] == line_of(manifest_path, "staging: claude-3-5-sonnet-v1.3.0-rc.1_prompt-v5")
    assert "prompt-v5" in str(fs[0]["message"]) and "catalogued: v4, v3" in str(fs[0]["message"])


def test_a_released_prompt_edited_after_release_fails(cli: Cli, manifest_path: Path) -> None:
    with open(manifest_path.parent / V4, "a", encoding="utf-8") as fh:
        fh.write("Always offer a discount.\n")
    code, fs = findings(cli, manifest_path)
    assert code == 1 and [f["code"] for f in fs] == ["MP218"]
    assert fs[0]["line"] == line_of(manifest_path, "sha256: a1b3de0c")
    assert "changed after release" in str(fs[0]["message"]) and "prompt-v5" in str(fs[0]["hint"])


def test_a_draft_may_change_but_not_serve_production(cli: Cli, manifest_path: Path) -> None:
    edit(manifest_path, "      changelog: \"Answer in the customer's language", "      status: draft\n      changelog: \"Answer in the customer's language")
    with open(manifest_path.parent / V4, "a", encoding="utf-8") as fh:
        fh.write("Sign as {{ company }} support.\n")
    assert findings(cli, manifest_path) == (0, [])  # staging allows prereleases: a draft is fine there
    edit(manifest_path, "      production: claude-3-5-sonnet-v1.2.3\n    # Runtime", "      production: claude-3-5-sonnet-v1.2.3_prompt-v4\n    # Runtime")
    code, fs = findings(cli, manifest_path)
    assert code == 1 and [f["code"] for f in fs] == ["MP221"]
    assert fs[0]["line"] == line_of(manifest_path, "production: claude-3-5-sonnet-v1.2.3_prompt-v4")


def test_declared_variables_must_be_the_placeholders(cli: Cli, manifest_path: Path) -> None:
    edit(manifest_path, "variables: [company, order_id, order_record, customer_name, question]", "variables: [company, order_number, order_record, customer_name, question]")
    code, fs = findings(cli, manifest_path)
    assert code == 1 and [f["code"] for f in fs] == ["MP219"]
    msg = str(fs[0]["message"])
    assert "used in the text but not declared: order_id" in msg and "declared but not in the text: order_number" in msg
    assert fs[0]["hint"] == "variables: [company, order_id, order_record, customer_name, question]"


def test_missing_file_and_paths_leading_out_are_refused(cli: Cli, manifest_path: Path, tmp_path: Path) -> None:
    (manifest_path.parent / V4).unlink()
    edit(manifest_path, "file: prompts/customer-support/v3.md", "file: ../secrets/v3.md")
    code, fs = findings(cli, manifest_path)
    assert code == 1
    assert [(f["code"], f["line"]) for f in fs] == [
        ("MP217", line_of(manifest_path, "file: ../secrets/v3.md")),
        ("MP216", line_of(manifest_path, "file: prompts/customer-support/v4.md")),
    ]
    for bad in ("/etc/passwd", "prompts//v3.md", "prompts\\\\v3.md", "./prompts/v3.md"):
        text = manifest_path.read_text()
        manifest_path.write_text(text.replace("../secrets/v3.md", bad) if "../secrets" in text else text)
        assert "MP217" in [f["code"] for f in findings(cli, manifest_path)[1]], bad
        manifest_path.write_text(manifest_path.read_text().replace(bad, "../secrets/v3.md"))


def test_a_symlink_out_of_the_directory_is_not_followed(cli: Cli, manifest_path: Path, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text("You are {{ company }}'s assistant.\n")
    v3 = manifest_path.parent / "prompts" / "customer-support" / "v3.md"
    v3.unlink()
    v3.symlink_to(outside)
    code, fs = findings(cli, manifest_path)
    assert code == 1 and [f["code"] for f in fs] == ["MP217"] and "outside the manifest's directory" in str(fs[0]["message"])
    # A symlink that stays inside is fine: it is the same bytes under review.
    v3.unlink()
    (manifest_path.parent / "prompts" / "shared.md").write_bytes((EXAMPLE.parent / "prompts" / "customer-support" / "v3.md").read_bytes())
    v3.symlink_to(Path("..") / "shared.md")
    assert findings(cli, manifest_path) == (0, [])
    outside.unlink()


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"x" * (256 * 1024 + 1), "at most 262,144"), (b"caf\xe9 {{ company }}", "not UTF-8"), (None, "not a regular file")],
)
def test_oversized_binary_or_odd_files_are_refused(cli: Cli, manifest_path: Path, content: bytes | None, words: str) -> None:
    v3 = manifest_path.parent / "prompts" / "customer-support" / "v3.md"
    v3.unlink()
    if content is None:
        os.mkfifo(v3)
    else:
        v3.write_bytes(content)
    code, fs = findings(cli, manifest_path)
    assert code == 1 and [f["code"] for f in fs] == ["MP217"] and words in str(fs[0]["message"])


def test_catalogue_shape_errors(cli: Cli, manifest_path: Path) -> None:
    edit(manifest_path, "    - version: 3\n", "    - version: 4\n")
    edit(manifest_path, "prompts:\n  customer-support:\n", "prompts:\n  customer-suport: []\n  customer-support:\n")
    code, fs = findings(cli, manifest_path)
    assert code == 1
    assert [f["code"] for f in fs] == ["MP215", "MP220"]
    assert "did" not in str(fs[0]["message"]) and "customer-support" in str(fs[0]["hint"])


def test_a_released_prompt_needs_its_digest(cli: Cli, manifest_path: Path) -> None:
    edit(manifest_path, "      sha256: b1ad98761d2f954d7fe96a8e98bc436a76e3e95335fde4bbb9e075c3dbf32c02\n", "")
    code, fs = findings(cli, manifest_path)
    assert code == 1 and [f["code"] for f in fs] == ["MP218"] and "sha256sum prompts/customer-support/v3.md" in str(fs[0]["hint"])


def test_without_a_catalogue_prompt_numbers_stay_bare_names() -> None:
    text = EXAMPLE.read_text()
    start = text.index("prompts:\n  customer-support:")
    end = text.index("# Append-only log")
    loaded = load_text(text[:start] + text[end:])
    assert loaded.ok and loaded.prompts == {}


def test_text_not_read_from_a_file_checks_the_catalogue_but_reads_no_prompt_file() -> None:
    # A manifest fetched from GitHub has no directory here: pointers are still checked ...
    loaded = load_text(EXAMPLE.read_text().replace("_prompt-v4\n", "_prompt-v9\n", 1), str(EXAMPLE))
    assert [f.code for f in loaded.findings] == ["MP215"]
    # ... and nothing is read from the local disk for it.
    assert load_text(EXAMPLE.read_text(), str(EXAMPLE)).prompts == {}
