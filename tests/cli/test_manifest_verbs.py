"""validate / status / schema / migrate as a user runs them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.support.paths import DATA, EXAMPLE, ROOT

Cli = Callable[..., Result]


def test_validate_ok(cli: Cli, manifest_path: Path) -> None:
    r = cli("validate", str(manifest_path))
    assert r.exit_code == 0
    assert "OK (2 models, 4 versions, 3 environments)" in r.stdout


def test_validate_reads_the_manifest_option_and_env(cli: Cli, manifest_path: Path) -> None:
    assert cli("validate", "--manifest", str(manifest_path)).exit_code == 0
    assert cli("validate", env={"MODELPROMOTE_MANIFEST": str(manifest_path)}).exit_code == 0


def test_validate_in_github_actions(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(EXAMPLE.read_text().replace("    allow_prerelease: false", "    allow_prerelase: false"))
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output)}
    r = cli("validate", str(bad), env=env)
    assert r.exit_code == 1
    line = next(i for i, ln in enumerate(bad.read_text().splitlines(), 1) if "allow_prerelase" in ln)
    assert f"::error file={bad},line={line},col=5,title=MP101 unknown key::unknown key 'allow_prerelase'" in r.stdout
    md = summary.read_text()
    assert "| where | code | problem | fix |" in md and "MP101" in md and "did you mean" in md
    out = output.read_text()
    assert "ok<<" in out and "\nfalse\n" in out and "findings<<" in out


def test_annotation_escapes_newlines_and_commas(tmp_path: Path) -> None:
    from modelpromote.errors import Finding
    from modelpromote.report.findings import workflow_commands

    text = workflow_commands([Finding("MP101", "a\nb%c", "dir,x/m:y.yaml", 3, 4)])
    assert text.startswith("::error file=dir%2Cx/m%3Ay.yaml,line=3,col=4,")
    assert "a%0Ab%25c" in text and "\n" not in text


def test_status_table(cli: Cli, manifest_path: Path) -> None:
    r = cli("status", "--manifest", str(manifest_path))
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["MODEL", "ENV", "VERSION", "STATUS", "SINCE", "ROLLOUT"]
    prod = next(ln for ln in lines if ln.startswith("customer-support") and " production " in ln)
    assert "claude-3-5-sonnet-v1.2.3" in prod and "stable" in prod and "2026-04-20 09:00 UTC" in prod
    staging = next(ln for ln in lines if ln.startswith("customer-support") and " staging " in ln)
    assert "A/B 50%" in staging


def test_status_filters_and_json(cli: Cli, manifest_path: Path) -> None:
    r = cli("status", "--manifest", str(manifest_path), "--model", "code-generator", "--env", "production", "--json")
    rows = json.loads(r.stdout)["rows"]
    assert rows == [{
        "model": "code-generator", "env": "production", "version": "claude-3-5-sonnet-v1.2.3", "status": "stable",
        "since": "2026-04-21T10:00:00+00:00", "rollout": None, "canary_weight": None, "hold": None,
    }]


def test_status_shows_canary_weight(cli: Cli, manifest_path: Path) -> None:
    text = manifest_path.read_text().replace(
        "    fallbacks: [claude-3-sonnet-20240229]\n",
        "    fallbacks: [claude-3-sonnet-20240229]\n    canary:\n      production: {baseline: claude-opus-v4.0.0, weight: 5, "
        "started_at: '2026-06-01T00:00:00Z'}\n",
    )
    manifest_path.write_text(text)
    r = cli("status", "--manifest", str(manifest_path), "--model", "code-generator", "--env", "production", "--json")
    assert json.loads(r.stdout)["rows"][0]["canary_weight"] == 5


def test_status_unknown_model_and_env(cli: Cli, manifest_path: Path) -> None:
    r = cli("status", "--manifest", str(manifest_path), "--model", "nope")
    assert r.exit_code == 2 and "MP301" in r.stderr and "customer-support" in r.stderr
    r = cli("status", "--manifest", str(manifest_path), "--env", "qa")
    assert r.exit_code == 2 and "MP204" in r.stderr


def test_status_refuses_an_invalid_manifest(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text(EXAMPLE.read_text().replace("status: stable", "status: golden", 1))
    r = cli("status", "--manifest", str(bad))
    assert r.exit_code == 1 and "MP213" in r.stderr


def test_committed_schema_is_fresh(cli: Cli) -> None:
    r = cli("schema", "--check", str(ROOT / "models" / "manifest.schema.json"))
    assert r.exit_code == 0, "models/manifest.schema.json is stale: run `modelpromote schema --out models/manifest.schema.json`"


def test_schema_check_detects_staleness(cli: Cli, tmp_path: Path) -> None:
    stale = tmp_path / "s.json"
    stale.write_text("{}\n")
    assert cli("schema", "--check", str(stale)).exit_code == 1


def test_schema_describes_the_manifest(cli: Cli) -> None:
    schema = json.loads(cli("schema").stdout)
    assert schema["required"] == ["schema_version", "environments"]
    assert schema["additionalProperties"] is False
    assert "Model" in schema["$defs"]


def test_legacy_manifest_names_what_is_missing(cli: Cli) -> None:
    r = cli("validate", str(DATA / "article_manifest.yaml"), "--json")
    out = json.loads(r.stdout)
    assert r.exit_code == 1 and out["legacy"] is True
    first = out["findings"][0]
    assert first["code"] == "MP211" and first["line"] == 4
    assert "schema_version" in first["message"] and "environments ladder" in first["message"]
    missing = sorted(f["message"] for f in out["findings"] if f["code"] == "MP203")
    assert len(missing) == 2
    assert "claude-opus-v4.0.0" in missing[0] and "claude-opus-v4.0.0-rc.1" in missing[1]


def test_migrate_keeps_comments_and_reports_what_remains(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    original = (DATA / "article_manifest.yaml").read_text()
    path.write_text(original.replace('  dev: "claude-opus-v4.0.0-rc.1"', '  dev: "claude-opus-v4.0.0-rc.1"  # experimental'))
    r = cli("migrate", str(path))
    assert r.exit_code == 1  # the article's dev versions are not in its own version_history
    assert "2 finding(s) remain" in r.stderr
    text = path.read_text()
    assert text.startswith("# models/manifest.yaml - Model registry\nschema_version: 1\n")
    assert re.search(r'\n    dev: "claude-opus-v4.0.0-rc.1" +# experimental\n', text)
    assert "current_production" not in text
    assert "  environments:\n    production: \"claude-3-5-sonnet-v1.2.3\"\n" in text
    assert "# experimental\n\n- name: code-generator" in text  # blank line kept
    # the untouched part (version_history) is byte-identical
    tail = original[original.index("version_history:"):]
    assert text.endswith(tail)
    # and once the catalogue is completed, it validates
    text = text.replace("version_history:\n", "version_history:\n- version: claude-opus-v4.0.0\n  base_model: claude-opus\n"
                        "  status: dev\n- version: claude-opus-v4.0.0-rc.1\n  base_model: claude-opus\n  status: dev\n")
    path.write_text(text)
    assert cli("validate", str(path)).exit_code == 0


def test_migrate_dry_run_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "manifest.yaml"
    shutil.copy(DATA / "article_manifest.yaml", path)
    before = path.read_bytes()
    r = cli("migrate", str(path), "--dry-run")
    assert "schema_version: 1" in r.stdout
    assert path.read_bytes() == before


def test_migrate_canonical_is_a_no_op(cli: Cli, manifest_path: Path) -> None:
    before = manifest_path.read_bytes()
    r = cli("migrate", str(manifest_path))
    assert r.exit_code == 0 and "nothing to migrate" in r.stdout
    assert manifest_path.read_bytes() == before


def test_python_dash_m_and_help(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "modelpromote", "--help"], capture_output=True, text=True, check=False)
    assert r.returncode == 0
    for verb in ("validate", "status", "schema", "migrate"):
        assert verb in r.stdout
    r = subprocess.run([sys.executable, "-m", "modelpromote", "validate", "--help"], capture_output=True, text=True, check=False)
    assert "Examples:" in r.stdout and "GITHUB_ACTIONS" in r.stdout


def test_read_only_verbs_do_not_import_pygithub(manifest_path: Path) -> None:
    code = (
        "import sys; from modelpromote.cli import main\n"
        f"try:\n    main(['status', '--manifest', {str(manifest_path)!r}])\nexcept SystemExit:\n    pass\n"
        "print('github' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.stdout.strip().endswith("False"), r.stdout + r.stderr
