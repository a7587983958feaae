"""Sticky bucketing: the checked-in vectors, split accuracy, monotone ramps, cross-process stability,
and that importing the runtime stays light."""

from __future__ import annotations

import collections
import hashlib
import json
import math
import shutil
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.manifest.load import load_text
from modelpromote.policy.export import compile_runtime
from modelpromote.runtime import TOTAL, Runtime, bucket, hash32
from tests.support.paths import DATA, ROOT

VECTORS = json.loads((DATA / "bucketing-vectors.json").read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: f"{v['salt'][:12]}|{v['key'][:12]}")
def test_vectors(v: dict[str, Any]) -> None:
    assert f"{v['salt']}:{v['key']}".encode().hex() == v["input_hex"]
    assert hash32(v["salt"], v["key"]) == v["h32"] == int(v["sha256_prefix"], 16)
    for total, expected in v["buckets"].items():
        assert bucket(v["salt"], v["key"], int(total)) == expected


def test_vectors_cover_what_ports_get_wrong() -> None:
    keys = {v["key"] for v in VECTORS}
    assert "" in keys and any(not k.isascii() for k in keys) and any(len(k.encode()) != len(k) for k in keys)
    assert any(v["h32"] >= 2**31 for v in VECTORS)  # unsigned: a signed 32-bit port fails these


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_vectors_agree_with_an_independent_sha256() -> None:
    for v in VECTORS[::7]:
        out = subprocess.run(["sha256sum"], input=bytes.fromhex(v["input_hex"]), capture_output=True, check=True).stdout
        assert out[:8].decode() == v["sha256_prefix"]


@settings(max_examples=300)
@given(total=st.integers(1, 2**32), frac=st.floats(0, 1, exclude_max=True))
def test_every_bucket_is_reachable_so_a_positive_weight_gets_traffic(total: int, frac: float) -> None:
    b = min(int(frac * total), total - 1)
    lowest_hash = -(-b * 2**32 // total)  # ceil(b * 2**32 / total): the first hash landing in b
    assert lowest_hash < 2**32
    assert (lowest_hash * total) >> 32 == b


# -- split accuracy -----------------------------------------------------------------------------

MANIFEST = """\
schema_version: 1
environments:
  - name: production
models:
  - name: chat
    environments: {production: chat-v2.0.0}
    canary:
      production: {baseline: chat-v1.0.0, weight: WEIGHT, started_at: "2026-05-01T00:00:00Z"}
version_history:
  - {version: chat-v2.0.0, base_model: chat, status: stable}
  - {version: chat-v1.0.0, base_model: chat, status: stable}
"""


def runtime(weight: int, text: str = MANIFEST) -> Runtime:
    loaded = load_text(text.replace("WEIGHT", str(weight)))
    assert loaded.ok and loaded.manifest is not None, loaded.findings
    return Runtime(compile_runtime(loaded.manifest, "production"))


@pytest.mark.parametrize("weight", [1, 5, 50, 99])
def test_split_is_within_tolerance_over_100k_keys(weight: int) -> None:
    rt = runtime(weight)
    n = 100_000
    counts = collections.Counter(rt.route("chat", f"user-{i}").arm for i in range(n))
    p = weight / 100
    sigma = math.sqrt(n * p * (1 - p))
    assert abs(counts["canary"] - n * p) < 5 * sigma, counts
    assert counts["canary"] + counts["control"] == n


def test_ab_split_with_uuid_like_keys() -> None:
    text = MANIFEST.replace(
        '    canary:\n      production: {baseline: chat-v1.0.0, weight: WEIGHT, started_at: "2026-05-01T00:00:00Z"}',
        "    experiments:\n      production: {control: chat-v1.0.0, weight: 50, salt: exp-1}",
    )
    rt = runtime(0, text)
    keys = [hashlib.md5(str(i).encode()).hexdigest() for i in range(100_000)]
    counts = collections.Counter(rt.route("chat", k).arm for k in keys)
    assert abs(counts["treatment"] - 50_000) < 5 * math.sqrt(100_000 * 0.25), counts


def test_experiments_with_different_salts_are_independent() -> None:
    # Users in the treatment of one experiment must not all be in the treatment of another.
    n = 20_000
    a = [bucket("chat/production/ab/exp-1", f"u{i}") < 5000 for i in range(n)]
    b = [bucket("chat/production/ab/exp-2", f"u{i}") < 5000 for i in range(n)]
    both = sum(x and y for x, y in zip(a, b, strict=True))
    assert abs(both - n / 4) < 5 * math.sqrt(n * 0.25 * 0.75)


# -- monotone ramp ------------------------------------------------------------------------------


def test_raising_the_canary_keeps_everyone_already_in_it() -> None:
    keys = [f"user-{i}" for i in range(20_000)]
    previous: set[str] = set()
    for weight in (1, 5, 25, 50, 99):
        rt = runtime(weight)
        now = {k for k in keys if rt.route("chat", k).arm == "canary"}
        assert previous <= now, f"{len(previous - now)} users left the canary at {weight}%"
        assert len(now) > len(previous)
        previous = now


@settings(max_examples=200)
@given(key=st.text(max_size=40), salt=st.text(max_size=40), w1=st.integers(1, 10_000), w2=st.integers(1, 10_000))
def test_in_arm_at_a_weight_stays_in_at_any_higher_weight(key: str, salt: str, w1: int, w2: int) -> None:
    lo, hi = sorted((w1, w2))
    b = bucket(salt, key)
    assert 0 <= b < TOTAL
    assert not (b < lo) or b < hi


# -- the same answer in every process -------------------------------------------------------------

PROBE = """
import hashlib, sys
from modelpromote.runtime import Runtime
rt = Runtime({"format": 1, "env": "p", "models": {"m": {"version": "b", "versions": {"a": {}, "b": {}},
    "split": {"salt": "m/p/canary/b", "arms": [{"arm": "canary", "version": "b", "weight": 2500},
                                                {"arm": "control", "version": "a", "weight": 7500}]}}}})
print(hashlib.sha256(",".join(rt.route("m", f"user-{i}").arm for i in range(5000)).encode()).hexdigest())
"""


def test_assignments_are_the_same_in_processes_with_different_hash_seeds() -> None:
    rt = Runtime(
        {
            "format": 1,
            "env": "p",
            "models": {
                "m": {
                    "version": "b",
                    "versions": {"a": {}, "b": {}},
                    "split": {
                        "salt": "m/p/canary/b",
                        "arms": [{"arm": "canary", "version": "b", "weight": 2500}, {"arm": "control", "version": "a", "weight": 7500}],
                    },
                }
            },
        }
    )
    here = hashlib.sha256(",".join(rt.route("m", f"user-{i}").arm for i in range(5000)).encode()).hexdigest()
    outs = set()
    for seed in ("0", "1", "12345", "random"):
        r = subprocess.run(
            [sys.executable, "-c", PROBE],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        outs.add(r.stdout.strip())
    assert outs == {here}


# -- light import ---------------------------------------------------------------------------------

HEAVY = ("pydantic", "ruamel", "github", "click", "yaml", "semver", "requests")


def test_importing_the_runtime_loads_nothing_heavy() -> None:
    code = f"import modelpromote.runtime, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r}))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert r.stdout.strip() == "[]"
    # Nor modelpromote.errors, whose dataclasses import would double the start-up cost.
    r = subprocess.run(
        [sys.executable, "-c", "import modelpromote.runtime, sys; print('modelpromote.errors' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert r.stdout.strip() == "False"
    # ... and the probe is able to see a heavy import when there is one.
    r = subprocess.run(
        [sys.executable, "-c", code.replace("import modelpromote.runtime,", "import modelpromote.cli.common,")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert "click" in r.stdout


def test_route_agrees_with_the_spec_function() -> None:
    # route() inlines the hash for speed; it must still be exactly bucket(salt, key) < weight.
    rt = runtime(25)
    salt = "chat/production/canary/chat-v2.0.0"
    keys = [v["key"] for v in VECTORS] + [f"k{i}" for i in range(2000)]
    for k in keys:
        assert (rt.route("chat", k).arm == "canary") == (bucket(salt, k) < 2500), k


# The reference JavaScript port from docs/runtime.md, run against the same vectors.
JS_BUCKET = """
const crypto = require("crypto");
function bucket(salt, key, total = 10000) {
  const h = crypto.createHash("sha256").update(`${salt}:${key}`, "utf8").digest().readUInt32BE(0);
  return Number((BigInt(h) * BigInt(total)) >> 32n);  // BigInt: h * total can exceed 2**53
}
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_vectors_in_another_language() -> None:
    doc = (ROOT / "docs" / "runtime.md").read_text(encoding="utf-8")
    assert JS_BUCKET.strip() in doc  # the port users copy is the one tested here
    script = (
        JS_BUCKET
        + """
const vectors = JSON.parse(require("fs").readFileSync(0, "utf8"));
console.log(JSON.stringify(vectors.map(v => Object.keys(v.buckets).map(t => bucket(v.salt, v.key, Number(t))))));
"""
    )
    r = subprocess.run(["node", "-e", script], input=json.dumps(VECTORS), capture_output=True, text=True, check=True)
    assert json.loads(r.stdout) == [list(v["buckets"].values()) for v in VECTORS]
