#!/usr/bin/env bash
# Step outputs for actions/cache over pip's download cache: path, key and restore prefix.
# The key changes with the runner OS, the Python version and modelpromote's declared dependencies.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none)
deps=$(sha256sum "$root/pyproject.toml" | cut -c1-16)
dir=$(python3 -m pip cache dir 2>/dev/null || echo "$HOME/.cache/pip")
prefix="modelpromote-pip-${RUNNER_OS:-Linux}-py$py-"
{
  echo "path=$dir"
  echo "key=$prefix$deps"
  echo "restore=$prefix"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
