"""A small application as a user writes one: it serves requests through ``Runtime.call`` and turns
on the metrics exporter; it contains no metrics code of its own.

    python tests/support/runtime_app.py RUNTIME_JSON PORT [--broken MODEL=VERSION:ERROR_RATE ...] [--rate N] [--seconds S]

The "provider" is simulated: answers are instant, a version named with ``--broken`` fails that
share of its requests, and every answer is graded (quality 0.9, no hallucination) and costs
0.8 cents, as an LLM judge and the provider's usage report would say.  Prints ``ready`` once the
exporter listens, then serves ``--rate`` requests a second per model until ``--seconds`` pass or
it is terminated.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from typing import Any

from modelpromote.runtime import CallFailed, Runtime
from modelpromote.runtime.metrics import prometheus_exporter


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("config")
    p.add_argument("port", type=int)
    p.add_argument("--broken", action="append", default=[], metavar="MODEL=VERSION:ERROR_RATE")
    p.add_argument("--rate", type=int, default=400, help="requests a second per model")
    p.add_argument("--seconds", type=float, default=120.0, help="stop after this long (a bound, for tests)")
    args = p.parse_args(argv)
    broken: dict[tuple[str, str], float] = {}
    for spec in args.broken:
        model, rest = spec.split("=", 1)
        version, rate = rest.rsplit(":", 1)
        broken[(model, version)] = float(rate)

    rt = Runtime.load(args.config)
    metrics = prometheus_exporter(rt, port=args.port, addr="127.0.0.1")
    counts: dict[tuple[str, str], int] = {}

    def provider(a: Any) -> str:
        """The simulated model API: fails every 1/rate-th request of a broken version."""
        k = (a.model, a.version)
        n = counts[k] = counts.get(k, 0) + 1
        rate = broken.get(k, 0.0)
        if rate and n % round(1 / rate) == 0:
            raise ConnectionError(f"{a.provider_model} returned 500")
        metrics.record_cost(a, 0.8, input_tokens=700, output_tokens=150)
        return f"answer from {a.provider_model}"

    print("ready", flush=True)
    deadline = time.monotonic() + args.seconds
    models = rt.models()
    users = itertools.count()
    tick = 0.05  # serve in small batches, 20 a second, so traffic is spread evenly over time
    while time.monotonic() < deadline:
        started = time.monotonic()
        for _ in range(max(1, round(args.rate * tick))):
            user = f"user-{next(users)}"
            for model in models:
                try:
                    rt.call(model, user, provider)
                except CallFailed:
                    continue
                # A grader scores the answer later, by request key.
                metrics.record_outcome(model, user, quality=0.9, hallucinated=False)
        time.sleep(max(0.0, tick - (time.monotonic() - started)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
