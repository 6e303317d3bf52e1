# Shared by the k3s scripts (sourced, not run): runs commands as root on the
# node, over SSH or, when NODE is "local", on this machine.
# shellcheck shell=bash

NAMESPACE=${CDN_ANALYTICS_NAMESPACE:-cdn-analytics}

# Runs "$@" as root on $NODE. Arguments are quoted for the remote shell, so
# spaces and quotes arrive unchanged.
on_node() {
  if [ "$NODE" = local ]; then
    sudo "$@"
  else
    # shellcheck disable=SC2029 # expanding on the client is the point
    ssh "$NODE" "sudo $(printf '%q ' "$@")"
  fi
}

# Runs kubectl in the app's namespace on $NODE, with k3s's admin kubeconfig.
node_kubectl() {
  on_node k3s kubectl --namespace "$NAMESPACE" "$@"
}

# Exits with a usage message unless $1 names the node.
require_node() {
  if [ -z "${1:-}" ]; then
    echo "error: missing NODE; pass the SSH destination (ubuntu@HOST) or 'local' on the node" >&2
    exit 2
  fi
}
