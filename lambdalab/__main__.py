"""Command line: ``python -m lambdalab serve`` runs the local cloud in the foreground;
``python -m lambdalab notebooks`` makes the attendee's copies of the notebooks;
``python -m lambdalab progress`` shows the attendee's verdicts, ``python -m lambdalab room``
the instructor's report on a room's progress files."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from lambdalab import DEFAULT_REGION
from lambdalab.access.credentials import ACCESS_KEY_ENV, SECRET_KEY_ENV, read_secret_file
from lambdalab.invoke.runtime_client_mode import ENV_VAR, MODES

SECRET_ON_COMMAND_LINE = (
    "--secret-access-key would show the secret to every user of this machine (ps lists "
    "command lines). Put it in ${env}, or in a file only you can read (chmod 600) and pass "
    "--secret-access-key-file FILE, or pass --secret-access-key-file - and type it.")


def _serve(args: argparse.Namespace) -> int:
    from lambdalab.cloud import LocalCloud

    if args.secret_access_key is not None:
        print("lambdalab: " + SECRET_ON_COMMAND_LINE.format(env=SECRET_KEY_ENV), file=sys.stderr)
        return 2
    try:
        secret = (read_secret_file(args.secret_access_key_file)
                  if args.secret_access_key_file else None)
        cloud = LocalCloud(region=args.region, port=args.port, time_scale=args.time_scale,
                           account_concurrency=args.account_concurrency,
                           runtime_client=args.runtime_client,
                           access_key_id=args.access_key_id, secret_access_key=secret,
                           iam=args.iam)
    except ValueError as e:
        print(f"lambdalab: {e}", file=sys.stderr)
        return 2
    try:
        cloud.start()
    except OSError as e:
        print(f"lambdalab: cannot listen on 127.0.0.1:{args.port}: {e.strerror}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())
    print(f"lambdalab local cloud listening on {cloud.endpoint_url} (region {cloud.region}, "
          f"{cloud.runtime_client} Runtime API client)", flush=True)
    print("  Only requests signed with these credentials get in; in another terminal:",
          flush=True)
    print(f"  export AWS_ENDPOINT_URL={cloud.endpoint_url} AWS_DEFAULT_REGION={cloud.region}",
          flush=True)
    print(f"  {cloud.credentials.shell_exports()}", flush=True)
    print("  Ctrl-C stops the cloud and every function process it started.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        cloud.stop()
        print("lambdalab local cloud stopped", flush=True)
    return 0


def _notebooks(args: argparse.Namespace) -> int:
    from lambdalab.notebook_copies import Copies, report_lines

    copies = Copies(Path(args.source), Path(args.into))
    if not copies.notebooks():
        print(f"lambdalab: no notebooks in {args.source}/", file=sys.stderr)
        return 2
    if args.reset:
        try:
            backup, fresh = copies.reset(args.reset)
        except LookupError as e:
            print(f"lambdalab: {e}", file=sys.stderr)
            return 2
        kept = f"; your copy is in {backup}" if backup else ""
        print(f"{fresh}: a fresh copy of {copies.find(args.reset)}{kept}")
        return 0
    for line in report_lines(copies.update(), copies, args.reset_command):
        print(line)
    return 0


def _progress(args: argparse.Namespace) -> int:
    import json

    from lambdalab import progress

    path = Path(args.file) if args.file else progress.progress_path()
    loaded = progress.read(path)
    table = progress.standings(loaded.records, progress.notebook_items())
    if args.json:
        print(json.dumps({"file": str(path), "problems": loaded.problems,
                          "notebooks": progress.as_json(table)}, indent=1))
        return 0
    print(f"Your progress, from {path}" + ("" if path.exists() else " (nothing recorded yet)"))
    for problem in loaded.problems:
        print(f"  {problem} (skipped)")
    for line in progress.table_lines(table):
        print(line)
    return 0


def _room(args: argparse.Namespace) -> int:
    import json

    from lambdalab import room_report

    files, problems = room_report.progress_files(Path(p) for p in args.paths)
    room = room_report.attendees(files)
    table = room_report.rows(room)
    if args.json:
        print(json.dumps(room_report.as_json(room, table, problems), indent=1,
                         ensure_ascii=False))
    else:
        for line in room_report.report_lines(room, table, problems):
            print(line)
    if args.png:
        room_report.plot(room, table, Path(args.png))
        print(f"the room's progress drawn in {args.png}", file=sys.stderr)
    return 0 if room else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lambdalab",
                                     description="A local AWS cloud that runs Lambda handlers.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the local cloud in the foreground")
    serve.add_argument("--port", type=int, default=4566, help="port on 127.0.0.1 (default 4566;"
                       " 0 picks a free one)")
    serve.add_argument("--region", default=DEFAULT_REGION,
                       help=f"the cloud's region (default {DEFAULT_REGION})")
    serve.add_argument("--time-scale", type=float, default=1.0, metavar="X",
                       help="multiply Lambda's own waits (async retries, throttle backoff, "
                            "event age) by X; 0.01 turns a 1-minute retry into 0.6 s")
    serve.add_argument("--account-concurrency", type=int, default=1000, metavar="N",
                       help="the account's concurrency quota (default 1000)")
    serve.add_argument("--runtime-client", choices=MODES, default=None,
                       help="the execution environments' Runtime API client: awslambdaric's "
                            "native one (Linux), our pure-Python one (the macOS path), or auto "
                            f"(default: ${ENV_VAR}, else auto)")
    serve.add_argument("--access-key-id", metavar="KEY", default=None,
                       help="accept this access key (its secret from a file or "
                            f"${SECRET_KEY_ENV}) instead of random ones (default: "
                            f"${ACCESS_KEY_ENV}, else random)")
    serve.add_argument("--secret-access-key-file", metavar="FILE", default=None,
                       help="read the secret of --access-key-id from FILE, which only you may "
                            f"read, or from stdin with - (default: ${SECRET_KEY_ENV})")
    serve.add_argument("--secret-access-key", default=None, help=argparse.SUPPRESS)
    serve.add_argument("--iam", action=argparse.BooleanOptionalAction, default=None,
                       help="let IAM decide what functions may do, from their execution "
                            "roles' policies (default: $LAMBDALAB_IAM, else on; --no-iam lets "
                            "any function do anything)")
    serve.set_defaults(run=_serve)
    notebooks = commands.add_parser(
        "notebooks", help="make the attendee's copies of the notebooks (outputs cleared), "
                          "report those changed upstream, or start one afresh")
    notebooks.add_argument("--source", default="notebooks", help="the committed notebooks")
    notebooks.add_argument("--into", default="my-notebooks", help="the copies' folder")
    notebooks.add_argument("--reset", metavar="NB", help="start this notebook afresh (03, "
                           "3 or 03_vpc_reachability); your copy goes to the backup folder")
    notebooks.add_argument("--reset-command", default="make reset NB={number}",
                           help=argparse.SUPPRESS)  # what the report tells to type
    notebooks.set_defaults(run=_notebooks)
    mine = commands.add_parser("progress", help="your verdicts: notebooks by exercises")
    mine.add_argument("--json", action="store_true", help="as JSON")
    mine.add_argument("--file", help="a progress file (default: $LAMBDALAB_PROGRESS, else "
                                     "lambdalab-progress.jsonl in the repository)")
    mine.set_defaults(run=_progress)
    room = commands.add_parser(
        "room", help="the instructor's report: the room's progress files, per exercise")
    room.add_argument("paths", nargs="+", metavar="PATH",
                      help="progress files, or folders to search for them (every home "
                           "directory of a JupyterHub host: /home)")
    room.add_argument("--json", action="store_true", help="as JSON")
    room.add_argument("--png", metavar="FILE", help="also draw the room's progress in FILE")
    room.set_defaults(run=_room)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:  # `... | head` read what it wanted: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
