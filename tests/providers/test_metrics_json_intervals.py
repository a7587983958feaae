"""The JSON metrics source: stddev and histogram buckets for intervals, and one pass over the document."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from modelpromote.errors import InputError
from modelpromote.providers.metrics_json import JsonMetricsSource, parse_metric

AT = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def test_buckets_and_stddev_are_read() -> None:
    o = parse_metric("latency_p99_ms", {"value": 900, "samples": 100, "buckets": {"+Inf": 100, "1000": 97, "2000": 99}}, "m")
    assert o.buckets == ((1000.0, 97), (2000.0, 99), (math.inf, 100))
    q = parse_metric("quality_score", {"value": 0.9, "samples": 50, "stddev": 0.1}, "m")
    assert q.stddev == 0.1


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ({"value": 1, "samples": 10, "stddev": -1}, "stddev"),
        ({"value": 1, "samples": 10, "stddev": float("nan")}, "stddev"),
        ({"value": 1, "samples": 10, "buckets": {"1000": 9, "2000": 5, "+Inf": 10}}, "cumulative"),
        ({"value": 1, "samples": 10, "buckets": {"soon": 9}}, "not a bound"),
        ({"value": 1, "samples": 10, "buckets": [1, 2]}, "buckets"),
    ],
)
def test_bad_interval_fields_are_named(item: dict, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=fragment):
        parse_metric("latency_p99_ms", item, "m")


def test_a_bad_field_in_a_file_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    obs = {"model": "a", "env": "e", "version": "v", "at": "2026-06-01T11:59:00Z", "metrics": {"cost_per_request_cents": {"value": 1, "samples": 5, "stddev": "x"}}}
    p.write_text(json.dumps({"observations": [obs]}))
    with pytest.raises(InputError) as exc:
        JsonMetricsSource(str(p)).observe(model="a", env="e", version="v", window=timedelta(hours=1), at=AT, metrics=["cost_per_request_cents"])
    assert exc.value.findings[0].code == "MP804" and "stddev" in exc.value.findings[0].message


def test_each_target_reads_only_its_own_entries(tmp_path: Path) -> None:
    rows = [{"model": f"m{i}", "env": "e", "version": "v", "at": f"2026-06-01T11:{50 + i % 9:02d}:00Z",
             "metrics": {"error_rate": {"events": i % 7, "samples": 100}}} for i in range(3000)]
    p = tmp_path / "m.json"
    p.write_text(json.dumps({"observations": rows}))
    src = JsonMetricsSource(str(p))
    got = [src.observe(model=f"m{i}", env="e", version="v", window=timedelta(minutes=30), at=AT, metrics=["error_rate"]) for i in range(3000)]
    assert [g["error_rate"].events for g in got] == [i % 7 for i in range(3000)]
    assert len(src._index()) == 3000  # built once, one key per model/env/version
