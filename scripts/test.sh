#!/usr/bin/env bash
# Runs every test from a fresh clone: installs npm packages, the Python venv for
# Datasette and moto, and Debian's Chromium when missing, then type-checks,
# lints and runs jest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --for-tests
npm run -s build
npx tsc -p tsconfig.json
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
# The test helpers use the AWS SDK directly; its notice that releases after
# January 2027 need Node 22 is listed under Limitations in the README.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
status=0
NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile=build/jest-results.json "$@" || status=$?

node scripts/test-summary.js build/jest-results.json || true
exit "$status"
