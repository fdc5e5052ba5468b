#!/usr/bin/env bash
# Sets up (if needed) and runs the bot: settings come from the environment and .env.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh >&2
exec .venv/bin/notes-ocr-bot run "$@"
