"""The ``modelpromote`` command line.

Each area registers its verbs on :data:`main` from its own module, imported here.  Thin by
rule: parse -> call the core or a provider -> render -> exit code.
"""

from __future__ import annotations

from . import demo_verbs as demo_verbs
from . import drift_verbs as drift_verbs
from . import eval_verbs as eval_verbs
from . import github_verbs as github_verbs
from . import health_verbs as health_verbs
from . import manifest_verbs as manifest_verbs
from . import promotion_verbs as promotion_verbs
from . import runtime_verbs as runtime_verbs
from .common import main, run

__all__ = ["main", "run"]
