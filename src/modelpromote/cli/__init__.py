"""The ``modelpromote`` command line.

Thin by rule: a verb parses its options, calls one use case of :mod:`modelpromote.app`, renders
the result with :mod:`modelpromote.report`, and exits.  Verb modules never import each other;
what two verbs share is in :mod:`.common`.  Verbs are loaded lazily (:data:`.common.VERBS`).
"""

from __future__ import annotations

from .common import main, run

__all__ = ["main", "run"]
