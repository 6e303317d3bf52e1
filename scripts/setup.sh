#!/usr/bin/env bash
# Installs what the demo and the tests need, skipping what is already there:
# npm packages from the lockfile and a Python venv (.venv) from the pinned
# requirements of Datasette and of the test servers. With --for-tests it also
# installs Debian's Chromium for the browser tests and Debian's shellcheck for
# the k3s scripts. It prints one line on stderr before each install, and
# nothing when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

requirements=(datasette/requirements.txt scripts/requirements-test.txt)
stamp=.venv/.requirements-stamp
wanted=$(cat "${requirements[@]}" 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  if [ -x .venv/bin/python ]; then
    echo "Updating the Python venv .venv to the pinned requirements (pip install)" >&2
  else
    echo "Creating the Python venv .venv with Datasette (pip install)" >&2
  fi
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
  for file in "${requirements[@]}"; do
    if [ -s "$file" ]; then
      .venv/bin/pip install --quiet --disable-pip-version-check -r "$file"
    fi
  done
  echo "$wanted" > "$stamp"
fi

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

if $for_tests && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
  echo "Installing Debian's chromium for the browser tests (apt-get)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if $for_tests && [ ! -x /usr/bin/shellcheck ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: /usr/bin/shellcheck is missing; install it with: sudo apt-get install shellcheck" >&2
    exit 1
  fi
  echo "Installing Debian's shellcheck for the k3s scripts (apt-get)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
