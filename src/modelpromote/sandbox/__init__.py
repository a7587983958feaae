"""Test infrastructure: a GitHub REST emulator over a real git repository (and the demo).

``from modelpromote.sandbox.emulator import GitHubEmulator``; run it as a process with
``python -m modelpromote.sandbox.github --repo PATH --port 0``.
"""
