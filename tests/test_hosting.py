"""The hosting recipe of docs/hosting.md, checked as far as this machine can (no Docker, no
Kubernetes, no Ubuntu VM): its files parse and agree with each other and with
``make setup``, and the server-start file that gives each attendee a clone and copies of
their own is run for real, as an attendee's server would run it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

from lambdalab.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[1]
HOSTING = ROOT / "hosting"
DOC = (ROOT / "docs" / "hosting.md").read_text()
CONFIG = yaml.safe_load((HOSTING / "z2jh" / "config.yaml").read_text())
HEAVIEST_ATTENDEE_MB = 940  # bench/room.py's heaviest notebook at its peak (docs/hosting.md)


def megabytes(size: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMG])", size).groups()  # type: ignore[union-attr]
    return float(number) * {"K": 1 / 1024, "M": 1, "G": 1024}[unit]


def test_the_z2jh_values_fit_an_attendee_and_name_the_image_and_the_hook():
    user = CONFIG["singleuser"]
    assert megabytes(user["memory"]["limit"]) >= 2 * HEAVIEST_ATTENDEE_MB
    assert megabytes(user["memory"]["guarantee"]) >= HEAVIEST_ATTENDEE_MB
    assert 0 < user["cpu"]["guarantee"] <= user["cpu"]["limit"]
    assert CONFIG["cull"]["enabled"] and CONFIG["cull"]["timeout"] >= 1800
    assert CONFIG["prePuller"]["hook"]["enabled"] and CONFIG["prePuller"]["continuous"][
        "enabled"]
    assert user["image"]["tag"] != "latest"
    build = (HOSTING / "z2jh" / "build-image.sh").read_text()
    target = re.search(r"--target-repo-dir (\S+)", build).group(1)  # type: ignore[union-attr]
    assert user["extraEnv"]["LAMBDALAB_WORKSHOP_SOURCE"] == target
    [hook] = user["extraFiles"].values()
    assert hook["mountPath"].endswith("/jupyter_server_config.py")
    assert "--set-file singleuser.extraFiles.lambdalab-copy.stringData=" \
           "hosting/jupyter_server_config.py" in (HOSTING / "z2jh" / "config.yaml").read_text()
    assert "defaultUrl" not in user, "it would override the page the hook opens"


@pytest.mark.parametrize("script", ["tljh/install.sh", "z2jh/build-image.sh"])
def test_the_scripts_parse_and_name_files_that_exist(script):
    path = HOSTING / script
    subprocess.run(["bash", "-n", str(path)], check=True)
    assert os.access(path, os.X_OK)
    for named in re.findall(r"hosting/[\w/.]+\.\w+|requirements\.txt", path.read_text()):
        assert (ROOT / named).exists(), named


def test_the_tljh_install_limits_each_attendee_and_installs_the_hook():
    install = (HOSTING / "tljh" / "install.sh").read_text()
    for key in ("limits.memory", "limits.cpu", "services.cull.timeout",
                "user_environment.default_app"):
        assert f"tljh-config set {key}" in install
    assert "etc/jupyter/jupyter_server_config.py" in install
    default = re.search(r"MEMORY=\$\{MEMORY:-(\w+)\}", install).group(1)  # type: ignore[union-attr]
    assert megabytes(default) >= 2 * HEAVIEST_ATTENDEE_MB


def test_binder_builds_what_make_setup_installs():
    assert (ROOT / "binder" / "requirements.txt").read_text().splitlines()[-1] == \
        "-r ../requirements.txt"
    assert "-e ." in (ROOT / "requirements.txt").read_text()  # the package, editable
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    version = tuple(int(n) for n in runtime.removeprefix("python-").split("."))
    needed = re.search(r'requires-python = ">=(\d+)\.(\d+)"',
                       (ROOT / "pyproject.toml").read_text())
    assert version >= tuple(int(n) for n in needed.groups())  # type: ignore[union-attr]
    start = (ROOT / "binder" / "start").read_text()
    command = re.search(r"python -m lambdalab (notebooks .*?) >", start).group(1)  # type: ignore[union-attr]
    build_parser().parse_args(shlex.split(command))  # options the command line accepts


def test_the_doc_links_every_recipe_file_and_states_what_was_not_tried():
    for path in HOSTING.rglob("*"):
        if path.is_file():
            assert str(path.relative_to(ROOT)) in DOC, path
    assert "Not tried here" in DOC
    assert "python -m lambdalab room" in DOC


def run_hook(source: Path, home: Path) -> tuple[Config, dict[str, str]]:
    """Run hosting/jupyter_server_config.py as a server start would, as an attendee whose
    home is ``home``; returns the configuration it set and the environment it left."""
    config = Config()
    saved = dict(os.environ)
    os.environ.update({"HOME": str(home), "LAMBDALAB_WORKSHOP_SOURCE": str(source)})
    os.environ.pop("LAMBDALAB_WORKSHOP_COPY", None)
    try:
        code = (HOSTING / "jupyter_server_config.py").read_text()
        exec(compile(code, "jupyter_server_config.py", "exec"), {"c": config})  # noqa: S102
        return config, dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def host_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The host's copy of the workshop (/opt/lambda-workshop), cloned from this one."""
    if not (ROOT / ".git").exists():
        pytest.skip("this copy of the workshop is not a git repository")
    source = tmp_path_factory.mktemp("opt") / "lambda-workshop"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(source)], check=True)
    return source


def test_a_server_start_gives_the_attendee_a_clone_and_copies_and_opens_the_first(
        host_copy, tmp_path):
    home = tmp_path / "jupyter-alice"
    home.mkdir()
    config, environment = run_hook(host_copy, home)
    copy = home / "lambda-workshop"
    assert config.ServerApp.default_url == (
        "/lab/tree/lambda-workshop/my-notebooks/00_setup.ipynb")
    assert (copy / ".git").is_dir() and (copy / "labs" / "08_access_denied").is_dir()
    copies = sorted(p.name for p in (copy / "my-notebooks").glob("*.ipynb"))
    assert copies == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    first = json.loads((copy / "my-notebooks" / "01_function_error.ipynb").read_text())
    assert not [c for c in first["cells"] if c.get("outputs")], "no answer shows before"
    assert environment["LAMBDALAB_PROGRESS"] == str(copy / "lambdalab-progress.jsonl")
    (copy / "my-notebooks" / "01_function_error.ipynb").write_text(json.dumps(first) + " ")
    run_hook(host_copy, home)  # the next start keeps the attendee's work
    assert (copy / "my-notebooks" / "01_function_error.ipynb").read_text().endswith("} ")


def test_a_host_without_the_workshop_or_a_failing_clone_still_starts_the_server(
        tmp_path, capsys):
    config, _ = run_hook(tmp_path / "missing", tmp_path)
    assert "default_url" not in config.ServerApp
    not_a_repository = tmp_path / "empty"
    not_a_repository.mkdir()
    config, _ = run_hook(not_a_repository, tmp_path)
    assert "default_url" not in config.ServerApp
    assert "lambdalab: could not prepare the workshop copy" in capsys.readouterr().err
