"""Properties of the emulator's GitHub semantics, over open inputs (hypothesis)."""

from __future__ import annotations

import itertools
from pathlib import Path

import github
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from modelpromote.sandbox.emulator import GitHubEmulator, auth
from modelpromote.sandbox.gitrepo import init_bare
from tests.support.github import client

NEEDS = sorted(auth.NEEDS.items())
CATEGORIES = sorted({c for _, n in NEEDS for c in n.categories})
permission_maps = hs.dictionaries(hs.sampled_from(CATEGORIES), hs.sampled_from(["read", "write"]))


@given(hs.sampled_from(NEEDS), hs.sampled_from(auth.ROLES), hs.sampled_from(auth.ROLES))
def test_a_higher_role_may_do_whatever_a_lower_one_may(named: tuple[str, auth.Need], low: str, high: str) -> None:
    _, n = named
    if auth.rank(low) > auth.rank(high):
        low, high = high, low
    if auth.refusal(n, role=low, permissions=None, jwt=False) is None:
        assert auth.refusal(n, role=high, permissions=None, jwt=False) is None


@given(hs.sampled_from(NEEDS), permission_maps, permission_maps)
def test_more_app_permissions_never_take_an_operation_away(
    named: tuple[str, auth.Need], some: dict[str, str], extra: dict[str, str]
) -> None:
    _, n = named
    more = dict(some)
    for k, v in extra.items():
        more[k] = "write" if "write" in (v, more.get(k)) else "read"
    if auth.refusal(n, role=None, permissions=some, jwt=False) is None:
        assert auth.refusal(n, role=None, permissions=more, jwt=False) is None


@given(hs.sampled_from(NEEDS), permission_maps)
def test_installation_tokens_never_write_without_a_write_permission(named: tuple[str, auth.Need], granted: dict[str, str]) -> None:
    name, n = named
    allowed = auth.refusal(n, role=None, permissions=granted, jwt=False) is None
    if allowed and n.level == "write":
        assert any(granted.get(c) == "write" for c in n.categories), name
    if name == "get_me":
        assert not allowed


_ids = itertools.count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hs.lists(hs.sampled_from(["main", "topic"]), max_size=6))
def test_compare_counts_what_each_side_gained_since_the_fork(tmp_path: Path, pushes: list[str]) -> None:
    repo = tmp_path / f"r{next(_ids)}.git"
    init_bare(repo, {"README.md": "x\n"})
    with GitHubEmulator(repo, users=["alice"]) as gh:
        fork = gh.branch_sha("main")
        assert fork is not None
        gh.git.update_ref("refs/heads/topic", fork)
        for i, branch in enumerate(pushes):
            gh.push_file(branch, f"{branch}-{i}.txt", f"{i}\n")
        c = client(gh, "alice").get_repo("acme/models").compare("main", "topic")
        ahead, behind = pushes.count("topic"), pushes.count("main")
        assert (c.ahead_by, c.behind_by, c.merge_base_commit.sha) == (ahead, behind, fork)
        expected = {(False, False): "identical", (True, False): "ahead", (False, True): "behind", (True, True): "diverged"}
        assert c.status == expected[(ahead > 0, behind > 0)]
        assert sorted(f.filename for f in c.files) == sorted(f"topic-{i}.txt" for i, b in enumerate(pushes) if b == "topic")
        assert isinstance(c, github.Comparison.Comparison)
