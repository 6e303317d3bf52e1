#!/usr/bin/env bash
# Starts Datasette on the analytics database with the configuration in this
# folder. `npm run serve`, the tests and the container entrypoint all run this
# script, so they serve with the same flags.
#
# Usage: serve.sh --db FILE [--port N] [--host ADDRESS]
# Environment: CDN_ANALYTICS_API_TOKENS, CDN_ANALYTICS_PASSWORD_HASH and
# DATASETTE_SECRET (see datasette/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

db=""
port=8001
host=127.0.0.1
while [ $# -gt 0 ]; do
  case "$1" in
    --db) db=${2:?--db needs a file}; shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --host) host=${2:?--host needs an address}; shift 2 ;;
    -h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option $1; use --db FILE [--port N] [--host ADDRESS]" >&2; exit 2 ;;
  esac
done
if [ -z "$db" ]; then
  echo "error: missing --db FILE; pass the SQLite file that the ingester writes" >&2
  exit 2
fi
if [ ! -f "$db" ]; then
  echo "error: database $db not found; run an ingest first or pass another --db" >&2
  exit 2
fi
if [ -z "${CDN_ANALYTICS_API_TOKENS:-}" ] && [ -z "${CDN_ANALYTICS_PASSWORD_HASH:-}" ]; then
  # shellcheck disable=SC2016 # prints the $(...) for the user to run
  echo "error: missing credentials; set CDN_ANALYTICS_API_TOKENS or" \
    "CDN_ANALYTICS_PASSWORD_HASH, or nobody can read the data. To make a password" \
    'hash, run: export CDN_ANALYTICS_PASSWORD_HASH="$(.venv/bin/datasette hash-password)"' >&2
  exit 2
fi

# A checkout has its own virtualenv; the container puts Datasette on PATH.
if [ -x "$here/../.venv/bin/datasette" ]; then
  PATH="$here/../.venv/bin:$PATH"
fi

# The database opens mutable (not -i) so that rows an ingest commits to the
# WAL show up without a restart. Settings:
#   sql_time_limit_ms 3000: ad-hoc SQL over the requests view may scan a year
#     of rows; canned queries read the daily rollups and finish far sooner.
#   suggest_facets off: suggestions run several GROUP BY queries on every
#     table page, too slow on millions of requests.
#   allow_download off: the database file may be gigabytes.
exec datasette serve "$db" \
  --host "$host" \
  --port "$port" \
  --metadata "$here/metadata.yaml" \
  --plugins-dir "$here/plugins" \
  --template-dir "$here/templates" \
  --static "static:$here/static" \
  --cors \
  --setting sql_time_limit_ms 3000 \
  --setting max_returned_rows 5000 \
  --setting default_page_size 100 \
  --setting facet_time_limit_ms 500 \
  --setting suggest_facets off \
  --setting allow_download off \
  --setting default_cache_ttl 0 \
  --setting truncate_cells_html 200
