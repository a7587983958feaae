"""The prompt diff between the live pointer and the candidate, as plan and the PR body show it."""

from __future__ import annotations

from modelpromote.manifest.load import load_text
from modelpromote.policy.prompt_diff import prompt_diff, prompt_files
from modelpromote.report.pr_body import prompt_section
from tests.support.paths import EXAMPLE

M = load_text(EXAMPLE.read_text(encoding="utf-8"), check=False).manifest
assert M is not None
V3 = "prompts/customer-support/v3.md"
V4 = "prompts/customer-support/v4.md"
R3, R4 = "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v3", "claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4"


def test_no_prompt_on_either_side_is_no_diff() -> None:
    assert prompt_diff(M, "customer-support", "claude-3-5-sonnet-v1.2.3", "claude-3-5-sonnet-v1.3.0-rc.1", {}) is None
    assert prompt_files(M, "customer-support", R3, R4) == [(3, V3), (4, V4)]


def test_diff_marks_a_missing_final_newline_and_a_fence_outlasts_backticks() -> None:
    texts = {V3: "Hello {{ question }}\n", V4: "Hello ```{{ question }}``` now"}
    d = prompt_diff(M, "customer-support", R3, R4, texts)
    assert d is not None and d.changed
    assert d.unified() == (
        f"--- a/{V3}\n+++ b/{V4}\n@@ -1 +1 @@\n-Hello {{{{ question }}}}\n+Hello ```{{{{ question }}}}``` now\n\\ No newline at end of file\n"
    )
    section = "\n".join(prompt_section(d))
    assert "````diff\n" in section and section.rstrip().endswith("````")
    # both digests as recorded, and the warning: these texts are not the catalogued ones
    assert M.prompt("customer-support", 4).sha256 in section  # type: ignore[union-attr]
    assert section.count("does not match its recorded sha256") == 2


def test_same_prompt_is_unchanged_and_unreadable_text_is_said() -> None:
    d = prompt_diff(M, "customer-support", R4, "claude-3-5-sonnet-v1.3.1_prompt-v4", {V4: "x"})
    assert d is not None and not d.changed and d.unified() == ""
    d = prompt_diff(M, "customer-support", None, R4, lambda f: None)
    assert d is not None and d.changed and d.unified() == ""
    assert "text not readable" in "\n".join(prompt_section(d))
