"""What the tests share: paths, manifests, the GitHub emulator harness, Prometheus, act, health fixtures.

One package, imported as ``tests.support.<module>``; test modules never import each other.
"""
