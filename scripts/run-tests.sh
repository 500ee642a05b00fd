#!/usr/bin/env bash
# The full test suite (unit, golden on real and sample documents, CLI), after set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
# The transformers extra (with the local CPU torch wheel) lets the NER adapter's test really run; the
# openvino extra, the OCR runtime option's test.
bash scripts/bootstrap.sh dev,transformers,openvino
exec .venv/bin/python -m pytest -q "$@"
