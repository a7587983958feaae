"""The gate's report as a terminal table and as markdown (PR body, $GITHUB_STEP_SUMMARY).

``report_markdown(report, title=None)`` is what other verbs embed (the promotion PR body); it is
self-contained and states the method, so a reviewer can tell a pass from "too few samples".
"""

from __future__ import annotations

from ..gates.eval.model import METHOD_TEXT, ConditionResult, GateReport, MetricDecision
from .safe import term, term_block
from .table import markdown_table, table

ICON = {"PASS": "✅", "FAIL": "❌", "INCONCLUSIVE": "⚠️"}


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.4f}".rstrip("0").rstrip(".") if x == x else "nan"


def _value(d: MetricDecision) -> str:
    m = d.metric
    if m.kind == "pass_rate" and m.successes is not None and m.n:
        return f"{_num(m.value)} ({m.successes}/{m.n})"
    if m.stderr is not None:
        return f"{_num(m.value)} ± {_num(m.stderr)}"
    return _num(m.value)


def _needs(c: ConditionResult) -> str:
    if c.status != "INCONCLUSIVE":
        return ""
    if c.more_samples is not None:
        return f"~{c.more_samples} more samples"
    if c.undecidable:
        return "undecidable at this value"
    return "more evidence"


def _rows(report: GateReport) -> list[list[str]]:
    rows: list[list[str]] = []
    for d in report.decisions:
        for i, c in enumerate(d.conditions):
            first = i == 0
            baseline = _num(d.baseline.value) if (d.baseline is not None and c.condition.relative) else ""
            rows.append([
                d.metric.name if first else "",
                c.condition.text,
                _value(d) if first else "",
                f"[{_num(c.low)}, {_num(c.high)}]" + (" Δ" if c.condition.relative and "difference" in c.method else ""),
                baseline,
                c.status,
                _needs(c),
            ])
    return rows


HEADERS = ["METRIC", "RULE", "VALUE", "INTERVAL", "BASELINE", "STATUS", "NEEDS"]


def _subject(report: GateReport) -> str:
    r = report.results
    parts = [x for x in (r.model, r.version, f"env {r.env}" if r.env else None) if x]
    return term(" ".join(parts))  # from the results file: free text


def summary_line(report: GateReport) -> str:
    line = f"eval gate: {report.status}"
    subject = _subject(report)
    if subject:
        line += f" for {subject}"
    line += f" ({report.results.format} results, {len(report.decisions)} metric(s))"
    if report.status == "INCONCLUSIVE":
        more = report.more_samples
        line += f"; about {more} more samples would decide it if the observed values hold" if more else "; more evidence is needed"
    return line


def report_text(report: GateReport) -> str:
    out = [table(HEADERS, _rows(report)), ""]
    for note in report.notes:
        out.append(f"note: {term(note)}")
    for d in report.decisions:
        for c in d.conditions:
            out.append(f"{term(d.metric.name)} {term(c.condition.text)}: {c.status} — {term(c.reason)} ({c.method})")
    out.append(summary_line(report))
    return term_block("\n".join(out))


def report_markdown(report: GateReport, title: str | None = None) -> str:
    """Markdown for a PR body or $GITHUB_STEP_SUMMARY."""
    heading = title or "Eval gate"
    subject = _subject(report)
    lines = [f"### {heading}: {ICON[report.status]} {report.status}", ""]
    if subject:
        lines += [f"`{subject}` — {report.results.format} results", ""]
    lines.append(markdown_table(HEADERS, _rows(report)))
    lines.append("")
    if report.status == "INCONCLUSIVE":
        more = report.more_samples
        lines.append(f"**Inconclusive:** about {more} more samples would decide it, if the observed values hold." if more
                     else "**Inconclusive:** more evidence is needed.")
        lines.append("")
    for note in report.notes:
        lines.append(f"- {term(note)}")
    if report.notes:
        lines.append("")
    rule_origins = sorted({d.rule.origin for d in report.decisions if d.rule.origin})
    conf = sorted({d.rule.confidence for d in report.decisions})
    mins = sorted({d.rule.min_samples for d in report.decisions})
    lines.append(
        f"<sub>Method: {METHOD_TEXT} Confidence {', '.join(f'{c:g}' for c in conf)}; minimum samples {', '.join(map(str, mins))}; "
        f"rules from {', '.join(rule_origins) or 'flags'}.</sub>"
    )
    return "\n".join(lines) + "\n"
