"""Drift between the manifest and what is deployed: a terminal table and a markdown summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .table import markdown_table, table

if TYPE_CHECKING:
    from ..policy.drift import Mismatch


def render_drift(mismatches: Sequence[Mismatch], checked: int, ref: str) -> str:
    if not mismatches:
        return f"no drift: {checked} pointer(s) on {ref} match what is deployed"
    rows = [
        [x.model, x.env, x.source, x.kind, x.manifest or "(nothing)", x.deployed or "(nothing)", x.since.isoformat() if x.since else "-"]
        for x in mismatches
    ]
    head = f"drift: {len(mismatches)} mismatch(es) between {ref} and what is deployed"
    return head + "\n" + table(["MODEL", "ENV", "SOURCE", "KIND", "MANIFEST SAYS", "DEPLOYED SAYS", "SINCE"], rows)


def drift_markdown(mismatches: Sequence[Mismatch], ref: str) -> str:
    if not mismatches:
        return f"### modelpromote drift\n\nno drift: what is deployed matches {ref}\n"
    rows = [[f"{x.model}/{x.env}", x.source, x.manifest or "(nothing)", x.deployed or "(nothing)"] for x in mismatches]
    return "### modelpromote drift\n\n" + markdown_table(["TARGET", "SOURCE", "MANIFEST SAYS", "DEPLOYED SAYS"], rows) + "\n"
