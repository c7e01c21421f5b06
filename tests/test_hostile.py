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

import datetime
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import psutil
import pytest
from botocore.exceptions import ClientError

from lambdalab.__main__ import main
from lambdalab.access.credentials import read_secret_file

ECHO = "def handler(event, context):\n    return event\n"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def echo(deploy) -> str:
    deploy("echo", ECHO)
    return "echo"


def refused(call) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response
    return (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"],
            error["Error"].get("Message", ""))


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
