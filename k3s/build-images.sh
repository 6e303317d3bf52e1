#!/usr/bin/env bash
# Builds the ingest and Datasette images on the node and imports them into
# k3s's containerd, so no registry is needed. The pods use imagePullPolicy
# Never and run exactly these images.
# Usage: k3s/build-images.sh NODE [TAG]   (NODE: ubuntu@HOST, or 'local' on the node)
#
# The committed tree (git archive HEAD) goes to the node, Docker builds there,
# and `docker save | k3s ctr images import -` moves each image into the k8s.io
# containerd namespace. A copy of each archive also goes to
# /var/lib/rancher/k3s/agent/images, which k3s imports again when it starts.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=node.sh
. "$here/node.sh"

require_node "${1:-}"
NODE=$1
tag=${2:-0.1.0}
source_dir=/opt/cdn-analytics/src
images_dir=/var/lib/rancher/k3s/agent/images

echo "copying the committed tree to $NODE:$source_dir" >&2
on_node rm -rf "$source_dir"
on_node mkdir -p "$source_dir"
git -C "$here/.." archive --format=tar HEAD | on_node tar -x -C "$source_dir"

build_and_import() {
  local name=$1 dockerfile=$2
  local image="cdn-analytics-$name:$tag"
  echo "building $image" >&2
  on_node docker build --file "$source_dir/$dockerfile" --tag "$image" "$source_dir"
  on_node docker save --output "$images_dir/cdn-analytics-$name.tar" "$image"
  on_node k3s ctr images import "$images_dir/cdn-analytics-$name.tar"
}

on_node mkdir -p "$images_dir"
build_and_import ingest ingest/Dockerfile
build_and_import datasette datasette/Dockerfile
on_node k3s ctr images list --quiet | grep cdn-analytics
