"""Run the GitHub REST emulator as a process, for the demo, `act` runs and manual poking.

    python -m modelpromote.sandbox.github --repo /tmp/models.git --port 0 \\
        --user alice --user bob:ghp_mytoken --team acme/support-ml=bob,carol \\
        --seed-manifest models/manifest.yaml

Prints the API base URL (``http://127.0.0.1:PORT/api/v3``) on the first line of stdout, then
serves until interrupted.  Without ``:token`` a user's token is ``ghp_sandbox_<login>``.
``--config FILE`` reads the same from JSON: {"users": {"alice": "tok"}, "teams": {"acme/x": ["alice"]}}.
``--role mallory=read`` sets a user's repository role (default write); ``--required-check
main=modelpromote/approval`` (or ``...@APP_ID``) makes merges into main wait for that check.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from .emulator import GitHubEmulator
from .faults import Fault, secondary, slow, too_many
from .gitrepo import init_bare

__all__ = ["Fault", "GitHubEmulator", "main", "secondary", "slow", "too_many"]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m modelpromote.sandbox.github", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--repo", required=True, help="bare git repository (created when missing)")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--owner", default="acme")
    p.add_argument("--name", default="models")
    p.add_argument("--branch", default="main", help="default branch")
    p.add_argument("--user", action="append", default=[], metavar="LOGIN[:TOKEN]")
    p.add_argument("--team", action="append", default=[], metavar="ORG/SLUG=LOGIN,LOGIN")
    p.add_argument("--role", action="append", default=[], metavar="LOGIN=ROLE", help="admin|maintain|write|triage|read|none")
    p.add_argument("--required-check", action="append", default=[], metavar="BRANCH=CONTEXT[@APP_ID]")
    p.add_argument("--config", help="JSON file with users and teams")
    p.add_argument("--seed-manifest", help="when the repository is created, commit this file as models/manifest.yaml")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    users: dict[str, str] = {}
    teams: dict[str, list[str]] = {}
    if args.config:
        cfg: dict[str, Any] = json.loads(Path(args.config).read_text(encoding="utf-8"))
        users.update(cfg.get("users", {}))
        teams.update(cfg.get("teams", {}))
    for spec in args.user:
        login, _, token = spec.partition(":")
        users[login] = token or f"ghp_sandbox_{login}"
    for spec in args.team:
        key, _, members = spec.partition("=")
        teams[key] = [m for m in members.split(",") if m]
    if not users:
        users = {"octocat": "ghp_sandbox_octocat"}
    repo = Path(args.repo)
    if not (repo / "HEAD").exists():
        files = {}
        if args.seed_manifest:
            files["models/manifest.yaml"] = Path(args.seed_manifest).read_bytes()
        else:
            files["README.md"] = b"modelpromote sandbox\n"
        init_bare(repo, files, branch=args.branch)
    emu = GitHubEmulator(
        repo, owner=args.owner, name=args.name, users=users, teams=teams, default_branch=args.branch, port=args.port, record=False
    )
    for spec in args.role:
        login, _, role = spec.partition("=")
        emu.set_role(login, role)
    required: dict[str, list[tuple[str, int | None]]] = {}
    for spec in args.required_check:
        branch, _, check = spec.partition("=")
        context, _, app = check.partition("@")
        required.setdefault(branch, []).append((context, int(app) if app else None))
    for branch, checks in required.items():
        emu.set_required_checks(branch, checks)
    stop = threading.Event()
    # Before the URL is printed: a caller may stop the emulator as soon as it has read it.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emu.start()
    print(emu.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
