#!/usr/bin/env bash
# One-time, idempotent set-up of a fresh Debian machine: system packages (Tesseract,
# OpenSSL 1.1, PostgreSQL for the tests) and the virtual environment at .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh
# Handwriting faces with every Vietnamese letter, for the tests and benches (npm registry).
python3 scripts/fetch_fonts.py

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
