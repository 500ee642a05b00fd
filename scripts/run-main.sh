#!/usr/bin/env bash
# The main job on the embedded default: read, extract and verify every bundled sample document,
# print a readable table and write JSON to ./docintel-output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/docintel run-samples "$@"
