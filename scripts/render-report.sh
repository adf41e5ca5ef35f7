#!/usr/bin/env bash
# Renders `socklab prober report --html` in headless Chromium (Debian's `chromium` package) and
# saves a screenshot, to check the page as a student sees it. Usage:
#   scripts/render-report.sh [STORE] [OUT.png]      (defaults: data/prober.db, prober-report.png)
set -euo pipefail
cd "$(dirname "$0")/.."
store="${1:-data/prober.db}"
out="${2:-prober-report.png}"
command -v chromium >/dev/null || { echo "needs Debian's chromium: apt-get install chromium" >&2; exit 2; }
page="$(mktemp --suffix .html)"
profile="$(mktemp -d)"
trap 'rm -rf "$page" "$profile"' EXIT
node dist/cli/main.js prober report --db "$store" --html "$page" > /dev/null
# The background-networking flags keep Chromium from calling out: the page has no external assets.
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1100,1500 --screenshot="$(realpath -m "$out")" "file://$page" 2>/dev/null
echo "wrote $out"
