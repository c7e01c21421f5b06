"""The pure-Python Runtime API client runs awslambdaric's bootstrap like the native one.

It is what keeps the cloud working where awslambdaric's native client does not build
(macOS); forcing it here proves the same responses come back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import Deployer, read_json
from lambdalab import LocalCloud


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud(pure_python_runtime_client=True) as running:
        yield running


def test_success_error_and_client_context_through_the_pure_python_client(cloud):
    deploy = Deployer(cloud)
    lam = cloud.client("lambda")
    deploy("pp", "import sys\ndef handler(event, context):\n"
                 "    if event.get('fail'):\n        raise KeyError('missing')\n"
                 "    return {'native': 'runtime_client' in sys.modules and\n"
                 "            sys.modules['runtime_client'].__name__ == 'runtime_client'}\n")
    assert read_json(lam.invoke(FunctionName="pp")) == {"native": False}
    response = lam.invoke(FunctionName="pp", Payload=b'{"fail": true}')
    assert response["FunctionError"] == "Unhandled"
    error = read_json(response)
    assert error["errorType"] == "KeyError"
    assert error["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert read_json(lam.invoke(FunctionName="pp")) == {"native": False}
