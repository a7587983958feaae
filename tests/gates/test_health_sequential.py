"""The anytime-valid statistics of health: confidence sequences, p99 from buckets, quality alone, the baseline excuse."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.gates.health import Observation, Rules, decide, judge
from modelpromote.gates.sequential import bernoulli_bounds, bernoulli_evidence
from modelpromote.manifest.load import load_text
from modelpromote.manifest.schema import Policies
from modelpromote.policy.watch import Target
from tests.support.health import REGISTRY

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
RULES = Rules.from_policies(Policies())
T = Target("m", "production", "canary", "m-v2.0.0", "m-v1.0.0", 5, NOW - timedelta(hours=1), (5, 25, 50, 100), timedelta(minutes=30),
           restore="m-v1.0.0")


def healthy(n: int = 3000) -> dict[str, Observation]:
    return {
        "latency_p99_ms": Observation(800.0, n, buckets=((1000.0, n - n // 500), (2000.0, n), (math.inf, n))),
        "error_rate": Observation.rate(n // 1000, n),
        "quality_score": Observation(0.9, n // 2, stddev=0.15),
        "hallucination_rate": Observation.rate(n // 200, n // 2),
        "cost_per_request_cents": Observation(0.8, n, stddev=0.5),
    }


def test_a_version_exactly_at_the_threshold_is_rarely_failed_however_often_it_is_looked_at() -> None:
    # 400 canaries at exactly 1 % errors, each looked at after every 100 requests up to 5000 (50 looks).
    rng = random.Random(1)
    failed = 0
    for _ in range(400):
        k = n = 0
        for _look in range(50):
            k += sum(rng.random() < 0.01 for _ in range(100))
            n += 100
            if bernoulli_evidence(k, n, 0.01, 0.01, above=True):
                failed += 1
                break
    assert failed / 400 <= 0.01  # the guarantee is over all 50 looks, not per look


def test_clear_harm_and_clear_safety_are_seen() -> None:
    assert bernoulli_evidence(60, 1000, 0.01, 0.01, above=True)  # 6 % vs 1 %
    assert bernoulli_evidence(0, 1000, 0.01, 0.05, above=False)  # 0 errors in 1000
    assert not bernoulli_evidence(12, 1000, 0.01, 0.01, above=True)  # 1.2 %: not evidence of > 1 %


@given(st.integers(1, 3000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_bounds_contain_the_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = bernoulli_bounds(k, n, 0.01, 0.05)
    assert 0 <= low <= k / n <= high <= 1


def test_p99_from_buckets_is_an_order_statistic_bound() -> None:
    n = 3000
    slow = Observation(2400.0, n, buckets=((1000.0, n - 150), (2000.0, n - 90), (math.inf, n)))  # 3 % slower than 2 s
    fast = Observation(1500.0, n, buckets=((1000.0, n - 60), (2000.0, n - 5), (math.inf, n)))  # 0.17 % slower than 2 s
    r = judge("latency_p99_ms", slow, None, RULES)
    assert (r.verdict, r.method, r.evidence) == ("FAIL", "histogram", True) and r.low == 2000.0
    r = judge("latency_p99_ms", fast, None, RULES)
    assert (r.verdict, r.high) == ("PASS", 2000.0)
    # the threshold between two bounds: the count above it is only known to lie in between
    coarse = Observation(1500.0, n, buckets=((1000.0, n - 60), (2500.0, n - 5), (math.inf, n)))
    assert judge("latency_p99_ms", coarse, None, RULES).verdict == "INCONCLUSIVE"


def test_a_quality_regression_alone_rolls_back_with_evidence_and_only_then() -> None:
    bad = {**healthy(), "quality_score": Observation(0.72, 150, stddev=0.15)}
    d = decide(T, bad, healthy(57000), RULES, NOW)
    assert d.action == "ROLLBACK" and "quality_score" in d.reasons[0]
    # with rollback.alone emptied it is the article's rule again: one non-critical failure holds
    p = Rules.from_policies(Policies.model_validate({"rollback": {"alone": []}}))
    assert decide(T, bad, healthy(57000), p, NOW).action == "HOLD"


def test_quality_without_stddev_uses_the_0_to_1_bound() -> None:
    r = judge("quality_score", Observation(0.6, 400), None, RULES)
    assert (r.verdict, r.method) == ("FAIL", "bounded")
    r = judge("quality_score", Observation(0.78, 400), None, RULES)
    assert r.verdict == "INCONCLUSIVE"  # could be 0.80 with the widest spread a 0..1 score has


def test_the_baseline_excuse_needs_the_baseline_to_breach_with_evidence() -> None:
    cand = Observation(2.6, 3000, stddev=0.5)
    shared = judge("cost_per_request_cents", cand, Observation(2.62, 57000, stddev=0.5), RULES)
    assert shared.verdict == "INCONCLUSIVE" and "baseline breaches too" in shared.reason
    # the baseline's point value is over 2.0, but 30 samples are no evidence: no excuse
    thin = judge("cost_per_request_cents", cand, Observation(2.7, 30, stddev=3.0), RULES)
    assert thin.verdict == "FAIL"
    worse = judge("cost_per_request_cents", Observation(3.5, 3000, stddev=0.5), Observation(2.62, 57000, stddev=0.5), RULES)
    assert worse.verdict == "FAIL"


def test_healthy_canary_advances_on_evidence() -> None:
    d = decide(T, healthy(), healthy(57000), RULES, NOW)
    assert d.action == "ADVANCE" and all(r.evidence for r in d.metrics)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("error_rate: .nan", "finite"),
        ("error_rate: -0.01", "greater than or equal to 0"),
        ("error_rate: 1.5", "less than or equal to 1"),
        ("quality_score: .inf", "finite"),
        ("latency_p99_ms: 0", "greater than 0"),
    ],
)
def test_non_finite_or_out_of_range_thresholds_are_refused_with_their_line(line: str, fragment: str) -> None:
    key = line.split(":")[0]
    text = REGISTRY.replace("  rollback: {latency_p99_ms: 2000, error_rate: 0.01, quality_score: 0.80, hallucination_rate: 0.05, "
                            "cost_per_request_cents: 2.0}\n", f"  rollback:\n    {line}\n")
    assert text != REGISTRY
    loaded = load_text(text, "models/manifest.yaml")
    assert not loaded.ok
    (f,) = [f for f in loaded.findings if key in f.message]
    assert fragment in f.message and f.line == text.splitlines().index(f"    {line}") + 1


@given(st.integers(100, 3000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.sampled_from(["error_rate", "quality_score"]))
def test_the_interval_shown_agrees_with_the_verdict(kn: tuple[int, int], metric: str) -> None:
    k, n = kn
    obs = Observation.rate(k, n) if metric == "error_rate" else Observation(k / n, n)
    r = judge(metric, obs, None, RULES)
    t = r.threshold
    assert r.low is not None and r.high is not None and r.low <= (r.value or 0) <= r.high
    worse_end, better_end = (r.high, r.low) if metric == "quality_score" else (r.low, r.high)
    if r.verdict == "FAIL":  # the whole interval is on the wrong side of the threshold
        assert (worse_end <= t) if metric == "quality_score" else (worse_end >= t)
    if r.verdict == "PASS":
        assert (better_end >= t) if metric == "quality_score" else (better_end <= t)
