"""The health simulation as benchmark rows (``./scripts/bench sim_health``); the full tables:
``python -m tests.bench.sim_health --windows 2000 --cli --fleet 1000``.

Rows: the issue's targets on a smaller run (300 windows per cell), and ``health --dry-run --json``
over 1,000 canaries with one JSON document of their observations, against ``validate`` of the same
manifest measured in the same run.
"""

from __future__ import annotations

from ._util import Row
from .sim_health import fleet_check, simulate, summary


def run() -> list[Row]:
    s = summary(simulate(300, 16, "cumulative"))
    rows = []
    for n, r in s.items():
        if int(n) < 100:
            continue
        ok = r["max_wrong_per_window"] <= 0.005 and r["max_wrong_five_looks"] <= 0.01
        if n == "1000":
            ok = ok and r["pooled_hold"] <= 0.15
        if int(n) >= 300:
            ok = ok and r["quality_only_rolled_back"] >= 0.95
        rows.append(Row(f"sim n={n}: wrong/window, wrong/5 looks, hold, quality-only rollback", 0.0, "s",
                        target="<=0.005, <=0.01, <=0.15 (n=1000), >=0.95 (n>=300)", ok=ok,
                        note=f"{r['max_wrong_per_window']:.4f} {r['max_wrong_five_looks']:.4f} {r['pooled_hold']:.3f} "
                             f"{r['quality_only_rolled_back']:.3f}"))
    health, validate = fleet_check(1000)
    rows.append(Row("validate: 1,000 canaries (process baseline)", validate, "s"))
    rows.append(Row("health --dry-run --json: 1,000 canaries, one JSON document", health, "s", target="<= 3 s", ok=health <= 3.0,
                    baseline="validate, same manifest", ratio=health / validate))
    return rows
