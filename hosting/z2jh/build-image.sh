#!/usr/bin/env bash
# The single-user image for Zero to JupyterHub, built by repo2docker from this repository
# (binder/: the locked requirements and the lambdalab package, editable), on a machine with
# Docker. The repository goes to /srv/lambda-workshop, outside the home folder that the
# hub mounts a volume on. Usage: IMAGE=<registry>/lambda-workshop TAG=<tag> ./build-image.sh
set -euo pipefail
IMAGE=${IMAGE:?set IMAGE to <registry>/<name>}
TAG=${TAG:-$(git rev-parse --short HEAD)}
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet "jupyter-repo2docker>=2024.7"
jupyter-repo2docker --no-run --push --image-name "$IMAGE:$TAG" \
    --target-repo-dir /srv/lambda-workshop .
echo "set singleuser.image.name=$IMAGE and singleuser.image.tag=$TAG in config.yaml"
