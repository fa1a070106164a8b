#!/usr/bin/env bash
# The GitHub Action's scan step (action.yml). Inputs arrive as FL_* variables; writes SARIF,
# prints annotations (--format github), appends a Markdown table to $GITHUB_STEP_SUMMARY and sets
# the outputs sarif-file and exit-code. Exits with faultline's exit code.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
read -r -a paths <<<"${FL_PATHS:-.}"
read -r -a extra <<<"${FL_ARGS:-}"
sarif="${FL_SARIF:-faultline.sarif}"
summary="$(mktemp)"
args=(scan "${paths[@]}" --format sarif --output "$sarif" --format markdown --output "$summary")
[ -n "${FL_FAIL_ON:-}" ] && args+=(--fail-on "$FL_FAIL_ON")
[ -n "${FL_CATEGORY:-}" ] && args+=(--category "$FL_CATEGORY")
[ -n "${FL_BASELINE:-}" ] && args+=(--baseline "$FL_BASELINE")
[ -n "${FL_CONFIG:-}" ] && args+=(--config "$FL_CONFIG")
if [ "${FL_ANNOTATIONS:-true}" = "true" ]; then args+=(--format github); else args+=(--format text --no-color); fi
args+=("${extra[@]}")

node "$here/dist/cli/main.js" "${args[@]}"
code=$?

if [ "${FL_SUMMARY:-true}" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -s "$summary" ]; then
  cat "$summary" >>"$GITHUB_STEP_SUMMARY"
fi
rm -f "$summary"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "sarif-file=$sarif" >>"$GITHUB_OUTPUT"
  echo "exit-code=$code" >>"$GITHUB_OUTPUT"
fi
exit "$code"
