#!/usr/bin/env bash
# Creates the Secrets that Datasette reads, on the node, without writing a value
# to disk or to a command line: an API token for datasette-auth-tokens, the
# login password hash for datasette-auth-passwords (user "admin") and the
# cookie signing secret. Prints the new API token once. Run it again to rotate
# them, then restart Datasette: k3s/kubectl.sh NODE rollout restart deployment/datasette
# Usage: k3s/create-secrets.sh NODE [TOKEN_NAME]   (after k3s/build-images.sh)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=node.sh
. "$here/node.sh"

require_node "${1:-}"
NODE=$1
token_name=${2:-api}
if ! [[ $token_name =~ ^[a-z0-9_]+$ ]]; then
  echo "error: TOKEN_NAME '$token_name' is invalid; use lower-case letters, digits and _" >&2
  exit 2
fi
image=${CDN_ANALYTICS_DATASETTE_IMAGE:-cdn-analytics-datasette:0.1.0}
tokens_secret=${CDN_ANALYTICS_API_TOKENS_SECRET:-datasette-api-tokens}
login_secret=${CDN_ANALYTICS_PASSWORD_HASH_SECRET:-datasette-login}

read -rsp "password for the Datasette user admin: " password
echo >&2
if [ ${#password} -lt 12 ]; then
  echo "error: the password has ${#password} characters; use at least 12" >&2
  exit 2
fi
hash=$(printf '%s' "$password" |
  on_node docker run --rm -i --entrypoint datasette "$image" hash-password --no-confirm)
token="$token_name-$(openssl rand -hex 32)"

on_node k3s kubectl create namespace "$NAMESPACE" --dry-run=client --output yaml |
  on_node k3s kubectl apply -f - >/dev/null
replace_secret() {
  local name=$1
  # </dev/null keeps ssh from reading the values meant for `create`.
  node_kubectl delete secret "$name" --ignore-not-found </dev/null >/dev/null
  node_kubectl create secret generic "$name" --from-env-file=/dev/stdin >/dev/null
}
printf 'CDN_ANALYTICS_API_TOKENS=%s\n' "$token" | replace_secret "$tokens_secret"
printf 'CDN_ANALYTICS_PASSWORD_HASH=%s\nDATASETTE_SECRET=%s\n' "$hash" "$(openssl rand -hex 32)" |
  replace_secret "$login_secret"

echo "API token (shown once; send it as Authorization: Bearer TOKEN):" >&2
echo "$token"
