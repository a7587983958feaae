"""A promotion plan in words: one line per rule with its verdict, the approvals it needs, notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..policy.plan import Plan
from .safe import term, term_block

if TYPE_CHECKING:
    from ..policy.prompt_diff import PromptDiff, PromptSide

_MARK = {"pass": "ok  ", "fail": "FAIL", "skip": "skip", "overridden": "OVRD"}


def render_plan(plan: Plan) -> str:
    r = plan.request
    head = "allowed" if plan.allowed else "REFUSED"
    arrow = f"{plan.current or 'nothing'} -> {r.version}"
    lines = [f"plan: {r.model} in {r.env}: {arrow}: {head}"]
    for rule in plan.rules:
        code = f" [{rule.code}]" if rule.code and rule.verdict in ("fail", "overridden") else ""
        lines.append(f"  {_MARK[rule.verdict]}  {rule.name:<12} {term(rule.message)}{code}")
        if rule.verdict == "fail" and rule.hint:
            lines.append(f"        {'':<12} hint: {term(rule.hint)}")
    if plan.allowed and not plan.noop:
        lines.append(f"  approvals required: {plan.approvals}" + (" (includes one extra for the MAJOR change)" if plan.major else ""))
    lines += [f"  note: {term(n)}" for n in plan.notes]
    return term_block("\n".join(lines))


def _side(s: PromptSide) -> str:
    if s.version is None:
        return "no prompt"
    if s.file is None:
        return f"{s.label} (not catalogued: no text)"
    digest = f"sha256 {s.recorded[:12]}…" if s.recorded else "no recorded sha256"
    unread = "; text not readable" if s.text is None else ""
    return f"{s.label} ({s.file}, {digest}{unread})"


def prompt_summary(d: PromptDiff) -> list[str]:
    """One line per side, and a warning for text that no longer matches its digest."""
    if not d.changed:
        return [f"prompt: unchanged, {_side(d.candidate)}"]
    out = [f"prompt: {_side(d.live)} -> {_side(d.candidate)}"]
    out += [f"warning: {s.file} does not match its recorded sha256 (`modelpromote validate` says MP218)" for s in d.mismatched]
    return out


def render_prompt_diff(d: PromptDiff) -> str:
    """For the terminal: the summary lines, then the unified diff of the prompt text."""
    lines = [f"  {x}" for x in prompt_summary(d)]
    diff = d.unified()
    if diff:
        lines += ["", *("    " + term(x) if x else "" for x in diff.rstrip("\n").split("\n"))]
    return "\n".join(lines)
