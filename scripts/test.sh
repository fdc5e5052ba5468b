#!/usr/bin/env bash
# Sets up (if needed), checks the architecture contracts and runs the whole test suite, real
# engines included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export CI="${CI:-}"
# pyproject.toml [tool.importlinter]: one broken contract fails the run (a second or two).
.venv/bin/lint-imports --no-cache
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
