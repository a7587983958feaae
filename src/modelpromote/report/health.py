"""Health decisions as a terminal table per target and as a markdown summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .safe import term, term_block
from .table import markdown_table, table

if TYPE_CHECKING:
    from ..gates.health import Decision
    from ..policy.watch import Skipped


def fmt_value(metric: str, v: float | None) -> str:
    from ..gates.health import RATE_METRICS

    if v is None:
        return "-"
    return f"{v * 100:.2f}%" if metric in RATE_METRICS else f"{v:.4g}"


def render_decisions(decisions: Sequence[Decision], skipped: Sequence[Skipped]) -> str:
    from ..gates.health import RATE_METRICS

    out: list[str] = []
    for d in decisions:
        t = d.target
        what = f"canary {t.weight}%" if t.kind == "canary" else "promotion"
        action: str = d.action
        if d.next_weight is not None:
            action += " -> complete (100%)" if d.next_weight >= 100 else f" -> {d.next_weight}%"
        if d.restore is not None:
            action += f" -> {d.restore}"
        out.append(f"{t.model}/{t.env}: {what} {t.version} (baseline {t.baseline or '-'}): {action}")
        rows = []
        for r in d.metrics:
            bounds = f"{fmt_value(r.metric, r.low)}..{fmt_value(r.metric, r.high)}" if r.low is not None else "-"
            samples = f"{r.events}/{r.samples}" if r.metric in RATE_METRICS and r.events is not None else str(r.samples)
            base = "-" if r.baseline_value is None else f"{fmt_value(r.metric, r.baseline_value)} ({r.baseline_samples})"
            name = r.metric + (" *" if r.critical else "")
            rows.append([name, r.verdict, fmt_value(r.metric, r.value), samples, bounds, fmt_value(r.metric, r.threshold), base])
        body = table(["METRIC", "VERDICT", "VALUE", "SAMPLES", "BOUNDS", "THRESHOLD", "BASELINE"], rows)
        out += ["  " + line for line in body.splitlines()]
        out += [f"  - {term(why)}" for why in d.reasons]
        out.append("")
    for s in skipped:
        out.append(f"{s.model}/{s.env}: skipped {s.version}: {term(s.reason)}")
    if not decisions and not skipped:
        out.append("nothing to check: no live canary and no promotion within policies.health.watch")
    return term_block("\n".join(out).rstrip("\n"))


def decisions_markdown(decisions: Sequence[Decision], dry_run: bool) -> str:
    rows = [[f"{d.target.model}/{d.target.env}", d.target.version, d.action, "; ".join(d.reasons)] for d in decisions]
    title = "modelpromote health" + (" (dry run)" if dry_run else "")
    return f"### {title}\n\n" + (markdown_table(["TARGET", "VERSION", "ACTION", "WHY"], rows) if rows else "nothing to check") + "\n"
