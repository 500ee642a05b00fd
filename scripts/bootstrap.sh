#!/usr/bin/env bash
# Set up everything docintel needs on a fresh Debian / Python 3.11 machine. Idempotent and quick
# when already done. Installs the project with the extras named in $1 (default "dev") into ./.venv,
# and the CJK font the sample generator draws with (Debian's fonts-wqy-microhei) when it is missing
# and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-dev}"

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.docintel-installed-${EXTRAS//,/-}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[${EXTRAS}]"
  touch "$stamp"
fi

font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
if [ ! -f "$font" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 \
    || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1)) \
    || echo "warning: could not install fonts-wqy-microhei; sample generation tests will be skipped" >&2
fi

# The officer app's browser tests drive Debian's chromium through Playwright (never a downloaded
# browser: `playwright install` needs the internet). Only for set-ups that include the test tools.
if [[ ",$EXTRAS," == *",dev,"* ]] && [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get install -y -q chromium >/dev/null 2>&1 \
    || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
    || echo "warning: could not install chromium; the browser tests will be skipped" >&2
fi
