"""Run the benchmarks: ``python -m tests.bench [NAME ...] [--json]``."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from ._util import Row


def _fmt(row: Row) -> str:
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[row.unit]
    return f"{row.median * scale:.3f} {row.unit}" if row.unit != "us" else f"{row.median * scale:.2f} us"


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    names = [a for a in argv if not a.startswith("-")]
    here = Path(__file__).parent
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    if names:
        modules = [m for m in modules if m.removeprefix("bench_") in names or m in names]
    rows: list[Row] = []
    for mod in modules:
        print(f"running {mod} ...", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(f"tests.bench.{mod}").run())
    if as_json:
        print(json.dumps([r.to_json() for r in rows], indent=2))
        return 0
    headers = ["benchmark", "median", "target", "ok", "ratio", "baseline / note"]
    body = [[r.name, _fmt(r), r.target, "" if r.ok is None else ("yes" if r.ok else "NO"),
             "" if r.ratio is None else f"{r.ratio:.2f}x", " ".join(x for x in (r.baseline, r.note) if x)]
            for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for b in body:
        print("  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
