#!/usr/bin/env bash
# The single-user image for Zero to JupyterHub, built by repo2docker from this repository
# (binder/: the locked requirements and the lambdalab package, editable), on a machine with
# Docker. The repository goes to /srv/lambda-workshop, outside the home folder that the
# hub mounts a volume on. Usage: IMAGE=<registry>/lambda-workshop TAG=<tag> ./build-image.sh
set -euo pipefail
IMAGE=${IMAGE:?set IMAGE to <registry>/<name>}
cd "$(dirname "$0")/../.."
TAG=${TAG:-$(git rev-parse --short HEAD)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
git clone --quiet . "$WORK/source"   # what is committed, not .venv or an attendee's files
python3 -m venv "$WORK/venv"          # repo2docker in a venv of its own (PEP 668 hosts)
"$WORK/venv/bin/pip" install --quiet "jupyter-repo2docker>=2024.7"
"$WORK/venv/bin/jupyter-repo2docker" --no-run --push --image-name "$IMAGE:$TAG" \
    --target-repo-dir /srv/lambda-workshop "$WORK/source"
echo "set singleuser.image.name=$IMAGE and singleuser.image.tag=$TAG in config.yaml"
