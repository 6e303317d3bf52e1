#!/usr/bin/env bash
# Synthesizes the manifests with the CDN_ANALYTICS_* settings in the
# environment and applies them on the node. Run it again after changing a
# setting or importing new images; `kubectl apply` only changes what differs.
# Usage: CDN_ANALYTICS_SOURCES=s3://BUCKET/PREFIX/ k3s/deploy.sh NODE
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=node.sh
. "$here/node.sh"

require_node "${1:-}"
NODE=$1

(cd "$here/.." && npm run -s synth)
on_node k3s kubectl apply -f - <"$here/../dist/app.k8s.yaml"
node_kubectl get cronjobs,deployments,services,ingresses,pvc
