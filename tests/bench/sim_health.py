"""Simulated canaries with known truth, judged by the real health decision.

``python -m tests.bench.sim_health [--windows N] [--seed S] [--looks cumulative|independent] [--cli] [--json]``
(also a row of ``./scripts/bench sim_health``).

Each *truth* is a version with known error rate, hallucination rate, mean quality, p99 latency and
mean cost.  A *window* is ``n`` requests of it (n = 30, 100, 300, 1000, 3000; half of them graded
for quality and hallucinations), next to a baseline (a good version) with 19x the requests, as a
5 % canary sees.  Each window is judged by :func:`modelpromote.gates.health.decide`, called
directly for speed, on the observations the JSON metrics source parses from the same numbers
(so the statistics see exactly what ``health`` would); ``--cli`` also runs a few windows through
``modelpromote health --dry-run --json`` on a JSON metrics document and checks that it agrees.

Wrong decision: rolling back a good version, or advancing a bad one.  HOLD is never wrong, but it
costs time, so the pooled hold rate is reported too.  *Five looks*: five scheduled runs, the first
one that does not hold decides.  ``cumulative`` looks read everything since the step started (look
k sees k windows: what ``health`` does since the confidence sequences), ``independent`` looks each
read one fresh window (what it did before).

Sampling is exact (inverse transform) for counts with a small mean and normal otherwise; quality
and cost means are drawn from their sampling distribution (score sd 0.15, cost sd 0.5 cents).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import NormalDist
from typing import Any

from modelpromote.gates.health import METRICS, Observation, Rules, decide
from modelpromote.manifest.schema import Policies
from modelpromote.policy.watch import Target
from modelpromote.providers.metrics_json import parse_metric

NS = (30, 100, 300, 1000, 3000)
BUCKETS_MS = (100, 250, 500, 1000, 1500, 2000, 2500, 5000, 10000)  # plus +Inf
LAT_SIGMA = 0.6  # log-normal latency; p99 = median * exp(2.326 * 0.6)
QUALITY_SD, COST_SD = 0.15, 0.5
NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
_PHI = NormalDist()


@dataclass(frozen=True)
class Truth:
    name: str
    good: bool
    error_rate: float = 0.002
    hallucination_rate: float = 0.01
    quality: float = 0.90
    p99_ms: float = 900.0
    cost: float = 0.8
    pooled: bool = True  # in the pooled figures (edge cases are reported on their own)


TRUTHS: tuple[Truth, ...] = (
    Truth("good", True),
    Truth("good, nearer the limits", True, quality=0.85, p99_ms=1500.0, cost=1.5),
    Truth("bad: errors 3 %", False, error_rate=0.03),
    Truth("bad: hallucinations 10 %", False, hallucination_rate=0.10),
    Truth("bad: quality 0.72 only", False, quality=0.72),
    Truth("bad: p99 3000 ms + cost 2.6", False, p99_ms=3000.0, cost=2.6),
    Truth("edge: errors exactly 1 %", True, error_rate=0.01, pooled=False),
    Truth("edge: p99 1900 ms (limit 2000)", True, p99_ms=1900.0, pooled=False),
)
BASELINE = TRUTHS[0]


# -- sampling ------------------------------------------------------------------------------------


def binom(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if p > 0.5:
        return n - binom(rng, n, 1 - p)
    mean = n * p
    if mean < 60:  # exact: count the successes by geometric skips
        log_q = math.log1p(-p)
        count, i = 0, 0
        while True:
            i += int(math.log(1.0 - rng.random()) / log_q) + 1
            if i > n:
                return count
            count += 1
    return min(n, max(0, round(rng.gauss(mean, math.sqrt(mean * (1 - p))))))


@dataclass
class Stats:
    """Sufficient statistics of some requests of one version: windows add up."""

    n: int = 0
    errors: int = 0
    graded: int = 0
    halluc: int = 0
    q_sum: float = 0.0
    q_sq: float = 0.0
    c_sum: float = 0.0
    c_sq: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_MS) + 1))  # per bucket, not cumulative

    def __add__(self, o: Stats) -> Stats:
        return Stats(self.n + o.n, self.errors + o.errors, self.graded + o.graded, self.halluc + o.halluc, self.q_sum + o.q_sum,
                     self.q_sq + o.q_sq, self.c_sum + o.c_sum, self.c_sq + o.c_sq, [a + b for a, b in zip(self.buckets, o.buckets, strict=True)])


def _mean_stats(rng: random.Random, k: int, mu: float, sd: float, lo: float | None = None, hi: float | None = None) -> tuple[float, float]:
    """(sum, sum of squares) of k draws with mean mu and sd sd, from the sampling distributions."""
    if k <= 0:
        return 0.0, 0.0
    mean = rng.gauss(mu, sd / math.sqrt(k))
    if lo is not None:
        mean = max(lo, mean)
    if hi is not None:
        mean = min(hi, mean)
    var = sd * sd * (max(0.05, 1 + rng.gauss(0, math.sqrt(2 / max(1, k - 1)))) if k > 1 else 1.0)
    return k * mean, (k - 1) * var + k * mean * mean


def window(rng: random.Random, t: Truth, n: int) -> Stats:
    g = n // 2
    q_sum, q_sq = _mean_stats(rng, g, t.quality, QUALITY_SD, 0.0, 1.0)
    c_sum, c_sq = _mean_stats(rng, n, t.cost, COST_SD, 0.0)
    median = t.p99_ms / math.exp(2.3263478740408408 * LAT_SIGMA)
    cdf = [_PHI.cdf((math.log(b) - math.log(median)) / LAT_SIGMA) for b in BUCKETS_MS] + [1.0]
    left, prev, buckets = n, 0.0, []
    for c in cdf:
        p = (c - prev) / (1 - prev) if prev < 1 else 0.0
        k = binom(rng, left, min(1.0, max(0.0, p)))
        buckets.append(k)
        left -= k
        prev = c
    buckets[-1] += left
    return Stats(n, binom(rng, n, t.error_rate), g, binom(rng, g, t.hallucination_rate), q_sum, q_sq, c_sum, c_sq, buckets)


def _p99(s: Stats) -> float | None:
    """Prometheus's histogram_quantile(0.99): linear inside the bucket that holds the rank."""
    if s.n == 0:
        return None
    rank, cum, lower = 0.99 * s.n, 0, 0.0
    for b, k in zip((*BUCKETS_MS, math.inf), s.buckets, strict=True):
        if cum + k >= rank:
            if b == math.inf:
                return float(BUCKETS_MS[-1])
            return lower + (b - lower) * ((rank - cum) / k if k else 1.0)
        cum += k
        lower = float(b)
    return float(BUCKETS_MS[-1])


def _sd(total: float, sq: float, k: int) -> float:
    return math.sqrt(max(0.0, (sq - total * total / k) / (k - 1))) if k > 1 else 0.0


def metrics_doc(s: Stats) -> dict[str, Any]:
    """The observation's ``metrics`` as a JSON metrics document carries them (docs/health.md)."""
    cum, running = {}, 0
    for b, k in zip(BUCKETS_MS, s.buckets, strict=False):
        running += k
        cum[str(b)] = running
    cum["+Inf"] = s.n
    g, n = s.graded, s.n
    return {
        "latency_p99_ms": {"value": _p99(s), "samples": n, "buckets": cum},
        "error_rate": {"events": s.errors, "samples": n},
        "quality_score": {"value": s.q_sum / g if g else None, "samples": g, "stddev": _sd(s.q_sum, s.q_sq, g)},
        "hallucination_rate": {"events": s.halluc, "samples": g},
        "cost_per_request_cents": {"value": s.c_sum / n if n else None, "samples": n, "stddev": _sd(s.c_sum, s.c_sq, n)},
    }




def observations(s: Stats) -> dict[str, Observation]:
    doc = metrics_doc(s)
    return {m: parse_metric(m, doc[m], "sim") for m in METRICS}  # the provider's own parsing


# -- judging -------------------------------------------------------------------------------------

TARGET = Target("sim", "production", "canary", "sim-v2.0.0", "sim-v1.0.0", 5, NOW - timedelta(hours=1), (5, 25, 50, 100),
                timedelta(minutes=30), restore="sim-v1.0.0")


def judge(rules: Rules, cand: Stats, base: Stats) -> str:
    return decide(TARGET, observations(cand), observations(base), rules, NOW, bounds=False).action


def wrong(t: Truth, action: str) -> bool:
    return action == "ROLLBACK" if t.good else action == "ADVANCE"


@dataclass
class Cell:
    truth: Truth
    n: int
    windows: int = 0
    rollback: int = 0
    hold: int = 0
    advance: int = 0
    seqs: int = 0
    seq_wrong: int = 0
    seq_hold: int = 0  # all five looks held

    @property
    def wrong_rate(self) -> float:
        return (self.rollback if self.truth.good else self.advance) / self.windows

    def to_json(self) -> dict[str, Any]:
        return {"truth": self.truth.name, "good": self.truth.good, "n": self.n, "windows": self.windows,
                "rollback": self.rollback / self.windows, "hold": self.hold / self.windows, "advance": self.advance / self.windows,
                "wrong": self.wrong_rate, "five_looks_wrong": self.seq_wrong / self.seqs if self.seqs else None,
                "five_looks_all_hold": self.seq_hold / self.seqs if self.seqs else None}


def simulate(windows: int, seed: int, looks: str, ns: Sequence[int] = NS, truths: Sequence[Truth] = TRUTHS,
             rules: Rules | None = None) -> list[Cell]:
    rules = rules or Rules.from_policies(Policies())
    rng = random.Random(seed)
    cells = []
    for t in truths:
        for n in ns:
            c = Cell(t, n)
            for _ in range(windows):
                a = judge(rules, window(rng, t, n), window(rng, BASELINE, 19 * n))
                c.windows += 1
                c.rollback += a == "ROLLBACK"
                c.hold += a == "HOLD"
                c.advance += a == "ADVANCE"
            for _ in range(max(1, windows // 2)):
                cand, base = Stats(), Stats()
                action = "HOLD"
                for _look in range(5):
                    w, bw = window(rng, t, n), window(rng, BASELINE, 19 * n)
                    cand, base = (cand + w, base + bw) if looks == "cumulative" else (w, bw)
                    action = judge(rules, cand, base)
                    if action != "HOLD":
                        break
                c.seqs += 1
                c.seq_wrong += wrong(t, action)
                c.seq_hold += action == "HOLD"
            cells.append(c)
    return cells


def summary(cells: list[Cell]) -> dict[str, Any]:
    """The issue's targets, per n."""
    out: dict[str, Any] = {}
    for n in sorted({c.n for c in cells}):
        row = [c for c in cells if c.n == n]
        pooled = [c for c in row if c.truth.pooled]
        q = next((c for c in row if "quality" in c.truth.name), None)
        out[str(n)] = {
            "max_wrong_per_window": max(c.wrong_rate for c in row),
            "max_wrong_five_looks": max(c.seq_wrong / c.seqs for c in row),
            "pooled_hold": sum(c.hold for c in pooled) / sum(c.windows for c in pooled),
            "pooled_hold_five_looks": sum(c.seq_hold for c in pooled) / sum(c.seqs for c in pooled),
            "quality_only_rolled_back": q.rollback / q.windows if q else None,
        }
    return out


def table(cells: list[Cell]) -> str:
    ns = sorted({c.n for c in cells})
    lines = ["per window: rollback / hold / advance (wrong decision marked !)", "truth".ljust(32) + "".join(f"n={n}".ljust(20) for n in ns)]
    for t in dict.fromkeys(c.truth for c in cells):
        cols = []
        for n in ns:
            c = next(x for x in cells if x.truth == t and x.n == n)
            mark = "!" if c.wrong_rate > 0.005 else " "
            cols.append(f"{c.rollback / c.windows:.3f}/{c.hold / c.windows:.3f}/{c.advance / c.windows:.3f}{mark}".ljust(20))
        lines.append(t.name.ljust(32) + "".join(cols))
    lines.append("")
    lines.append("five looks: wrong / all five held")
    for t in dict.fromkeys(c.truth for c in cells):
        cols = []
        for n in ns:
            c = next(x for x in cells if x.truth == t and x.n == n)
            cols.append(f"{c.seq_wrong / c.seqs:.4f}/{c.seq_hold / c.seqs:.3f}".ljust(20))
        lines.append(t.name.ljust(32) + "".join(cols))
    lines.append("")
    s = summary(cells)
    lines.append("n".ljust(8) + "max wrong/window  max wrong/5 looks  pooled hold  pooled hold 5 looks  quality-only rolled back")
    for n, r in s.items():
        lines.append(f"{n:<8}{r['max_wrong_per_window']:<18.4f}{r['max_wrong_five_looks']:<19.4f}{r['pooled_hold']:<13.3f}"
                     f"{r['pooled_hold_five_looks']:<21.3f}{r['quality_only_rolled_back']:.3f}")
    return "\n".join(lines)


# -- through the CLI -----------------------------------------------------------------------------


def manifest_text(models: Sequence[str], started: str = "2026-06-01T11:00:00Z") -> str:
    """A registry with one production canary at 5 % per model (new sim-v2.0.0 over sim-v1.0.0)."""
    lines = ["schema_version: 1", "environments:", "  - name: staging", "  - name: production", "    promote_from: staging",
             "    canary: {steps: [5, 25, 50, 100], interval: 30m}", "models:"]
    promos = ["promotions:"]
    for m in models:
        lines += [f"  - name: {m}", "    environments: {staging: sim-v2.0.0, production: sim-v2.0.0}",
                  f'    canary: {{production: {{baseline: sim-v1.0.0, weight: 5, step: 0, started_at: "{started}"}}}}']
        promos += [f'  - {{model: {m}, env: production, from: null, to: sim-v1.0.0, at: "2026-05-01T09:00:00Z"}}',
                   f'  - {{model: {m}, env: production, from: sim-v1.0.0, to: sim-v2.0.0, at: "{started}", kind: canary}}']
    hist = ["version_history:", "  - {version: sim-v2.0.0, base_model: sim, status: stable}",
            "  - {version: sim-v1.0.0, base_model: sim, status: stable}"]
    return "\n".join([*lines, *hist, *promos]) + "\n"


def cli_check(seed: int, per_truth: int = 3, n: int = 300) -> tuple[int, int]:
    """(agreeing, total): windows judged by ``modelpromote health --dry-run --json`` vs decide()."""
    rng = random.Random(seed)
    rules = Rules.from_policies(Policies())
    names, obs, expect = [], [], {}
    for i, t in enumerate(TRUTHS):
        for j in range(per_truth):
            name = f"sim-{i}-{j}"
            cand, base = window(rng, t, n), window(rng, BASELINE, 19 * n)
            expect[name] = judge(rules, cand, base)
            names.append(name)
            for version, s in (("sim-v2.0.0", cand), ("sim-v1.0.0", base)):
                obs.append({"model": name, "env": "production", "version": version, "at": "2026-06-01T11:59:00Z", "metrics": metrics_doc(s)})
    with tempfile.TemporaryDirectory() as d:
        mpath, jpath = Path(d) / "manifest.yaml", Path(d) / "metrics.json"
        mpath.write_text(manifest_text(names), encoding="utf-8")
        jpath.write_text(json.dumps({"observations": obs}), encoding="utf-8")
        exe = str(Path(sys.executable).parent / "modelpromote")
        r = subprocess.run([exe, "health", "-m", str(mpath), "--metrics-json", str(jpath), "--at", NOW.isoformat(), "--dry-run", "--json"],
                           capture_output=True, text=True, check=False)
        if r.returncode not in (0, 1):
            raise RuntimeError(f"health exited {r.returncode}: {r.stderr[-2000:]}")
        got = {d["model"]: d["action"] for d in json.loads(r.stdout)["decisions"]}
    return sum(got.get(k) == v for k, v in expect.items()), len(expect)


def fleet_check(canaries: int = 1000, older: int = 4) -> tuple[float, float]:
    """(seconds of health --dry-run --json, seconds of validate) on ``canaries`` canaries and one JSON
    document holding their observations (and ``older`` earlier observations of each version)."""
    rng = random.Random(7)
    names = [f"fleet-{i:04d}" for i in range(canaries)]
    obs = []
    for name in names:
        for version, t, n in (("sim-v2.0.0", TRUTHS[0], 1000), ("sim-v1.0.0", BASELINE, 19000)):
            s = window(rng, t, n)
            for k in range(older, -1, -1):
                at = (NOW - timedelta(minutes=1 + 5 * k)).isoformat()
                obs.append({"model": name, "env": "production", "version": version, "at": at, "metrics": metrics_doc(s)})
    exe = str(Path(sys.executable).parent / "modelpromote")
    with tempfile.TemporaryDirectory() as d:
        mpath, jpath = Path(d) / "manifest.yaml", Path(d) / "metrics.json"
        mpath.write_text(manifest_text(names), encoding="utf-8")
        jpath.write_text(json.dumps({"observations": obs}), encoding="utf-8")

        def run(cmd: list[str]) -> float:
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if r.returncode not in (0, 1):
                raise RuntimeError(f"{cmd[1]} exited {r.returncode}: {r.stderr[-2000:]}")
            return time.perf_counter() - t0

        validate = min(run([exe, "validate", str(mpath)]) for _ in range(2))
        health = min(run([exe, "health", "-m", str(mpath), "--metrics-json", str(jpath), "--at", NOW.isoformat(), "--dry-run", "--json"])
                     for _ in range(2))
    return health, validate


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.sim_health")
    ap.add_argument("--windows", type=int, default=2000, help="windows per truth and n (five-look sequences: half as many)")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--looks", choices=("cumulative", "independent"), default="cumulative")
    ap.add_argument("--cli", action="store_true", help="also judge a few windows through `modelpromote health --dry-run --json`")
    ap.add_argument("--fleet", type=int, default=0, help="also time health over this many canaries in one JSON document")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--from-json", metavar="PATH", help="print the tables of an earlier --json run")
    a = ap.parse_args(argv)
    if a.from_json:
        with open(a.from_json, encoding="utf-8") as fh:
            saved = json.load(fh)
        by_name = {t.name: t for t in TRUTHS}
        cells = []
        for c in saved["cells"]:
            w, seqs = c["windows"], max(1, c["windows"] // 2)
            cells.append(Cell(by_name[c["truth"]], c["n"], w, round(c["rollback"] * w), round(c["hold"] * w), round(c["advance"] * w), seqs,
                              round(c["five_looks_wrong"] * seqs), round(c["five_looks_all_hold"] * seqs)))
        out(table(cells))
        out(f"\n{saved['windows']} windows per cell, seed {saved['seed']}, looks {saved['looks']}; "
            f"cli agrees {saved.get('cli_agrees')}; fleet {saved.get('fleet')}")
        return 0
    t0 = time.perf_counter()
    cells = simulate(a.windows, a.seed, a.looks)
    result: dict[str, Any] = {"windows": a.windows, "seed": a.seed, "looks": a.looks, "seconds": round(time.perf_counter() - t0, 1),
                              "summary": summary(cells), "cells": [c.to_json() for c in cells]}
    if a.cli:
        agree, total = cli_check(a.seed)
        result["cli_agrees"] = f"{agree}/{total}"
    if a.fleet:
        h, v = fleet_check(a.fleet)
        result["fleet"] = {"canaries": a.fleet, "health_s": round(h, 2), "validate_s": round(v, 2)}
    if a.json:
        out(json.dumps(result, indent=2))
    else:
        out(table(cells))
        out(f"\n{a.windows} windows per cell, seed {a.seed}, looks {a.looks}, {result['seconds']} s")
        if a.cli:
            out(f"modelpromote health --dry-run --json agrees with decide() on {result['cli_agrees']} windows")
        if a.fleet:
            f = result["fleet"]
            out(f"health --dry-run --json over {f['canaries']} canaries, one JSON document: {f['health_s']} s (validate: {f['validate_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
