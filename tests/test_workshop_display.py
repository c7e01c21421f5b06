"""The notebook display helpers print what a reader needs, identically from run to run."""

from __future__ import annotations

import base64
import io
import json

import pytest
from botocore.response import StreamingBody

from lambdalab.workshop import lab_path, show_invoke, show_logs, show_source


def response(payload: object, **fields: object) -> dict:
    body = json.dumps(payload).encode()
    return {"StatusCode": 200, "ExecutedVersion": "$LATEST",
            "Payload": StreamingBody(io.BytesIO(body), len(body)), **fields}


def test_show_invoke_prints_the_fields_and_returns_the_payload_it_read(capsys):
    answer = show_invoke(response({"errorType": "OrderRejected"}, FunctionError="Unhandled"))
    assert answer == {"errorType": "OrderRejected"}
    assert capsys.readouterr().out == (
        "StatusCode:      200\nFunctionError:   Unhandled\nExecutedVersion: $LATEST\n"
        'Payload:\n{\n  "errorType": "OrderRejected"\n}\n')


def test_show_invoke_says_when_there_is_no_function_error(capsys):
    show_invoke(response({"ok": True}))
    assert "FunctionError:   (absent)\n" in capsys.readouterr().out


def test_show_invoke_decodes_a_log_tail_instead_of_printing_base64(capsys):
    tail = base64.b64encode(b"START RequestId: r Version: $LATEST\nEND RequestId: r\n").decode()
    show_invoke(response(None, LogResult=tail))
    out = capsys.readouterr().out
    assert tail not in out
    assert out.endswith("LogResult (decoded):\n  START RequestId: r Version: $LATEST\n"
                        "  END RequestId: r\n")


def test_show_source_shows_one_function_of_a_lab_file():
    code = show_source(lab_path("01_function_error", "caller", "app.py"), "handler_wrong")
    assert code.data.startswith("def handler_wrong(event, context):")
    assert "handler_fixed" not in code.data


def test_show_source_names_a_missing_function():
    with pytest.raises(ValueError, match="handler_typo is not defined in app.py"):
        show_source(lab_path("01_function_error", "caller", "app.py"), "handler_typo")


def test_show_logs_prints_the_last_lines(capsys):
    class Cloud:
        def logs(self, name: str) -> list[str]:
            return ["START", "hello\u00a0world", "END"]

    show_logs(Cloud(), "fn", last=2)
    assert capsys.readouterr().out == "hello world\nEND\n"
