"""The cloud against hostile neighbours: another user of the machine, a captured request
replayed, a flood of bytes. Each attack is refused as AWS refuses it, and the cloud stays
within bounds and keeps serving its owner.

AWS's answers: a request dated more than 5 minutes from now is refused ("Signature expired:
… (… - 5 min.)", "Signature not yet current: …", InvalidSignatureException for Lambda; the
SigV4 reference, docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html, "within five
minutes"); a credential scoped to another region, "Credential should be scoped to a valid
region, not '…'. "; an Invoke body over 6 MB, 413 RequestEntityTooLargeException.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import psutil
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotocoreCredentials
from test_access import error_of as refused

from conftest import wait_until
from lambdalab.__main__ import main
from lambdalab.access.credentials import read_secret_file
from lambdalab.packaging import zip_files

ECHO = "def handler(event, context):\n    return event\n"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def echo(deploy) -> str:
    deploy("echo", ECHO)
    return "echo"


# --- 1. the owner's secret never on a command line ---------------------------------------

def test_a_secret_on_the_command_line_is_refused_with_the_reason(capsys):
    assert main(["serve", "--access-key-id", "AKIAFIXEDFIXED000000",
                 "--secret-access-key", "s3cret"]) == 2
    said = capsys.readouterr().err
    assert "every user of this machine" in said and "--secret-access-key-file" in said


def test_a_secret_file_others_can_read_is_refused(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    with pytest.raises(ValueError, match="can be read by other users: chmod 600"):
        read_secret_file(str(secret))
    secret.chmod(0o600)
    assert read_secret_file(str(secret)) == "s3cret"


def test_serve_takes_the_secret_from_a_file_and_no_process_shows_it(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("a-fixed-secret-nobody-sees\n")
    secret_file.chmod(0o600)
    serve = subprocess.Popen(
        [sys.executable, "-m", "lambdalab", "serve", "--port", "0",
         "--access-key-id", "AKIAFIXEDFIXED000000", "--secret-access-key-file",
         str(secret_file)], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parent.parent)
    try:
        first = serve.stdout.readline()
        endpoint = first.split("listening on ")[1].split()[0]
        shown = [" ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"])]
        assert not any("a-fixed-secret-nobody-sees" in line for line in shown)
        sts = boto3.session.Session().client(
            "sts", region_name="ap-northeast-1", endpoint_url=endpoint,
            aws_access_key_id="AKIAFIXEDFIXED000000",
            aws_secret_access_key="a-fixed-secret-nobody-sees")
        assert sts.get_caller_identity()["Account"]
    finally:
        serve.terminate()
        serve.wait(timeout=30)


# --- 4. signatures expire and are scoped --------------------------------------------------

@pytest.mark.parametrize("when, words", [
    (datetime.datetime(2001, 1, 1), "Signature expired: 20010101T000000Z is now earlier than"),
    (None, "Signature not yet current: "),  # tomorrow
])
def test_a_request_dated_far_from_now_is_refused(cloud, lam, echo, monkeypatch, when, words):
    moment = when or datetime.datetime.now(datetime.UTC).replace(tzinfo=None) \
        + datetime.timedelta(days=1)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *_, **__: moment)
    ran = len(cloud.invocations())
    status, code, message = refused(lambda: lam.invoke(FunctionName=echo))
    assert (status, code) == (403, "InvalidSignatureException")
    assert message.startswith(words)
    assert message.endswith("5 min.)")
    assert len(cloud.invocations()) == ran


def test_a_request_four_minutes_old_still_gets_in(lam, echo, monkeypatch):
    moment = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) \
        - datetime.timedelta(minutes=4)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *_, **__: moment)
    assert lam.invoke(FunctionName=echo, Payload=b"{}")["StatusCode"] == 200


@pytest.mark.parametrize("region", ["us-west-2", "xx-bogus-9"])
def test_a_request_signed_for_another_region_is_refused(cloud, echo, region):
    other = boto3.session.Session().client(
        "lambda", region_name=region, endpoint_url=cloud.endpoint_url,
        aws_access_key_id=cloud.credentials.access_key_id,
        aws_secret_access_key=cloud.credentials.secret_access_key)
    ran = len(cloud.invocations())
    assert refused(lambda: other.invoke(FunctionName=echo)) == (
        403, "InvalidSignatureException",
        f"Credential should be scoped to a valid region, not '{region}'. ")
    assert len(cloud.invocations()) == ran


def test_a_query_service_refuses_another_region_in_its_own_words(cloud):
    other = boto3.session.Session().client(
        "sts", region_name="eu-west-1", endpoint_url=cloud.endpoint_url,
        aws_access_key_id=cloud.credentials.access_key_id,
        aws_secret_access_key=cloud.credentials.secret_access_key)
    assert refused(other.get_caller_identity) == (
        403, "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not 'eu-west-1'. ")


# --- 2. a stranger's body is never read; every body has its cap --------------------------

def raw_request(cloud, head: str, body_chunk: bytes, chunks: int) -> tuple[int, float]:
    """Send ``head``, then up to ``chunks`` chunks of body, reading the answer's status as
    soon as it comes; also how long that took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=30) as connection:
        connection.sendall(head.encode())
        connection.settimeout(0.001)
        answer = b""
        for _ in range(chunks):
            try:
                connection.sendall(body_chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            try:
                answer += connection.recv(4096)
            except TimeoutError:
                continue
            except ConnectionResetError:
                break
            if answer:
                break
        connection.settimeout(30)
        while b"\r\n" not in answer:
            more = connection.recv(4096)
            if not more:
                break
            answer += more
    return int(answer.split(b" ")[1]), time.monotonic() - started


def test_an_unsigned_gigabyte_is_refused_without_being_read(cloud, echo):
    process = psutil.Process()
    before = process.memory_info().rss
    path = f"/2015-03-31/functions/{echo}/invocations"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {1024 * MIB}\r\n"
            "Content-Type: application/json\r\n\r\n")
    status, _ = raw_request(cloud, head, bytes(MIB), 1024)
    assert status == 403
    assert process.memory_info().rss - before < 64 * MIB


def test_a_signed_invoke_declared_over_6_mb_is_refused_before_it_is_read(cloud, lam, echo):
    error = refused(lambda: lam.invoke(FunctionName=echo, Payload=b'"' + b"x" * (7 * MIB) + b'"'))
    assert error[:2] == (413, "RequestEntityTooLargeException")
    assert "byte payload is too large for the RequestResponse invocation type" in error[2]


def test_the_runtime_api_never_reads_a_strangers_body(cloud, lam, echo):
    lam.invoke(FunctionName=echo, Payload=b"{}")
    [environment] = [e for e in cloud._pool.environments() if e.spec.name == echo]
    host, port = environment._runtime_api.address.split(":")
    head = (f"POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Length: {1024 * MIB}\r\n\r\n")
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(head.encode() + bytes(MIB))
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 403")
    assert process.memory_info().rss - before < 64 * MIB
    assert time.monotonic() - started < 30  # answered, not read to its end


def test_the_owner_is_served_after_the_floods(lam, echo):
    assert json.loads(lam.invoke(FunctionName=echo, Payload=b'{"still": "here"}')[
        "Payload"].read()) == {"still": "here"}


# --- 7. an environment that cannot start leaves nothing behind ---------------------------

def listening_sockets() -> int:
    return sum(1 for c in psutil.Process().net_connections(kind="inet")
               if c.status == psutil.CONN_LISTEN)


def environment_threads() -> list[str]:
    """The threads that exist for an execution environment (its Runtime API server, the
    readers of its output and of its process)."""
    return [t.name for t in threading.enumerate()
            if t.name.startswith(("runtime-api-", "output-", "env-"))]


def test_an_environment_that_fails_to_start_leaks_nothing(cloud, lam, echo, monkeypatch):
    from lambdalab.invoke.environment import ExecutionEnvironment

    lam.invoke(FunctionName=echo, Payload=b"{}")  # the cloud's own threads are all there
    cloud._pool.retire(f"arn:aws:lambda:{cloud.region}:{cloud.account_id}:function:{echo}")
    threads, sockets = environment_threads(), listening_sockets()

    def fail(self):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(ExecutionEnvironment, "_spawn", fail)
    for _ in range(5):
        status, code, _ = refused(lambda: lam.invoke(FunctionName=echo, Payload=b"{}"))
        assert (status, code) == (500, "ServiceException")
    assert environment_threads() == threads == []  # a Runtime API server, its readers
    assert listening_sockets() == sockets
    monkeypatch.undo()
    assert lam.invoke(FunctionName=echo, Payload=b"{}")["StatusCode"] == 200


# --- 8. what Lambda validates at create and update ---------------------------------------

def signed_create(cloud, body: dict) -> tuple[int, str, str]:
    """CreateFunction sent as any SDK would, without boto3's own checks on the client."""
    url = f"{cloud.endpoint_url}/2015-03-31/functions"
    request = AWSRequest("POST", url, data=json.dumps(body).encode(),
                         headers={"Content-Type": "application/json"})
    SigV4Auth(BotocoreCredentials(cloud.credentials.access_key_id,
                                  cloud.credentials.secret_access_key),
              "lambda", cloud.region).add_auth(request)
    sent = urllib.request.Request(url, data=request.body, headers=dict(request.headers),
                                  method="POST")
    try:
        with urllib.request.urlopen(sent, timeout=30) as answer:
            return answer.status, "", ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("x-amzn-ErrorType", ""), json.loads(
            error.read()).get("message", "")


PATTERN = "Member must satisfy regular expression pattern: "


@pytest.mark.parametrize("change, where, constraint", [
    ({"FunctionName": "has space"}, "'has space' at 'functionName'", PATTERN),
    ({"FunctionName": "x" * 65}, "at 'functionName'", "length less than or equal to 64"),
    ({"Handler": "app handler"}, "'app handler' at 'handler'", PATTERN + "[^\\s]+"),
    ({"Handler": "h" * 129}, "at 'handler'", "length less than or equal to 128"),
    ({"Runtime": "cobol"}, "'cobol' at 'runtime'", "Member must satisfy enum value set: ["),
    ({"Timeout": 0}, "'0' at 'timeout'", "value greater than or equal to 1"),
    ({"Timeout": 901}, "'901' at 'timeout'", "value less than or equal to 900"),
    ({"MemorySize": 64}, "'64' at 'memorySize'", "value greater than or equal to 128"),
    ({"MemorySize": 10241}, "'10241' at 'memorySize'", "value less than or equal to 10240"),
    ({"Environment": {"Variables": {"1ST": "x"}}}, "Value at 'environment.variables'",
     "Map keys must satisfy constraint: [" + PATTERN + "[a-zA-Z]([a-zA-Z0-9_])+]"),
    ({"Environment": {"Variables": {"OK": "a\x00b"}}}, "Value at 'environment.variables'",
     "Map values must not contain a null character"),
    ({"Handler": "app.hand\x00ler"}, "at 'handler'", "must not contain a null character"),
    ({"Layers": ["not-a-layer"]}, "'[not-a-layer]' at 'layers'",
     "Member must satisfy constraint: [Member must have length less than or equal to 2048"),
])
def test_what_lambda_refuses_at_create(cloud, deploy, change, where, constraint):
    body = {"FunctionName": "validated", "Runtime": "python3.11", "Role": deploy.role_arn,
            "Handler": "app.handler", "Code": {"ZipFile": base64.b64encode(
                zip_files(ECHO)).decode()}, **change}
    status, code, message = signed_create(cloud, body)
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("1 validation error detected: Value ")
    assert where in message and constraint in message
    assert "validated" not in [f["FunctionName"] for f in cloud.client("lambda").list_functions()[
        "Functions"]]


def test_every_broken_constraint_is_named_in_one_answer(cloud, deploy):
    body = {"FunctionName": "validated", "Runtime": "python3.11", "Role": deploy.role_arn,
            "Handler": "app.handler", "Code": {"ZipFile": base64.b64encode(
                zip_files(ECHO)).decode()}, "Timeout": 0, "MemorySize": 1}
    status, code, message = signed_create(cloud, body)
    assert message.startswith("2 validation errors detected: ")
    assert "at 'timeout'" in message and "; Value '1' at 'memorySize'" in message


def test_a_content_length_that_is_no_number_gets_400(cloud):
    head = ("POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Length: lots\r\n\r\n")
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=30) as connection:
        connection.sendall(head.encode())
        answer = connection.recv(4096)
    assert answer.split(b" ")[1] in (b"400", b"403")  # never a 500


# --- 6. what a handler prints never floods the cloud -------------------------------------

FLOOD = """
import sys

def handler(event, context):
    if event["kind"] == "lines":
        sys.stdout.write("x\\n" * (4 * 1024 * 1024))  # 8 MB as 4 M lines
    else:
        sys.stdout.write("y" * (64 * 1024 * 1024))  # one 64 MiB line, no newline
    sys.stdout.flush()
    return "printed"
"""


@pytest.fixture(scope="module")
def flood(deploy) -> str:
    deploy("flood", FLOOD, MemorySize=1024, Timeout=120)
    return "flood"


def test_millions_of_lines_keep_the_cloud_within_bounds(cloud, flood):
    from lambdalab.invoke.logs import GROUP_EVENTS_LIMIT

    lam = cloud.client("lambda", config=Config(read_timeout=120,
                                               retries={"total_max_attempts": 1}))
    process, peak = psutil.Process(), [0]
    before = process.memory_info().rss
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        answer = lam.invoke(FunctionName=flood, Payload=b'{"kind": "lines"}', LogType="Tail")
    finally:
        done.set()
        sampler.join()
    assert answer["Payload"].read() == b'"printed"'
    assert len(base64.b64decode(answer["LogResult"])) == 4096  # AWS's tail: the last 4 KB
    assert peak[0] - before < 128 * MIB  # 8 MB of lines once took it 2 GiB
    assert len(cloud.logs(flood)) <= GROUP_EVENTS_LIMIT


def test_a_line_over_256_kb_is_cut_as_cloudwatch_cuts_it(cloud, lam, flood):
    from lambdalab.invoke.output import EVENT_BYTES_LIMIT

    answer = lam.invoke(FunctionName=flood, Payload=b'{"kind": "long"}')
    assert answer["Payload"].read() == b'"printed"'
    longest = max(cloud.logs(flood), key=len)
    assert len(longest) == EVENT_BYTES_LIMIT == 262_118 and set(longest) == {"y"}


def test_a_long_line_is_held_in_one_events_room_however_it_arrives():
    """Linear time: what is held of a line never grows past one event, so no chunk is ever
    joined to more than that (before, each chunk copied the whole line so far)."""
    from lambdalab.invoke.output import EVENT_BYTES_LIMIT, ProcessOutput

    read_end, write_end = os.pipe()
    output = ProcessOutput(os.fdopen(read_end, "rb", buffering=0), "test")
    try:
        chunk = b"z" * 65536
        for _ in range(64 * 16):  # 64 MiB, no newline
            os.write(write_end, chunk)
            assert output._partial_bytes <= EVENT_BYTES_LIMIT
        os.write(write_end, b"\nnext\n")
        lines = output.take()
        assert [len(line.message) for line in lines] == [EVENT_BYTES_LIMIT, 4]
    finally:
        os.close(write_end)
        output.close()


# --- 3. a stranger's flood of connections never starves the owner ------------------------

FLOOD_OF_CONNECTIONS = textwrap.dedent("""
    import socket, sys, time
    port, count, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    held = []
    for number in range(count):  # half-open requests: headers begun, never ended
        try:  # from ports below the ephemeral range, so as not to take one another test's
            # process was just given (a kernel that binds the ports it was told dies)
            connection = socket.create_connection(("127.0.0.1", port), timeout=5,
                                                  source_address=("127.0.0.1", 20000 + number))
            connection.sendall(b"POST /2015-03-31/functions/echo/invocations HTTP/1.1\\r\\n"
                               b"Host: 127.0.0.1\\r\\n")
            held.append(connection)
        except OSError:
            pass
    print(len(held), flush=True)
    time.sleep(hold)
""")


def test_a_strangers_half_open_flood_leaves_the_owner_served(cloud, lam, echo, other_user,
                                                             monkeypatch):
    from lambdalab.connections import PER_STRANGER

    limits = cloud._server.limits
    monkeypatch.setattr(limits, "header_seconds", 2.0)  # 10 s in use: shorter to test
    lam.invoke(FunctionName=echo, Payload=b"{}")
    threads, descriptors = threading.active_count(), psutil.Process().num_fds()
    flood = subprocess.Popen(["runuser", "-u", other_user, "--", "/usr/bin/python3", "-c",
                              FLOOD_OF_CONNECTIONS, str(cloud.port), "1000", "20"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert int(flood.stdout.readline()) > PER_STRANGER  # the kernel took them all
        for number in range(5):  # the owner is served throughout
            payload = json.dumps({"during": number}).encode()
            assert lam.invoke(FunctionName=echo, Payload=payload)["Payload"].read() == payload
        assert threading.active_count() <= threads + PER_STRANGER + 4
        # past the header deadline, the stranger holds nothing here
        assert wait_until(lambda: limits.open_connections() <= 2, 15)
        assert psutil.Process().num_fds() <= descriptors + 4  # their sockets are closed
    finally:
        flood.kill()
        flood.wait()


@pytest.mark.parametrize("body", [b"zz\r\n{}\r\n0\r\n\r\n", b"2\r\n{}"],
                         ids=["not-a-chunk-size", "cut-short"])
def test_a_signed_body_that_breaks_its_chunked_encoding_gets_400(cloud, echo, body):
    url = f"{cloud.endpoint_url}/2015-03-31/functions/{echo}/invocations"
    request = AWSRequest("POST", url, data=b"{}", headers={"Content-Type": "application/json"})
    SigV4Auth(BotocoreCredentials(cloud.credentials.access_key_id,
                                  cloud.credentials.secret_access_key),
              "lambda", cloud.region).add_auth(request)
    head = (f"POST /2015-03-31/functions/{echo}/invocations HTTP/1.1\r\n"
            + "".join(f"{key}: {value}\r\n" for key, value in request.headers.items())
            + "Transfer-Encoding: chunked\r\n\r\n")
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=30) as connection:
        connection.sendall(head.encode() + body)
        connection.shutdown(socket.SHUT_WR)
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 ")
