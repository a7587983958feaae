"""Read-only verbs must not pay for PyGithub: it is imported only inside the GitHub verbs."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT


def test_cli_import_and_validate_do_not_import_pygithub() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from modelpromote.cli import main\n"
        "CliRunner().invoke(main, ['validate', 'models/manifest.yaml'])\n"
        "CliRunner().invoke(main, ['pr', '--help'])\n"
        "print('github' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
