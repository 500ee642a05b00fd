#!/usr/bin/env bash
# The full test suite (unit, golden on real and sample documents, CLI), after set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest -q "$@"
