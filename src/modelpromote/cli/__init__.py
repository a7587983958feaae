"""The ``modelpromote`` command line.

Thin by rule: a verb parses its options, calls one use case of :mod:`modelpromote.app`, renders
the result with :mod:`modelpromote.report`, and exits.  Verb modules never import each other;
what two verbs share is in :mod:`.common`.  Verbs are loaded lazily (:data:`.top_level.VERBS`),
and the top-level ``--help`` and ``--version`` are answered before click is imported.
"""

from __future__ import annotations

import sys

# No `typing` import here: it alone costs more than answering --help (docs/benchmarks.md).
__all__ = ["main", "run"]


def run() -> None:
    """The console script: ``--help`` / ``--version`` of the top level at once, all else through click."""
    from .top_level import quick_answer

    text = quick_answer(sys.argv[1:])
    if text is not None:
        sys.stdout.write(text)
        return
    from .common import run as run_click

    run_click()


def __getattr__(name: str) -> object:
    # `from modelpromote.cli import main` (tests, embedding) without importing click for `run`.
    if name == "main":
        from .common import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
