"""Intervals against published values, and properties that must hold for any counts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelpromote.gates.eval import stats


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(0, 50, 0.0, 0.0713), (2, 100, 0.0055, 0.0700), (5, 100, 0.0215, 0.1118), (50, 50, 0.9287, 1.0)],
)
def test_wilson_matches_known_values(successes: int, n: int, low: float, high: float) -> None:
    lo, hi = stats.wilson(successes, n, 0.95)
    assert round(lo, 4) == low
    assert round(hi, 4) == high


def test_z_for_common_confidences() -> None:
    assert stats.z_for(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert stats.z_for(0.99) == pytest.approx(2.575829, abs=1e-6)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_contains_the_observed_rate_and_stays_in_unit_interval(sn: tuple[int, int], conf: float) -> None:
    s, n = sn
    lo, hi = stats.wilson(s, n, conf)
    assert 0.0 <= lo <= s / n <= hi <= 1.0


@given(st.integers(1, 400), st.floats(0.05, 0.95))
def test_more_samples_at_the_same_rate_narrow_the_interval(n: int, p: float) -> None:
    lo1, hi1 = stats.wilson(round(p * n), n)
    lo4, hi4 = stats.wilson(round(p * 4 * n), 4 * n)
    assert hi4 - lo4 < hi1 - lo1


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_newcombe_difference_interval_contains_the_observed_difference(a: tuple[int, int], b: tuple[int, int]) -> None:
    lo, hi = stats.newcombe(a[0], a[1], b[0], b[1])
    d = a[0] / a[1] - b[0] / b[1]
    assert -1.0 <= lo <= d + 1e-12
    assert d - 1e-12 <= hi <= 1.0


def test_mean_and_stderr() -> None:
    mean, se = stats.mean_and_stderr([1.0, 0.0, 1.0, 0.0])
    assert mean == 0.5
    assert se == pytest.approx(0.288675, abs=1e-6)
    assert stats.mean_and_stderr([0.7]) == (0.7, None)
