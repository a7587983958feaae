"""An experiment's verdict as a terminal table and as markdown (for a promotion PR's body)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .table import markdown_table, table

if TYPE_CHECKING:
    from ..gates.experiment import ArmComparison, ExperimentResult


def _v(metric: str, v: float | None, method: str = "") -> str:
    from ..gates.health import RATE_METRICS

    if v is None:
        return "-"
    if metric in RATE_METRICS or method == "tail share":
        return f"{v * 100:.2f}%"
    return f"{v:.4g}"


def _rows(r: ExperimentResult) -> list[list[str]]:
    def row(c: ArmComparison) -> list[str]:
        diff = "-" if c.difference is None else f"{'+' if c.difference >= 0 else ''}{_v(c.metric, c.difference, c.method)}"
        ci = "-" if c.low is None or c.high is None else f"{_v(c.metric, c.low, c.method)}..{_v(c.metric, c.high, c.method)}"
        conf = "-" if c.confidence is None else f"{c.confidence:.1%}"
        more = "decided" if c.decided else ("-" if c.more_requests is None else f"~{c.more_requests}")
        return [c.metric, _v(c.metric, c.treatment), _v(c.metric, c.control), f"{c.treatment_samples}/{c.control_samples}", diff, ci,
                c.better, conf, more]

    return [row(c) for c in r.metrics]


HEADERS = ["METRIC", "TREATMENT", "CONTROL", "SAMPLES T/C", "DIFF", "INTERVAL", "BETTER", "CONFIDENCE", "MORE REQUESTS"]


def render_text(r: ExperimentResult) -> str:
    head = f"{r.model}/{r.env}: experiment {r.treatment} ({r.weight}%) vs control {r.control}: {r.verdict.upper()}"
    return "\n".join([head, table(HEADERS, _rows(r)), f"  - {r.summary}"])


def render_markdown(r: ExperimentResult) -> str:
    """The verdict as a markdown section: what the promotion PR body carries as evidence."""
    head = (f"### Experiment {r.model}/{r.env}: **{r.verdict}**\n\n"
            f"Treatment `{r.treatment}` ({r.weight}% of traffic) against control `{r.control}`; "
            f"anytime-valid intervals at {r.confidence:.0%}. {r.summary}.\n")
    return head + "\n" + markdown_table([h.title() if h != "SAMPLES T/C" else "Samples T/C" for h in HEADERS], _rows(r)) + "\n"
