"""The gate's check of a health pull request (rollback/..., canary/...) on a big manifest.

``verify`` loads the base and the head, recomputes health's change with the byte-preserving edits
and compares.  Baseline in the same run: one ``load_text`` of the same manifest (what any gate run
pays at least once).  Target: a canary step verified within 6 loads.
"""

from __future__ import annotations

from datetime import datetime, timezone

from modelpromote.gates.health import Decision
from modelpromote.manifest import changes as ch
from modelpromote.manifest.load import load_text
from modelpromote.policy.health_change import HealthChange, verify
from modelpromote.policy.watch import targets

from ._util import Row, median_call
from .gen_manifest import generate

PATH = "models/manifest.yaml"
START = datetime(2026, 6, 1, 10, tzinfo=timezone.utc)
AT = datetime(2026, 6, 1, 10, 40, tzinfo=timezone.utc)


def _fixture(models: int, versions: int) -> tuple[str, str, str]:
    text = generate(models, versions)
    m = load_text(text, PATH).manifest
    assert m is not None
    mod = m.model("model-0000")
    assert mod is not None
    live = mod.environments["production"]
    baseline = next(v for v in mod.fallbacks if v != live)
    base = ch.apply(text, PATH, [ch.Promote("model-0000", "production", live, baseline, START, None, None, canary_weight=5)])
    bm = load_text(base, PATH).manifest
    assert bm is not None
    [t], _ = targets(bm, AT, model="model-0000", env="production")
    head = ch.apply(base, PATH, Decision(t, "ADVANCE", (), (), next_weight=25).changes(AT))
    return base, head, f"canary/model-0000/production/{live}-to-25"


def run() -> list[Row]:
    rows: list[Row] = []
    for models, versions in ((100, 2000), (500, 10000)):
        base, head, ref = _fixture(models, versions)
        inp = HealthChange(ref, PATH, base, head, (PATH,), True, "bot", AT)
        assert verify(inp).verified
        repeat = 7 if models <= 100 else 3
        load = median_call(lambda base=base: load_text(base, PATH), repeat=repeat)
        check = median_call(lambda inp=inp: verify(inp), repeat=repeat)
        size = f"{models} models / {versions} versions"
        rows.append(Row(f"load_text, {size} (baseline)", load, "ms"))
        rows.append(
            Row(
                f"verify canary step, {size}",
                check,
                "ms",
                target="<= 6x load",
                ok=check <= 6 * load,
                baseline="load_text",
                ratio=check / load,
            )
        )
    return rows
