"""Findings as terminal text, GitHub annotations and markdown."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import Finding
from .safe import markdown_cell, term, workflow_data, workflow_prop


def text(findings: Iterable[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{term(f.where())}: {f.severity} {f.code}: {term(f.message)}")
        if f.fix:
            lines.append(f"    hint: {term(f.fix)}")
    return "\n".join(lines)


_escape_data = workflow_data
_escape_prop = workflow_prop


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


_md_cell = markdown_cell


def markdown(findings: list[Finding], title: str) -> str:
    if not findings:
        return f"### {title}\n\n:white_check_mark: no findings\n"
    rows = ["| where | code | problem | fix |", "|---|---|---|---|"]
    rows += [f"| `{_md_cell(f.where())}` | {f.code} | {_md_cell(f.message)} | {_md_cell(f.fix)} |" for f in findings]
    return f"### {title}\n\n:x: {len(findings)} finding(s)\n\n" + "\n".join(rows) + "\n"
