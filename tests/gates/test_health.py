"""The pure health decision: per-metric verdicts, ADVANCE/HOLD/ROLLBACK, what is watched, the edits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.gates.health import METRICS, SEVERITY, Decision, Observation, Rules, decide, judge, one_sided
from modelpromote.manifest import changes as ch
from modelpromote.manifest.load import load_text
from modelpromote.manifest.schema import Policies
from modelpromote.policy.watch import Target, next_weight, targets

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
RULES = Rules.from_policies(Policies())  # the article's thresholds, min_samples 100, 95 %
NEW, OLD = "claude-3-5-sonnet-v1.3.0", "claude-3-5-sonnet-v1.2.3"


def canary(weight: int = 5, since: timedelta = timedelta(hours=1), **kw: object) -> Target:
    return Target(
        "support-bot", "production", "canary", NEW, OLD, weight, NOW - since, (5, 25, 50, 100), timedelta(minutes=30), restore=OLD, **kw
    )  # type: ignore[arg-type]


def healthy(n: int = 5000) -> dict[str, Observation]:
    return {
        "latency_p99_ms": Observation(800.0, n),
        "error_rate": Observation.rate(n // 1000, n),
        "quality_score": Observation(0.9, n),
        "hallucination_rate": Observation.rate(n // 200, n),
        "cost_per_request_cents": Observation(0.8, n),
    }


def with_(obs: dict[str, Observation], **changes: Observation) -> dict[str, Observation]:
    return {**obs, **changes}


# -- one metric ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "obs", "verdict"),
    [
        # rates: the Wilson bounds decide, not the point estimate
        ("error_rate", Observation.rate(300, 6000), "FAIL"),  # 5 %: lower bound far above 1 %
        ("error_rate", Observation.rate(6, 6000), "PASS"),  # 0.1 %: upper bound below 1 %
        ("error_rate", Observation.rate(2, 100), "INCONCLUSIVE"),  # 2 % on 100 requests: could be 0.5 %
        ("error_rate", Observation.rate(0, 100), "INCONCLUSIVE"),  # 0/100 does not prove < 1 %
        ("error_rate", Observation.rate(15, 30), "INCONCLUSIVE"),  # half failing, but under min_samples: hold
        ("hallucination_rate", Observation.rate(100, 1000), "FAIL"),
        ("hallucination_rate", Observation.rate(10, 1000), "PASS"),
        # values: compared once they rest on min_samples
        ("latency_p99_ms", Observation(2500.0, 1000), "FAIL"),
        ("latency_p99_ms", Observation(2000.0, 1000), "PASS"),  # the article breaches on >, not >=
        ("latency_p99_ms", Observation(2500.0, 99), "INCONCLUSIVE"),
        ("latency_p99_ms", Observation(float("nan"), 1000), "INCONCLUSIVE"),
        ("quality_score", Observation(0.7, 1000), "FAIL"),  # lower is worse
        ("quality_score", Observation(0.95, 1000), "PASS"),
        ("cost_per_request_cents", Observation(2.5, 1000), "FAIL"),
        ("cost_per_request_cents", Observation(None, 0), "INCONCLUSIVE"),
    ],
)
def test_metric_verdicts(metric: str, obs: Observation, verdict: str) -> None:
    r = judge(metric, obs, None, RULES)
    assert r.verdict == verdict, r.reason
    assert r.samples == obs.samples


def test_missing_metric_is_inconclusive_with_zero_samples() -> None:
    r = judge("quality_score", None, None, RULES)
    assert (r.verdict, r.samples) == ("INCONCLUSIVE", 0)
    assert "no data" in r.reason


def test_a_breach_the_baseline_shares_is_not_blamed_on_the_new_version() -> None:
    shared = judge("latency_p99_ms", Observation(2500.0, 1000), Observation(2700.0, 5000), RULES)
    assert shared.verdict == "INCONCLUSIVE" and "baseline breaches too" in shared.reason
    worse = judge("latency_p99_ms", Observation(3000.0, 1000), Observation(2700.0, 5000), RULES)
    assert worse.verdict == "FAIL"


def test_rate_bounds_are_one_sided_at_the_confidence() -> None:
    low, high = one_sided(0, 300, 0.95)
    assert low == 0.0
    assert high == pytest.approx(0.00894, abs=2e-4)  # z^2 / (n + z^2) with the one-sided z = 1.645
    assert one_sided(0, 260, 0.95)[1] > 0.01 > one_sided(0, 280, 0.95)[1]  # ~270 clean requests prove < 1 %


# -- the decision ----------------------------------------------------------------------------------


def test_healthy_canary_advances_to_the_next_step() -> None:
    d = decide(canary(), healthy(), healthy(), RULES, NOW)
    assert (d.action, d.next_weight) == ("ADVANCE", 25)
    assert all(r.verdict == "PASS" for r in d.metrics)


def test_last_step_completes_the_rollout() -> None:
    d = decide(canary(weight=50), healthy(), healthy(), RULES, NOW)
    assert (d.action, d.next_weight) == ("ADVANCE", 100)


def test_healthy_but_too_early_holds() -> None:
    d = decide(canary(since=timedelta(minutes=10)), healthy(), healthy(), RULES, NOW)
    assert d.action == "HOLD"
    assert any("interval 30m" in r for r in d.reasons)


def test_critical_metric_rolls_back_alone() -> None:
    d = decide(canary(), with_(healthy(), error_rate=Observation.rate(300, 6000)), healthy(), RULES, NOW)
    assert (d.action, d.restore) == ("ROLLBACK", OLD)


def test_one_non_critical_breach_holds_two_roll_back() -> None:
    one = with_(healthy(), latency_p99_ms=Observation(2500.0, 5000))
    assert decide(canary(), one, healthy(), RULES, NOW).action == "HOLD"
    two = with_(one, cost_per_request_cents=Observation(3.0, 5000))
    assert decide(canary(), two, healthy(), RULES, NOW).action == "ROLLBACK"


def test_min_breaches_and_critical_are_configurable() -> None:
    p = Policies.model_validate({"rollback": {"min_breaches": 1, "critical": []}})
    rules = Rules.from_policies(p)
    one = with_(healthy(), latency_p99_ms=Observation(2500.0, 5000))
    assert decide(canary(), one, healthy(), rules, NOW).action == "ROLLBACK"


def test_few_samples_hold_even_when_they_look_bad() -> None:
    bad = {m: Observation.rate(15, 30) if m.endswith("rate") else Observation(5000.0, 30) for m in METRICS}
    d = decide(canary(), bad, healthy(), RULES, NOW)
    assert d.action == "HOLD"
    assert {r.verdict for r in d.metrics} == {"INCONCLUSIVE"}


def test_open_pr_means_nothing_happens() -> None:
    d = decide(canary(open_pr=7), with_(healthy(), error_rate=Observation.rate(300, 6000)), healthy(), RULES, NOW)
    assert d.action == "HOLD" and "#7" in d.reasons[0]


def test_hold_blocks_advancing_but_not_rolling_back() -> None:
    assert decide(canary(held="investigating"), healthy(), healthy(), RULES, NOW).action == "HOLD"
    bad = with_(healthy(), error_rate=Observation.rate(300, 6000))
    assert decide(canary(held="investigating"), bad, healthy(), RULES, NOW).action == "ROLLBACK"


def test_disabled_metric_is_neither_read_nor_needed() -> None:
    p = Policies.model_validate({"health": {"metrics": {"quality_score": {"enabled": False}, "hallucination_rate": {"enabled": False}}}})
    rules = Rules.from_policies(p)
    obs = {k: v for k, v in healthy().items() if k not in ("quality_score", "hallucination_rate")}
    d = decide(canary(), obs, {}, rules, NOW)
    assert d.action == "ADVANCE"
    assert [r.metric for r in d.metrics] == ["latency_p99_ms", "error_rate", "cost_per_request_cents"]


@pytest.mark.parametrize(("weight", "steps", "nxt"), [(5, (5, 25, 50, 100), 25), (50, (5, 25, 50, 100), 100), (7, (5, 25, 100), 25), (5, (), 100)])
def test_next_weight(weight: int, steps: tuple[int, ...], nxt: int) -> None:
    assert next_weight(weight, steps) == nxt


# -- properties ------------------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=20000)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=20000),
    k=counts,
    extra=st.integers(min_value=0, max_value=5000),
    since=st.integers(0, 120),
    base_k=st.integers(min_value=0, max_value=2000),
)
def test_more_errors_never_make_the_decision_milder(n: int, k: int, extra: int, since: int, base_k: int) -> None:
    k = min(k, n)
    k2 = min(k + extra, n)
    t = canary(since=timedelta(minutes=since))
    base = with_(healthy(), error_rate=Observation.rate(base_k, 10000))  # a baseline that may itself be bad
    a = decide(t, with_(healthy(), error_rate=Observation.rate(k, n)), base, RULES, NOW)
    b = decide(t, with_(healthy(), error_rate=Observation.rate(k2, n)), base, RULES, NOW)
    assert SEVERITY[b.action] >= SEVERITY[a.action], (a.reasons, b.reasons)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=20000), k=counts)
def test_rollback_needs_evidence_and_advance_needs_safety(n: int, k: int) -> None:
    k = min(k, n)
    r = judge("error_rate", Observation.rate(k, n), None, RULES)
    if r.verdict == "FAIL":
        assert n >= RULES.min_samples and r.low is not None and r.low >= 0.01  # the interval lies above the threshold
        assert k / n > 0.01
    if r.verdict == "PASS":
        assert n >= RULES.min_samples and r.high is not None and r.high <= 0.01
        assert k / n <= 0.01


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=1, max_value=5000), k=counts)
def test_bounds_contain_the_estimate(n: int, k: int) -> None:
    k = min(k, n)
    low, high = one_sided(k, n, 0.95)
    assert 0.0 <= low <= k / n + 1e-12 <= high + 2e-12 <= 1.0 + 2e-12


# -- what is watched -------------------------------------------------------------------------------

BASE = """\
schema_version: 1
environments:
  - name: staging
  - name: production
    promote_from: staging
    canary: {steps: [5, 25, 100], interval: 30m}
models:
  - name: support-bot
    environments: {production: claude-3-5-sonnet-v1.3.0}
version_history:
  - {version: claude-3-5-sonnet-v1.3.0, base_model: claude-3-5-sonnet, status: stable}
  - {version: claude-3-5-sonnet-v1.2.3, base_model: claude-3-5-sonnet, status: stable}
  - {version: claude-3-5-sonnet-v1.1.0, base_model: claude-3-5-sonnet, status: stable}
promotions:
"""


def manifest(log: str, extra_model: str = ""):  # type: ignore[no-untyped-def]
    loaded = load_text(BASE.replace("models:\n  - name: support-bot\n", f"models:\n  - name: support-bot\n{extra_model}") + log)
    assert loaded.ok, loaded.findings
    return loaded.manifest


def test_recent_promotion_is_watched_and_restores_the_last_verified_version() -> None:
    m = manifest(
        "  - {model: support-bot, env: production, from: null, to: claude-3-5-sonnet-v1.1.0, at: '2026-04-01T00:00:00Z'}\n"
        "  - {model: support-bot, env: production, from: claude-3-5-sonnet-v1.1.0, to: claude-3-5-sonnet-v1.2.3, at: '2026-05-01T00:00:00Z'}\n"
        "  - {model: support-bot, env: production, from: claude-3-5-sonnet-v1.2.3, to: claude-3-5-sonnet-v1.3.0, at: '2026-06-01T08:00:00Z'}\n"
    )
    found, skipped = targets(m, NOW)
    assert [(t.kind, t.version, t.baseline, t.restore) for t in found] == [("promotion", NEW, OLD, OLD)]
    assert not skipped
    later, _ = targets(m, NOW + timedelta(days=2))  # past policies.health.watch (24h)
    assert later == []


def test_a_rollback_is_never_rolled_back() -> None:
    m = manifest(
        "  - {model: support-bot, env: production, from: null, to: claude-3-5-sonnet-v1.2.3, at: '2026-05-01T00:00:00Z'}\n"
        "  - {model: support-bot, env: production, from: claude-3-5-sonnet-v1.2.3, to: claude-3-5-sonnet-v1.3.0, at: '2026-06-01T08:00:00Z'}\n"
        "  - {model: support-bot, env: production, from: claude-3-5-sonnet-v1.2.3, to: claude-3-5-sonnet-v1.3.0,"
        " at: '2026-06-01T09:00:00Z', kind: rollback}\n"
    )
    found, skipped = targets(m, NOW)
    assert found == []
    assert [s.reason for s in skipped] == ["put live by a rollback; health never rolls back a rollback"]


def test_live_canary_is_watched_with_its_step_clock() -> None:
    m = manifest(
        "  []\n",
        "    canary: {production: {baseline: claude-3-5-sonnet-v1.2.3, weight: 25, step: 1, started_at: '2026-06-01T10:00:00Z',"
        " updated_at: '2026-06-01T11:00:00Z'}}\n",
    )
    (t,), _ = targets(m, NOW)
    assert (t.kind, t.weight, t.steps, t.restore) == ("canary", 25, (5, 25, 100), OLD)
    assert t.since == datetime(2026, 6, 1, 11, tzinfo=timezone.utc)


# -- applying a decision ---------------------------------------------------------------------------

CANARY_TEXT = """\
schema_version: 1
environments:
  - name: production
    canary: {steps: [5, 25, 100], interval: 30m}
models:
  - name: support-bot   # keep this comment
    environments:
      production: claude-3-5-sonnet-v1.3.0
    canary:
      production: {baseline: claude-3-5-sonnet-v1.2.3, weight: 5, step: 0, started_at: "2026-06-01T10:00:00Z"}
  - name: other-bot
    environments: {production: claude-3-5-sonnet-v1.2.3}
version_history:
  - {version: claude-3-5-sonnet-v1.3.0, base_model: claude-3-5-sonnet, status: stable}
  - {version: claude-3-5-sonnet-v1.2.3, base_model: claude-3-5-sonnet, status: stable}
promotions:
  - {model: support-bot, env: production, from: claude-3-5-sonnet-v1.2.3, to: claude-3-5-sonnet-v1.3.0, at: "2026-06-01T10:00:00Z", kind: canary}
failures: []
"""


def _decision_for(text: str, obs: dict[str, Observation]):  # type: ignore[no-untyped-def]
    m = load_text(text).manifest
    assert m is not None
    (t,), _ = targets(m, NOW)
    return decide(t, obs, healthy(), Rules.from_policies(m.policies), NOW)


def _changed_lines(a: str, b: str) -> set[str]:
    return set(b.splitlines()) - set(a.splitlines())


def test_advance_rewrites_only_the_canary_state() -> None:
    new = apply_decision(CANARY_TEXT, _decision_for(CANARY_TEXT, healthy()))
    assert load_text(new).ok
    assert _changed_lines(CANARY_TEXT, new) == {
        "      production: {baseline: claude-3-5-sonnet-v1.2.3, weight: 25, step: 1, started_at: \"2026-06-01T10:00:00Z\","
        ' updated_at: "2026-06-01T12:00:00Z"}'
    }
    assert "# keep this comment" in new


def test_rollback_restores_records_and_holds() -> None:
    bad = with_(healthy(), error_rate=Observation.rate(300, 6000))
    new = apply_decision(CANARY_TEXT, _decision_for(CANARY_TEXT, bad))
    loaded = load_text(new)
    assert loaded.ok, loaded.findings
    m = loaded.manifest
    assert m is not None
    bot = m.model("support-bot")
    assert bot is not None
    assert bot.environments["production"] == OLD
    assert "production" not in bot.canary
    assert bot.hold is not None and bot.hold.env == "production" and "error_rate" in bot.hold.reason
    assert (m.promotions[-1].kind, m.promotions[-1].to) == ("rollback", OLD)
    assert [(f.model, f.version, f.gate) for f in m.failures] == [("support-bot", NEW, "health")]
    other = CANARY_TEXT.split("  - name: other-bot\n")[1].split("version_history")[0]
    assert other in new  # the other model's bytes are untouched
    # ... and the next health run leaves it alone: a rollback is never rolled back.
    assert targets(m, NOW + timedelta(minutes=5))[0] == []


def test_hold_changes_nothing() -> None:
    few = {k: Observation(v.value, 30, None if v.events is None else 0) for k, v in healthy().items()}
    d = _decision_for(CANARY_TEXT, few)
    assert d.action == "HOLD"
    assert apply_decision(CANARY_TEXT, d) == CANARY_TEXT


def apply_decision(text: str, d: Decision) -> str:
    return ch.apply(text, "m.yaml", d.changes(NOW))
