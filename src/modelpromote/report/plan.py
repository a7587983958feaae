"""A promotion plan in words: one line per rule with its verdict, the approvals it needs, notes."""

from __future__ import annotations

from ..policy.plan import Plan
from .safe import term, term_block

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
