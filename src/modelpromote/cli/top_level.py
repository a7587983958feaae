"""The top level of the command line without click: the verb table, the help, the version.

`modelpromote --help` is the first command a new user types, and importing click costs about
three times Python's own start-up.  So :func:`quick_answer` prints the top-level help and version
from this module alone, before anything else is imported (:func:`modelpromote.cli.run`), laid out
exactly as click lays out the same group (cli/common.py builds it from :data:`HELP` and
:data:`VERBS`; tests/cli/test_top_level.py compares the two at every width).  Everything else,
including a verb's own --help, goes through click.
"""

from __future__ import annotations

import os
import sys

from .. import __version__

PROG = "modelpromote"
MAX_WIDTH = 100  # the group's max_content_width

# The group's help (click's layout: blank lines separate paragraphs, a paragraph opened by "\b"
# alone is kept line for line).
HELP = """GitOps model versioning and promotion.

models/manifest.yaml is the registry: the versions that exist, which one is
live in each environment, and the log of every promotion.  Every change is a
reviewed pull request.

\b
Look:      validate, status, schema, migrate
Release:   release (next rc / finalize), eval (judge results against thresholds)
Promote:   plan -> pr (opens the PR) -> gate (approvals) -> deploy (on merge)
           promote (apply locally), rollback, fail, hold, retire
Watch:     health (advance / hold / roll back canaries), drift
Apps:      export (runtime config for modelpromote.runtime)

\b
Start here:
  modelpromote demo        (the whole story in a sandbox: offline, ~10 s)
  modelpromote validate
  modelpromote status
  modelpromote plan customer-support claude-3-5-sonnet-v1.3.0 --to production

Exit codes: 0 ok, 1 a check said no, 2 bad input or usage, 3 a service failed."""

# verb -> (module in this package, one line for `modelpromote --help`).  A verb's module is
# imported only when that verb runs (or its own --help is asked for), so `status` never pays for
# PyGithub and `--help` imports no verb at all.
VERBS: dict[str, tuple[str, str]] = {
    "validate": ("manifest_verbs", "Check a manifest: shape, versions, pointers, ladder, fallback chains."),
    "status": ("manifest_verbs", "What is live where: model x environment, version, status, since, rollout."),
    "schema": ("schema_verbs", "Print the manifest's JSON Schema (for editors and CI)."),
    "migrate": ("schema_verbs", "Rewrite the article's flat manifest into the canonical form, keeping comments."),
    "plan": ("plan_verbs", "Would promoting MODEL to VERSION in ENV be allowed, and why (not)?"),
    "promote": ("plan_verbs", "Apply an allowed plan: set MODEL's ENV pointer to VERSION and log it."),
    "release": ("release_verbs", "Add the next version of base model BASE to the catalogue."),
    "retire": ("release_verbs", "Mark old, unused catalogue versions retired."),
    "rollback": ("incident_verbs", "Put MODEL in ENV back on an earlier, verified version."),
    "fail": ("incident_verbs", "Record that VERSION failed a gate for MODEL in ENV."),
    "hold": ("incident_verbs", "Stop (or, with --clear, resume) automatic promotion of MODEL."),
    "eval": ("eval_verbs", "Judge eval results against thresholds, with confidence intervals."),
    "pr": ("pr_verbs", "Open (or update) the pull request that promotes MODEL to VERSION in ENV."),
    "gate": ("gate_verbs", "The approval gate of a pull request, reported on its head commit."),
    "deploy": ("deploy_verbs", "Start what a merge changed: GitHub Deployments and a signed webhook."),
    "health": ("health_verbs", "Advance, hold or roll back every live canary and recent promotion."),
    "experiment": ("experiment_verbs", "Compare an experiment's treatment arm with its control arm, metric by metric."),
    "drift": ("drift_verbs", "Compare the manifest on main with what is deployed; list each mismatch."),
    "export": ("runtime_verbs", "Compile the manifest into the JSON runtime config for one environment."),
    "init": ("init_verbs", "Adopt modelpromote where models are already live: manifest, log, workflows, checklist."),
    "adopt": ("init_verbs", "Same as init."),
    "demo": ("demo_verbs", "Run the whole promotion story in a sandbox: offline, about 10 seconds."),
}



def quick_answer(argv: list[str]) -> str | None:
    """The output of ``modelpromote --help`` / ``-h`` / ``--version``, or None for anything else."""
    if argv in (["--help"], ["-h"]):
        return top_help(_width())
    if argv == ["--version"]:
        return f"{PROG}, version {__version__}\n"
    return None


def _width() -> int:
    """Click's help width: $COLUMNS, else the terminal's, else 80; at most MAX_WIDTH; minus 2; at least 50."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    columns = columns or 80
    return max(min(columns, MAX_WIDTH) - 2, 50)


def top_help(width: int) -> str:
    """The group's help page at ``width`` columns, as click renders it."""
    usage = f"Usage: {PROG} "
    out = [_wrap("[OPTIONS] COMMAND [ARGS]...", width, usage, " " * len(usage)), "", _paragraphs(HELP, width, "  ")]
    for title, rows in (
        ("Options", [("--version", "Show the version and exit."), ("-h, --help", "Show this message and exit.")]),
        ("Commands", [(name, VERBS[name][1]) for name in sorted(VERBS)]),
    ):
        out += ["", f"{title}:", *_definitions(rows, width)]
    return "\n".join(out) + "\n"


def _wrap(text: str, width: int, first: str, rest: str) -> str:
    import textwrap

    return textwrap.TextWrapper(width, initial_indent=first, subsequent_indent=rest, replace_whitespace=False).fill(text)


def _paragraphs(text: str, width: int, indent: str) -> str:
    """Re-flow each paragraph (blank-line separated) at its own indent; a paragraph opened by a
    line holding only ``\\b`` (backspace) is kept line for line."""
    blocks: list[list[str]] = [[]]
    for line in text.expandtabs().splitlines():
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    out = []
    for block in (b for b in blocks if b):
        pad = indent + " " * (len(block[0]) - len(block[0].lstrip()))
        if block[0].strip() == "\b":
            out.append("\n".join(pad + line.lstrip() if i == 0 else pad + line for i, line in enumerate(block[1:])))
        else:
            out.append(_wrap(" ".join([block[0].lstrip(), *block[1:]]), width, pad, pad))
    return "\n\n".join(out)


def _definitions(rows: list[tuple[str, str]], width: int) -> list[str]:
    """A definition list at indent 2: the terms in a column of at most 30, the text wrapped beside them."""
    first_col = min(max(len(term) for term, _ in rows), 30) + 2
    lines = []
    for term, text in rows:
        wrapped = _paragraphs(text, max(width - first_col - 2, 10), "").splitlines()
        if len(term) <= first_col - 2:
            lines.append(f"  {term}{' ' * (first_col - len(term))}{wrapped[0]}")
        else:
            lines += [f"  {term}", f"{' ' * (first_col + 2)}{wrapped[0]}"]
        lines += [f"{' ' * (first_col + 2)}{line}" for line in wrapped[1:]]
    return lines
