#!/usr/bin/env bash
# Replaces the live database with a backup from S3: suspends both CronJobs,
# waits for running jobs, stops Datasette, runs the restore Job, then brings
# everything back. The previous file stays on the volume as
# analytics.db.before-restore.
# Usage: k3s/restore.sh NODE s3://BUCKET/PREFIX/analytics-....db.gz
# Run from a checkout with the same CDN_ANALYTICS_* settings as the deploy,
# because the Job's image, region and namespace come from them.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=node.sh
. "$here/node.sh"

require_node "${1:-}"
NODE=$1
from=${2:-}
if [ -z "$from" ]; then
  echo "error: missing the backup object; pass s3://BUCKET/KEY after NODE" >&2
  exit 2
fi
job="restore-$(date -u +%Y%m%d-%H%M%S)"
manifest=$(cd "$here/.." && npx tsx k3s/restore-manifest.ts "$from" "$job")

set_suspended() {
  for cronjob in ingest backup; do
    if node_kubectl get cronjob "$cronjob" >/dev/null 2>&1; then
      node_kubectl patch cronjob "$cronjob" --patch "{\"spec\":{\"suspend\":$1}}"
    fi
  done
}

# Waits until no pod matching the label selector $1 is pending or running,
# polling every 10 seconds for at most $2 seconds. Finished job pods stay in
# the job history, so `kubectl wait --for=delete` would wait for them too.
wait_for_no_running_pods() {
  local selector=$1 deadline=$((SECONDS + $2)) pods
  while :; do
    pods=$(node_kubectl get pods --selector "$selector" --output name </dev/null \
      --field-selector status.phase!=Succeeded,status.phase!=Failed)
    [ -z "$pods" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "error: timed out waiting for $(echo "$pods" | tr '\n' ' ')to stop" >&2
      return 1
    fi
    sleep 10
  done
}

echo "suspending the CronJobs and stopping Datasette" >&2
set_suspended true
wait_for_no_running_pods 'app.kubernetes.io/name in (ingest,backup)' $((4 * 3600))
node_kubectl scale deployment/datasette --replicas=0
wait_for_no_running_pods app.kubernetes.io/name=datasette 300

echo "running job/$job" >&2
printf '%s\n' "$manifest" | on_node k3s kubectl apply -f -
if ! node_kubectl wait --for=condition=complete "job/$job" --timeout=1h; then
  node_kubectl logs "job/$job" >&2 || true
  echo "error: job/$job failed; Datasette and the CronJobs stay stopped so you can inspect" \
    "the volume. Resume with: k3s/kubectl.sh $NODE scale deployment/datasette --replicas=1" >&2
  exit 1
fi
node_kubectl logs "job/$job" >&2

echo "starting Datasette and resuming the CronJobs" >&2
node_kubectl scale deployment/datasette --replicas=1
node_kubectl rollout status deployment/datasette --timeout=5m
set_suspended false
