#!/usr/bin/env bash
# Step outputs for actions/cache over the built modelpromote environment (not pip's downloads):
# path, key and restore prefix.  The key is exact (no fallback to another key): a virtualenv built
# for another Python or another modelpromote is of no use.  See venv-dir.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
py=${MP_PYTHON:-python3}
if ! command -v "$py" >/dev/null 2>&1; then
  # install.sh reports the missing Python; caching nothing is right here.
  printf 'path=%s\nkey=none\nrestore=none\n' "${RUNNER_TEMP:-/tmp}/modelpromote-none" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
  exit 0
fi
{ read -r mp_key; read -r mp_venv; } < <(bash "$root/actions/_lib/venv-dir.sh" "$py")
{
  echo "path=$mp_venv"
  echo "key=$mp_key"
  echo "restore=$mp_key"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
