"""Deployment packages as Lambda takes them: refused at create when they cannot run, unpacked
once per function without holding up other cold starts.

Messages as AWS writes them: "Could not unzip uploaded file. Please check your file, then
try to upload again." and "Unzipped size must be smaller than 262144000 bytes" (both
InvalidParameterValueException, 400); "Error occurred while GetObject. S3 Error Code:
NoSuchKey. S3 Error Message: The specified key does not exist." for S3 code that is not
there (as CloudFormation stacks report AWS's answer); Invoke's ``InvalidZipFileException``
is a 502 in botocore's Lambda service model.
"""

from __future__ import annotations

import io
import stat
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdalab.invoke import codecache
from lambdalab.packaging import zip_files


def refusal(call: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response
    return (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"],
            error["Error"]["Message"])


@pytest.fixture(scope="module")
def create(deploy: Any, lam: Any) -> Any:
    def create_with(name: str, code: dict[str, Any]) -> Any:
        return lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler",
                                   Role=deploy.role_arn, Code=code)
    return create_with


@pytest.fixture(scope="module")
def bucket(cloud: Any) -> str:
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="package-bucket",
                     CreateBucketConfiguration={"LocationConstraint": cloud.region})
    s3.put_object(Bucket="package-bucket", Key="not-a-zip.zip", Body=b"plain text")
    s3.put_object(Bucket="package-bucket", Key="good.zip",
                  Body=zip_files("def handler(event, context):\n    return 's3'\n"))
    return "package-bucket"


def test_s3_code_that_is_missing_is_refused_at_create(create, bucket):
    assert refusal(create, name="no-key", code={"S3Bucket": bucket, "S3Key": "absent.zip"}) == (
        400, "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The "
        "specified key does not exist.")
    assert refusal(create, name="no-bucket",
                   code={"S3Bucket": "absent-bucket", "S3Key": "good.zip"})[2].startswith(
        "Error occurred while GetObject. S3 Error Code: NoSuchBucket.")


def test_s3_code_that_is_not_a_zip_is_refused_at_create(create, bucket):
    assert refusal(create, name="s3-text", code={"S3Bucket": bucket, "S3Key": "not-a-zip.zip"}) \
        == (400, "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.")


def test_s3_code_that_is_a_zip_runs(create, bucket, lam):
    create("from-s3", {"S3Bucket": bucket, "S3Key": "good.zip"})
    assert lam.invoke(FunctionName="from-s3")["Payload"].read() == b'"s3"'


def test_a_package_over_250_mb_unzipped_is_refused_before_it_is_unpacked(create, lam, deploy):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package:
        with package.open("data.bin", "w", force_zip64=True) as data:
            for _ in range(250):  # 262,144,000 bytes: "smaller than" that is what passes
                data.write(bytes(1024 * 1024))
    assert len(archive.getvalue()) < 1024 * 1024  # zeros: small zipped, the limit is unzipped
    expected = (400, "InvalidParameterValueException",
                "Unzipped size must be smaller than 262144000 bytes")
    assert refusal(create, name="too-big", code={"ZipFile": archive.getvalue()}) == expected
    deploy("grows", "def handler(event, context):\n    return 1\n")
    assert refusal(lam.update_function_code, FunctionName="grows",
                   ZipFile=archive.getvalue()) == expected


def test_a_package_of_too_many_entries_is_refused(create):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        for number in range(50_001):
            package.writestr(f"f{number}", b"")
    status, code, message = refusal(create, name="too-many", code={"ZipFile": archive.getvalue()})
    assert (status, code) == (400, "InvalidParameterValueException")
    assert "50001 files and folders" in message and "at most 50000" in message


def test_a_package_that_cannot_be_unpacked_is_a_502_at_invoke(create, lam):
    package = bytearray(zip_files("def handler(event, context):\n    return 1\n" * 40))
    package[package.index(b"app.py") + 40] ^= 0xFF  # inside the compressed data: a CRC error
    create("corrupt", {"ZipFile": bytes(package)})
    assert refusal(lam.invoke, FunctionName="corrupt") == (
        502, "InvalidZipFileException", "Lambda was unable to unzip the deployment package.")


def test_symbolic_links_stay_links_inside_the_package_only(create, lam):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("app.py", "import os\n\ndef handler(event, context):\n"
                                   "    return [os.readlink('shared'), open('shared/x.txt').read(),"
                                   " os.path.lexists('outside')]\n")
        package.writestr("real/x.txt", "through the link")
        for name, target in (("shared", "real"), ("outside", "/etc/hostname")):
            link = zipfile.ZipInfo(name)
            link.external_attr = (stat.S_IFLNK | 0o777) << 16
            package.writestr(link, target)
    create("links", {"ZipFile": archive.getvalue()})
    assert lam.invoke(FunctionName="links")["Payload"].read() == \
        b'["real", "through the link", false]'


def test_unpacking_one_package_never_holds_up_another(tmp_path, monkeypatch):
    cache = codecache.CodeCache(tmp_path)
    slow, quick = zip_files("SLOW = 1\n"), zip_files("QUICK = 1\n")
    slow_started, release = threading.Event(), threading.Event()
    unpack = codecache.unpack

    def unpack_slowly(code: bytes, folder: Path) -> None:
        if code == slow:
            slow_started.set()
            assert release.wait(30)
        unpack(code, folder)

    monkeypatch.setattr(codecache, "unpack", unpack_slowly)
    unpacking = threading.Thread(target=cache.task_root, args=(slow, "arn:slow"))
    unpacking.start()
    try:
        assert slow_started.wait(30)
        quick_root = cache.task_root(quick, "arn:quick")  # while the slow one is unpacking
        assert (quick_root / "app.py").read_text() == "QUICK = 1\n"
        assert unpacking.is_alive()
    finally:
        release.set()
        unpacking.join()


def test_the_unpacked_folder_is_read_only_and_still_removable(tmp_path):
    root = codecache.CodeCache(tmp_path / "code").task_root(
        zip_files({"app.py": "A = 1\n", "lib/b.py": "B = 2\n"}), "arn:f")
    for path in (root, root / "lib", root / "app.py", root / "lib" / "b.py"):
        assert path.stat().st_mode & 0o222 == 0, path
    codecache.remove_tree(tmp_path / "code")
    assert not (tmp_path / "code").exists()
