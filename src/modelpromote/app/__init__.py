"""Use cases: each runs one thing a user asks for (promote, open a pull request, gate, deploy, health, drift).

Framework-free: no click, no printing.  A use case takes plain values and ports (a manifest store,
the GitHub port, a metrics source), composes the pure decisions of :mod:`modelpromote.policy` and
:mod:`modelpromote.gates` with them, and returns a typed result the CLI renders (:mod:`modelpromote.report`).
"""
