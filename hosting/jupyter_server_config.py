"""Each attendee's own copy of the workshop, made when their Jupyter server starts.

Installed in the Jupyter configuration of the hub's user environment (The Littlest
JupyterHub) or mounted into the single-user image (Zero to JupyterHub); see
docs/hosting.md. At every start of an attendee's server, as that attendee:

1. the workshop is cloned from the host's copy (``LAMBDALAB_WORKSHOP_SOURCE``, default
   /opt/lambda-workshop) into ``~/lambda-workshop``, once: no network needed;
2. ``python -m lambdalab notebooks`` makes the attendee's copies of the notebooks in
   ``~/lambda-workshop/my-notebooks`` (outputs cleared, so that no reveal shows before the
   guess; copies already there are kept, and those changed upstream are named in the
   server's log);
3. JupyterLab serves the home folder (a repo2docker image would serve its own copy of the
   repository) and opens ``my-notebooks/00_setup.ipynb``; the attendee's progress is
   recorded in ``~/lambda-workshop/lambdalab-progress.jsonl``, where ``python -m
   lambdalab room /home`` finds it.

Nothing here may stop a server from starting: a failure is printed and the server starts
as it would without this file.
"""

import os
import subprocess
import sys
from pathlib import Path

SOURCE = Path(os.environ.get("LAMBDALAB_WORKSHOP_SOURCE", "/opt/lambda-workshop"))
COPY = Path(os.environ.get("LAMBDALAB_WORKSHOP_COPY", "~/lambda-workshop")).expanduser()


def prepare(source: Path, copy: Path) -> str:
    """Clone and copy as above; returns the URL JupyterLab should open first."""
    if not (copy / ".git").exists():
        subprocess.run(["git", "clone", "--quiet", str(source), str(copy)], check=True,
                       timeout=120)
    subprocess.run([sys.executable, "-m", "lambdalab", "notebooks", "--source", "notebooks",
                    "--into", "my-notebooks", "--reset-command", RESET], cwd=copy, check=True,
                   timeout=120)
    os.environ["LAMBDALAB_PROGRESS"] = str(copy / "lambdalab-progress.jsonl")  # kernels inherit
    return f"/lab/tree/{copy.relative_to(Path.home()).as_posix()}/my-notebooks/00_setup.ipynb"


# what the notice of a notebook changed upstream tells the attendee to type (in a terminal,
# in ~/lambda-workshop): no make, no second install
RESET = "python -m lambdalab notebooks --into my-notebooks --reset {number}"

if SOURCE.is_dir() and COPY.is_relative_to(Path.home()):
    try:
        url = prepare(SOURCE, COPY)
        c.ServerApp.root_dir = str(Path.home())  # type: ignore[name-defined] # noqa: F821
        c.ServerApp.default_url = url  # type: ignore[name-defined] # noqa: F821
    except (OSError, subprocess.SubprocessError) as error:
        print(f"lambdalab: could not prepare the workshop copy in {COPY}: {error}",
              file=sys.stderr)
