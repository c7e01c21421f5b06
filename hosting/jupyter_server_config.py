"""Each attendee's own copy of the workshop, made when their Jupyter server starts.

Installed in the Jupyter configuration of the hub's user environment (The Littlest
JupyterHub) or mounted into the single-user image (Zero to JupyterHub); see
docs/hosting.md. At every start of an attendee's server, as that attendee:

1. the workshop is cloned from the host's copy (``LAMBDALAB_WORKSHOP_SOURCE``, default
   /opt/lambda-workshop) into ``~/lambda-workshop``, once: no network needed;
2. ``python -m lambdalab notebooks`` makes the attendee's copies of the notebooks in
   ``~/lambda-workshop/my-notebooks`` (outputs cleared, so that no reveal shows before the
   guess; copies already there are kept and those changed upstream are named);
3. JupyterLab opens ``my-notebooks/00_setup.ipynb``, and the attendee's progress is
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
                    "--into", "my-notebooks"], cwd=copy, check=True, timeout=120)
    os.environ["LAMBDALAB_PROGRESS"] = str(copy / "lambdalab-progress.jsonl")  # kernels inherit
    home = Path.home()
    where = copy.relative_to(home) if copy.is_relative_to(home) else copy
    return f"/lab/tree/{where.as_posix()}/my-notebooks/00_setup.ipynb"


if SOURCE.is_dir():
    try:
        c.ServerApp.default_url = prepare(SOURCE, COPY)  # type: ignore[name-defined] # noqa: F821
    except (OSError, subprocess.SubprocessError) as error:
        print(f"lambdalab: could not prepare the workshop copy in {COPY}: {error}",
              file=sys.stderr)
