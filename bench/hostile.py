"""What a hostile neighbour or handler costs the cloud: memory, threads, time.

The cloud runs in a process of its own (so its figures are its own), started from the
checkout given with ``--repo`` (default: this one), which lets one script measure two
versions side by side. Each attack is one the threat model names (README, *Who can use the
cloud*):

- ``body``: another user's unsigned POST declaring 1 GiB, sent as fast as the cloud takes
  it, with ``Content-Length`` and chunked; what the cloud holds while and after it answers;
- ``connections``: 1,000 half-open requests (headers begun, never ended), as another user
  of the machine when run as root (``runuser``), else as the owner; the cloud's threads and
  the owner's invoke latency meanwhile;
- ``escape``: a handler's daemon in a session of its own that forks and lets its parent
  exit, forever, and orphans left behind; zombies meanwhile, and whether the daemon
  outlives SIGKILL of the cloud;
- ``output``: a handler printing 8 MB as 4 M lines, and one 64 MiB line with no newline.

    .venv/bin/python bench/hostile.py                       # this checkout
    .venv/bin/python bench/hostile.py --repo /tmp/old-copy  # another version of it
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import psutil
from botocore.config import Config

MIB = 1024 * 1024
HERE = Path(__file__).resolve().parents[1]

CLOUD = textwrap.dedent("""
    import json, sys, time
    from lambdalab import LocalCloud
    cloud = LocalCloud().start()
    print(json.dumps({"port": cloud.port, "region": cloud.region,
                      "key": cloud.credentials.access_key_id,
                      "secret": cloud.credentials.secret_access_key}), flush=True)
    sys.stdin.read()  # until the bench closes it
    cloud.stop()
""")
FLOOD = textwrap.dedent("""
    import sys
    def handler(event, context):
        if event["kind"] == "lines":
            sys.stdout.write("x\\n" * (4 * 1024 * 1024))
        else:
            sys.stdout.write("y" * (64 * 1024 * 1024))
        sys.stdout.flush()
        return "printed"
""")
HOPPER = textwrap.dedent("""
    import os, sys, time
    record = sys.argv[1]
    while True:
        with open(record, "a") as out:
            out.write(f"{os.getpid()}\\n")
        if os.fork():
            os._exit(0)
        time.sleep(0.02)
""")
ESCAPER = textwrap.dedent("""
    import os, subprocess, sys, time
    def handler(event, context):
        helper = os.path.join(os.path.dirname(__file__), "hopper.py")
        subprocess.Popen([sys.executable, helper, event["record"]], start_new_session=True)
        for _ in range(200):  # orphans: each leaves a child that ends at once
            if os.fork() == 0:
                if os.fork() == 0:
                    os._exit(0)
                os._exit(0)
            os.wait()
        time.sleep(3)
        return "started"
""")
HALF_OPEN = textwrap.dedent("""
    import socket, sys, time
    port, count, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    held = []
    for number in range(count):
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\\r\\n"
                               b"Host: 127.0.0.1\\r\\n")
            held.append(connection)
        except OSError:
            pass
    print(len(held), flush=True)
    time.sleep(hold)
""")


class Sampler:
    """The cloud process's resident memory and threads, every 20 ms, in a thread."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak_rss = self.peak_threads = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> tuple[int, int]:
        return self.process.memory_info().rss, self.process.num_threads()

    def _run(self) -> None:
        while not self._done.wait(0.02):
            rss, threads = self.now()
            self.peak_rss, self.peak_threads = max(self.peak_rss, rss), max(self.peak_threads,
                                                                             threads)

    def __enter__(self) -> Sampler:
        self.peak_rss, self.peak_threads = self.now()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


class Cloud:
    """A cloud from ``repo`` in a child process, and clients signed as its owner."""

    def __init__(self, repo: Path) -> None:
        environment = dict(os.environ, PYTHONPATH=str(repo))
        self.process = subprocess.Popen([sys.executable, "-c", CLOUD], cwd=repo,
                                        env=environment, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.info = json.loads(self.process.stdout.readline())
        self.port = int(self.info["port"])

    def client(self, service: str = "lambda", read_timeout: int = 300) -> Any:
        return boto3.client(service, endpoint_url=f"http://127.0.0.1:{self.port}",
                            region_name=self.info["region"],
                            aws_access_key_id=self.info["key"],
                            aws_secret_access_key=self.info["secret"],
                            config=Config(read_timeout=read_timeout,
                                          retries={"total_max_attempts": 1}))

    def deploy(self, name: str, files: dict[str, str], **settings: Any) -> None:
        from lambdalab.packaging import zip_files

        lam = self.client()
        role = self.client("iam").create_role(
            RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
        lam.create_function(FunctionName=name, Runtime="python3.11", Role=role,
                            Handler="app.handler", Code={"ZipFile": zip_files(files)},
                            **settings)
        lam.get_waiter("function_active_v2").wait(FunctionName=name)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def mib(value: float) -> str:
    return f"{value / MIB:.0f} MiB"


def attack_body(cloud: Cloud, chunked: bool) -> dict[str, Any]:
    """Send up to 1 GiB of an unsigned body; stop when the answer comes."""
    framing = ("Transfer-Encoding: chunked\r\n" if chunked
               else f"Content-Length: {1024 * MIB}\r\n")
    head = ("POST /2015-03-31/functions/echo/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"{framing}Content-Type: application/json\r\n\r\n").encode()
    chunk = (f"{MIB:x}\r\n".encode() + bytes(MIB) + b"\r\n") if chunked else bytes(MIB)
    sent, answer = 0, b""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=10) as connection:
        connection.sendall(head)
        while sent < 1024 and not answer:
            try:
                connection.sendall(chunk)  # whole chunks, so the framing stays valid
                sent += 1
            except OSError:  # refused and closed, or not read for 10 s
                break
            if select.select([connection], [], [], 0)[0]:
                answer = connection.recv(4096)
        if not answer:
            try:
                connection.settimeout(60)
                answer = connection.recv(4096)
            except OSError:
                pass
    status = answer.split(b" ")[1].decode() if answer else "none"
    return {"status": status, "seconds": time.monotonic() - started, "MiB sent": sent}


def body(cloud: Cloud) -> list[str]:
    lines = []
    for chunked in (False, True):
        before, _ = Sampler(cloud.process.pid).now()
        with Sampler(cloud.process.pid) as sampler:
            result = attack_body(cloud, chunked)
            time.sleep(1)
        after, _ = sampler.now()
        kind = "chunked" if chunked else "Content-Length"
        lines.append(f"body ({kind}): {result['status']} after {result['seconds']:.1f} s, "
                     f"{result['MiB sent']} MiB sent; cloud {mib(before)} before, "
                     f"{mib(sampler.peak_rss)} peak, {mib(after)} after")
    return lines


def as_other_user() -> list[str]:
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"]
    return []


def connections(cloud: Cloud) -> list[str]:
    lam = cloud.client(read_timeout=60)
    lam.invoke(FunctionName="echo", Payload=b"{}")
    _, threads_before = Sampler(cloud.process.pid).now()
    who = "another user" if as_other_user() else "the owner"
    flood = subprocess.Popen(as_other_user() + ["/usr/bin/python3", "-c", HALF_OPEN,
                                                str(cloud.port), "1000", "25"],
                             stdout=subprocess.PIPE, text=True)
    try:
        with Sampler(cloud.process.pid) as sampler:
            assert flood.stdout is not None
            held = int(flood.stdout.readline())
            latencies = []
            for _ in range(5):
                started = time.monotonic()
                try:
                    lam.invoke(FunctionName="echo", Payload=b"{}")
                    latencies.append(time.monotonic() - started)
                except Exception as error:  # noqa: BLE001 - a bench reports, it does not stop
                    latencies.append(float("nan"))
                    print(f"  owner's invoke failed: {error}")
            waited = time.monotonic()
            while sampler.now()[1] > threads_before + 4 and time.monotonic() - waited < 30:
                time.sleep(0.1)
            settled = time.monotonic() - waited
    finally:
        flood.kill()
        flood.wait()
    return [f"connections ({who}): {held} half-open held; cloud threads {threads_before} "
            f"before, {sampler.peak_threads} peak, back within {settled:.1f} s; owner's "
            "invokes meanwhile " + ", ".join(f"{value * 1000:.0f}" for value in latencies)
            + " ms"]


def escape(repo: Path) -> list[str]:
    cloud = Cloud(repo)
    record = Path(tempfile.mkdtemp()) / "hops"
    zombies_before = _zombies()
    try:
        cloud.deploy("escaper", {"app.py": ESCAPER, "hopper.py": HOPPER}, Timeout=30)
        cloud.client().invoke(FunctionName="escaper", Payload=json.dumps(
            {"record": str(record)}).encode())
        zombies = _zombies() - zombies_before
    finally:
        cloud.process.kill()  # SIGKILL of the cloud: no clean-up of its own
        cloud.process.wait()
    time.sleep(3)
    hops_before = len(record.read_text().split()) if record.exists() else 0
    time.sleep(1)
    hops_after = len(record.read_text().split()) if record.exists() else 0
    alive = _living(record)
    deadline = time.monotonic() + 10
    while _living(record) and time.monotonic() < deadline:  # an escaped hopper: end it
        for pid in _living(record):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    return [f"escape: {zombies} more zombies on the machine after 200 orphans; 3 s after "
            f"SIGKILL of the cloud the hopping daemon is "
            + ("still hopping" if hops_after > hops_before or alive else "gone")]


def _zombies() -> int:
    """Zombies on the whole machine: an orphan nobody reaps is adopted by init or a
    subreaper, outside the cloud's own tree."""
    return sum(1 for process in psutil.process_iter() if _status(process) == "zombie")


def _living(record: Path) -> list[int]:
    """The recorded processes still running (a zombie has ended)."""
    pids = map(int, record.read_text().split()) if record.exists() else []
    return [pid for pid in pids if psutil.pid_exists(pid)
            and _status(psutil.Process(pid)) not in (psutil.STATUS_ZOMBIE, "gone")]


def _status(process: psutil.Process) -> str:
    try:
        return str(process.status())
    except psutil.Error:
        return "gone"


def output(cloud: Cloud) -> list[str]:
    cloud.deploy("flood", {"app.py": FLOOD}, MemorySize=1024, Timeout=300)
    lam = cloud.client()
    lines = []
    for kind, what in (("lines", "8 MB as 4 M lines"), ("long", "one 64 MiB line")):
        before, _ = Sampler(cloud.process.pid).now()
        started = time.monotonic()
        with Sampler(cloud.process.pid) as sampler:
            lam.invoke(FunctionName="flood", Payload=json.dumps({"kind": kind}).encode())
        seconds = time.monotonic() - started
        after, _ = sampler.now()
        lines.append(f"output ({what}): {seconds:.1f} s; cloud {mib(before)} before, "
                     f"{mib(sampler.peak_rss)} peak, {mib(after)} after")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="the checkout to measure")
    parser.add_argument("--only", default="body,connections,escape,output")
    args = parser.parse_args()
    chosen = args.only.split(",")
    print(f"cloud from {args.repo}")
    cloud = Cloud(args.repo)
    try:
        cloud.deploy("echo", {"app.py": "def handler(event, context):\n    return event\n"})
        for name, attack in (("body", body), ("connections", connections), ("output", output)):
            if name in chosen:
                for line in attack(cloud):
                    print(line, flush=True)
    finally:
        cloud.close()
    if "escape" in chosen:
        for line in escape(args.repo):
            print(line, flush=True)


if __name__ == "__main__":
    main()
