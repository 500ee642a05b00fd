#!/usr/bin/env bash
# The main job on the embedded default (SQLite + blobs under ./.docintel, a local worker pool, no
# server needed): ingest every bundled sample — documents and loan dossiers — reading, extracting and
# verifying each case, print the summary, then serve the API and the officer web app on localhost.
# Re-running does no work for unchanged files ("0 new"). DOCINTEL_SERVE=0 stops after the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DOCINTEL_HOME="${DOCINTEL_HOME:-$PWD/.docintel}"
docintel=.venv/bin/docintel
"$docintel" ingest samples "$@"
[ "${DOCINTEL_SERVE:-1}" = "0" ] && exit 0

host="${DOCINTEL_HOST:-127.0.0.1}" port="${DOCINTEL_PORT:-8000}"
"$docintel" users add demo-admin --role admin >/dev/null 2>&1 || true
token="$("$docintel" users token demo-admin | tail -n 1)"
cat <<MSG

Officer web app: http://$host:$port/app/   (log in with the token below; API docs: http://$host:$port/docs)
Token for demo-admin (admin; new on every run, the previous one stops working):
$token

MSG
exec "$docintel" serve --host "$host" --port "$port"
