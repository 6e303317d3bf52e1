#!/usr/bin/env bash
# Installs what the demo and the tests need, skipping what is already there:
# npm packages from the lockfile and the Python venv for Datasette and moto.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
