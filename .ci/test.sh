#!/usr/bin/env bash
# `npm test`: make sure the system tools the tests use as oracles are present, build, run vitest.
#   systemd-analyze  — reference for OnCalendar maths (Debian's systemd)
#   pre-commit       — the real pre-commit framework for the hook test
#   chromium         — headless browser for the HTML report test
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v pre-commit >/dev/null 2>&1 || need+=(pre-commit)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing system packages: ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "test: missing system packages (${need[*]}); install them with apt-get as root" >&2
    exit 1
  fi
fi

npx tsc -p .
node scripts/bundle.mjs
# The default reporter for people; a JSON report so the closing line below states the totals in the
# plain "N passed, N failed" form CI systems read.
report="$(mktemp -d)/vitest.json"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
if [ -s "$report" ]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$report"
fi
exit "$status"
