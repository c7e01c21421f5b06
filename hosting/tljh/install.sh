#!/usr/bin/env bash
# The workshop on The Littlest JupyterHub: one Ubuntu VM (22.04 or 24.04; 4 vCPU and
# 12 GiB per 10 attendees, measured: docs/hosting.md), run as root. What it does:
#   1. installs TLJH, with ADMIN as the hub's administrator;
#   2. clones the workshop to /opt/lambda-workshop (which attendees may clone) and installs
#      its locked requirements (the lambdalab package, editable from there) into the hub's
#      user environment, whose Python must be 3.11 or newer;
#   3. installs hosting/jupyter_server_config.py, which gives each attendee a clone of
#      their own and the copies of the notebooks at every server start;
#   4. limits each attendee's server (memory, CPU) and culls idle ones.
# Usage: sudo ADMIN=<name> [REPO=<git URL>] [MEMORY=2G] [CPU=1] ./install.sh
set -euo pipefail
ADMIN=${ADMIN:?set ADMIN to the user name of the hub administrator}
REPO=${REPO:-https://github.com/OWNER/REPO.git}
MEMORY=${MEMORY:-2G}   # per attendee; the heaviest notebook peaks at 940 MB (bench/room.py)
CPU=${CPU:-1}          # per attendee, at most; they share the VM's cores
WORKSHOP=/opt/lambda-workshop
USER_ENV=/opt/tljh/user

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-dev git curl
curl -fsSL https://tljh.jupyter.org/bootstrap.py | python3 - --admin "$ADMIN"

[ -d "$WORKSHOP/.git" ] || git clone --quiet "$REPO" "$WORKSHOP"
# attendees clone it at their server's start: git refuses a repository another user owns
git config --system --add safe.directory "$WORKSHOP"
git config --system --add safe.directory "$WORKSHOP/.git"
if ! "$USER_ENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "The hub's user environment runs $("$USER_ENV/bin/python" --version); lambdalab" \
         "needs Python 3.11 or newer. Install a TLJH release whose user environment has it" \
         "(docs/hosting.md); upgrading Python in place would break JupyterHub's own packages." >&2
    exit 1
fi
(cd "$WORKSHOP" && "$USER_ENV/bin/python" -m pip install --quiet -r requirements.txt)
install -D -m 644 "$WORKSHOP/hosting/jupyter_server_config.py" \
    "$USER_ENV/etc/jupyter/jupyter_server_config.py"

tljh-config set user_environment.default_app jupyterlab
tljh-config set limits.memory "$MEMORY"
tljh-config set limits.cpu "$CPU"
tljh-config set services.cull.timeout 3600   # an idle server stops after an hour
tljh-config reload
echo "The hub is up. Attendees sign in; each gets ~/lambda-workshop/my-notebooks/00_setup.ipynb."
echo "The room's report: sudo $USER_ENV/bin/python -m lambdalab room /home --png room.png"
