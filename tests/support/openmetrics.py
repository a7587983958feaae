"""Synthetic traffic as OpenMetrics: moved to :mod:`modelpromote.sandbox.traffic` (the demo uses it too)."""

from __future__ import annotations

from modelpromote.sandbox.traffic import BUCKETS, Traffic, json_metrics, openmetrics

__all__ = ["BUCKETS", "Traffic", "json_metrics", "openmetrics"]
