"""Who is making a change, when the command line does not say (``--by``)."""

from __future__ import annotations

import getpass
import os
import subprocess


def default_actor() -> str | None:
    """$GITHUB_ACTOR (as @login), else git's user.name, else the OS user."""
    actor = os.environ.get("GITHUB_ACTOR", "").strip()
    if actor:
        return f"@{actor}"
    try:
        r = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None
