"""The notebook display helpers print what a reader needs, identically from run to run."""

from __future__ import annotations

import base64
import io
import json

import pytest
from botocore.response import StreamingBody

from lambdalab.workshop import lab_path, show_invoke, show_logs, show_source
from lambdalab.workshop.display import OUTPUT_WIDTH, readable_json, readable_log_line


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


def test_show_source_shows_one_function_of_a_lab_file_with_a_caption():
    view = show_source(lab_path("01_function_error", "caller", "app.py"), "handler_wrong")
    assert view.source.startswith("def handler_wrong(event, context):")
    assert "handler_fixed" not in view.source
    assert view.caption == ("*`handler_wrong` in `labs/01_function_error/caller/app.py`, as "
                            "deployed (a view: edit the lab file, not this)*")


def test_show_source_is_markdown_for_jupyterlab_and_text_elsewhere_without_a_stylesheet():
    view = show_source(lab_path("01_function_error", "invoked", "app.py"), "handler")
    markdown = view._repr_markdown_()
    assert markdown == f"{view.caption}\n\n```python\n{view.source}\n```"
    assert repr(view) == f"{view.caption}\n\n{view.source}"
    assert "<style" not in markdown and "{" not in view.caption


def test_show_source_names_a_missing_function():
    with pytest.raises(ValueError, match="handler_typo is not defined in app.py"):
        show_source(lab_path("01_function_error", "caller", "app.py"), "handler_typo")


def test_a_stack_trace_prints_as_the_lines_of_a_traceback(capsys):
    trace = ['  File "/var/task/app.py", line 21, in handler\n    raise OrderRejected(x)\n']
    show_invoke(response({"status": "accepted", "pricing": {
        "errorType": "OrderRejected", "stackTrace": trace}}))
    assert capsys.readouterr().out.endswith(
        'Payload:\n{\n  "status": "accepted",\n  "pricing": {\n'
        '    "errorType": "OrderRejected",\n    "stackTrace": [\n'
        '        File "/var/task/app.py", line 21, in handler\n'
        '          raise OrderRejected(x)\n    ]\n  }\n}\n')


def test_a_long_message_breaks_between_words_never_inside_a_request_id():
    message = ("pricing-hangs failed with Sandbox.Timedout: RequestId: "
               "dd50b968-c77b-46a0-80b8-6fad80c949af Error: Task timed out after 1.00 seconds")
    text = readable_json({"errorMessage": message, "errorType": "InvokedFunctionCrashed"})
    assert text == (
        '{\n  "errorMessage": "pricing-hangs failed with Sandbox.Timedout: RequestId:\n'
        '                   dd50b968-c77b-46a0-80b8-6fad80c949af Error: Task timed out after\n'
        '                   1.00 seconds",\n  "errorType": "InvokedFunctionCrashed"\n}')
    assert all(len(line) <= OUTPUT_WIDTH for line in text.splitlines())
    assert json.loads(" ".join(line.strip() for line in text.splitlines())) == {
        "errorMessage": message, "errorType": "InvokedFunctionCrashed"}


def test_a_report_line_prints_on_three_lines_that_fit_the_notebook():
    line = ("REPORT RequestId: 9b6be7b6-c4c0-4594-af60-aa84e5aaae88\tDuration: 1234.28 ms\t"
            "Billed Duration: 1357 ms\tMemory Size: 128 MB\tMax Memory Used: 17 MB\t"
            "Init Duration: 120.02 ms\t")
    assert readable_log_line(line) == (
        "REPORT RequestId: 9b6be7b6-c4c0-4594-af60-aa84e5aaae88\n"
        "       Duration: 1234.28 ms  Billed Duration: 1357 ms  Memory Size: 128 MB\n"
        "       Max Memory Used: 17 MB  Init Duration: 120.02 ms")
    assert readable_log_line("hello\tworld") == "hello\tworld"  # only Lambda's own lines


def test_lambdas_timestamped_note_too_wide_for_the_notebook_breaks_after_the_request_id():
    line = ("2026-11-29T06:31:19.585Z 0e9df594-1a46-4bb0-ae5e-5c72d43beda6 Task timed out "
            "after 5.00 seconds")
    assert readable_log_line(line) == (
        "2026-11-29T06:31:19.585Z 0e9df594-1a46-4bb0-ae5e-5c72d43beda6\n"
        "    Task timed out after 5.00 seconds")
    assert all(len(part) <= OUTPUT_WIDTH for part in readable_log_line(line).splitlines())
    short = "2026-11-29T06:31:19.585Z 0e9df594-1a46-4bb0-ae5e-5c72d43beda6 ok"
    assert readable_log_line(short) == short


def test_show_logs_prints_the_last_lines(capsys):
    class Cloud:
        def logs(self, name: str) -> list[str]:
            return ["START", "hello\u00a0world", "END"]

    show_logs(Cloud(), "fn", last=2)
    assert capsys.readouterr().out == "hello world\nEND\n"


def test_a_value_too_long_for_its_column_hangs_under_its_key():
    """An ARN has no space to break at: it moves under its key instead of past the edge."""
    arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:pitfall4-invoice:$LATEST"
    text = readable_json({"requestContext": {"functionArn": arn, "condition": "Success"}})
    assert text.splitlines()[2:4] == ['    "functionArn":', f'      "{arn}",']
    assert all(len(line) <= OUTPUT_WIDTH for line in text.splitlines())
