"""Findings as terminal text, GitHub annotations and markdown."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Finding


def text(findings: Iterable[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{f.where()}: {f.severity} {f.code}: {f.message}")
        if f.fix:
            lines.append(f"    hint: {f.fix}")
    return "\n".join(lines)


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(findings: Iterable[Finding]) -> str:
    """``::error file=…,line=…,col=…,title=…::message`` lines (GitHub workflow commands)."""
    out = []
    for f in findings:
        props = []
        if f.file:
            props.append(f"file={_escape_prop(f.file)}")
        if f.line is not None:
            props.append(f"line={f.line}")
        if f.col is not None:
            props.append(f"col={f.col}")
        props.append(f"title={_escape_prop(f'{f.code} {f.title}')}")
        body = f.message + (f" — {f.fix}" if f.fix else "")
        out.append(f"::{f.severity} {','.join(props)}::{_escape_data(body)}")
    return "\n".join(out)


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(findings: list[Finding], title: str) -> str:
    if not findings:
        return f"### {title}\n\n:white_check_mark: no findings\n"
    rows = ["| where | code | problem | fix |", "|---|---|---|---|"]
    rows += [f"| `{_md_cell(f.where())}` | {f.code} | {_md_cell(f.message)} | {_md_cell(f.fix)} |" for f in findings]
    return f"### {title}\n\n:x: {len(findings)} finding(s)\n\n" + "\n".join(rows) + "\n"
