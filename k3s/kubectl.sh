#!/usr/bin/env bash
# Runs kubectl on the node in the cdn-analytics namespace, for the runbook's
# one-off commands.
# Usage: k3s/kubectl.sh NODE ARGS...   (NODE: ubuntu@HOST, or 'local' on the node)
# Example: k3s/kubectl.sh ubuntu@203.0.113.10 create job --from=cronjob/ingest ingest-manual-1
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=node.sh
. "$here/node.sh"

require_node "${1:-}"
NODE=$1
shift
node_kubectl "$@"
