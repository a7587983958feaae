#!/usr/bin/env bash
# Print the cache key and the directory of the built modelpromote environment (two lines).
# Used by cache-key.sh and install.sh.  Usage: venv-dir.sh PYTHON
#
# One directory per (runner OS and arch, exact Python build and path, action ref, package source):
# a virtualenv is tied to its interpreter's path and to the code it installed, so anything else
# that changes must give another directory.  It lives in the runner's tool cache
# ($RUNNER_TOOL_CACHE, kept between jobs on self-hosted runners) and actions/cache saves and
# restores exactly that directory on hosted ones: a later job or run of the same action and
# Python skips pip entirely.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
py=$1
os=${RUNNER_OS:-$(uname -s)}
py_id=$("$py" -I -c 'import platform, sys; print(sys.version, sys.executable, platform.machine())')
src_hash=$(cd "$root" && find pyproject.toml src -type f \( -name '*.py' -o -name 'pyproject.toml' -o -path '*/data/*' \) \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
key="modelpromote-venv-$os-$(printf '%s\n' "$os" "$py_id" "${GITHUB_ACTION_REF:-local}" "$src_hash" | sha256sum | cut -c1-16)"
base=${RUNNER_TOOL_CACHE:-}
# A tool cache we cannot write (some self-hosted set-ups): the job's temp directory still works.
if [ -z "$base" ] || ! { mkdir -p "$base/modelpromote" 2>/dev/null && [ -w "$base/modelpromote" ]; }; then
  base=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
fi
echo "$key"
echo "$base/modelpromote/$key"
