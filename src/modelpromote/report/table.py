"""Plain-text tables (no dependency: the CLI must start fast)."""

from __future__ import annotations

from collections.abc import Sequence

from .safe import markdown_cell, term


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    rows = [[term(c) for c in r] for r in rows]  # cells hold user text (reasons, names): one inert line each
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    esc = markdown_cell

    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)
