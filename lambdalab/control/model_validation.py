"""Lambda's validation of a request's parameters, read from botocore's model of the API.

AWS checks every member of a request against its shape (pattern, length, range, enum) and
answers ``ValidationException`` (400) with one sentence per broken constraint: "2 validation
errors detected: Value '…' at 'timeout' failed to satisfy constraint: Member must have value
greater than or equal to 1; …". moto checks few of them, so a raw request (any SDK but
boto3, which checks some on the client) could store a function the runtime cannot start.

Beyond the model, as Lambda's quotas page says for on-demand functions: a timeout of at most
900 seconds, at most 10,240 MB of memory, a function name of at most 64 characters. And no
NUL character in any text (a process cannot be given one): that wording is this cloud's.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from moto.awslambda.exceptions import LambdaClientError

# docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (on-demand functions)
QUOTAS = {"Timeout": 900, "MemorySize": 10240}
NAME_LIMIT = 64
NUL = "\x00"
NAME_PART = re.compile(r"(?:.*:function:|^)([^:]+)")


class RequestInvalid(LambdaClientError):
    def __init__(self, problems: list[str]) -> None:
        count = len(problems)
        super().__init__("ValidationException",
                         f"{count} validation error{'s' if count > 1 else ''} detected: "
                         + "; ".join(problems))


@functools.cache
def _input_shape(operation: str) -> Any:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return model.operation_model(operation).input_shape


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:  # a Java-only construct (\p{L}): AWS checks it, we cannot
        return None


def _field(name: str) -> str:
    return name[:1].lower() + name[1:]


def check(operation: str, params: dict[str, Any]) -> None:
    """Raise Lambda's ValidationException for every constraint ``params`` break."""
    problems: list[str] = []
    _walk(_input_shape(operation), params, "", problems)
    name = params.get("FunctionName")
    if operation == "CreateFunction" and isinstance(name, str):
        found = NAME_PART.match(name)
        if found and len(found.group(1)) > NAME_LIMIT:
            problems.append(_problem(name, "functionName", "Member must have length less than "
                                                           f"or equal to {NAME_LIMIT}"))
    for member, most in QUOTAS.items():
        value = params.get(member)
        if isinstance(value, int) and not isinstance(value, bool) and value > most:
            problems.append(_problem(value, _field(member), "Member must have value less "
                                                            f"than or equal to {most}"))
    if problems:
        raise RequestInvalid(problems)


def _walk(shape: Any, value: Any, where: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for member, member_shape in shape.members.items():
            if member in value and value[member] is not None and member not in CHECKED_ELSEWHERE:
                path = f"{where}.{_field(member)}" if where else _field(member)
                _walk(member_shape, value[member], path, problems)
    elif kind == "map" and isinstance(value, dict):
        shown = "" if shape.metadata.get("sensitive") else (
            "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}")
        _collection(shape.key, list(value), shown, where, "Map keys", problems)
        _collection(shape.value, list(value.values()), shown, where, "Map values", problems)
    elif kind == "list" and isinstance(value, list):
        shown = "[" + ", ".join(str(item) for item in value) + "]"
        _bounds(shape, len(value), shown, where, problems, "length")
        _collection(shape.member, value, shown, where, "Member", problems)
    elif kind == "string" and isinstance(value, str):
        shown = "" if shape.metadata.get("sensitive") else value
        problems.extend(_problem(shown, where, rule) for rule in _broken(shape, value))
    elif kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        _bounds(shape, value, value, where, problems, "value")


# checked by lambdalab.control.vpc_config, with the messages recorded on AWS
CHECKED_ELSEWHERE = ("VpcConfig",)


def _problem(value: Any, where: str, constraint: str) -> str:
    shown = f"Value '{value}' at" if value != "" else "Value at"
    return f"{shown} '{where}' failed to satisfy constraint: {constraint}"


def _collection(shape: Any, items: list[Any], shown: str, where: str, whose: str,
                problems: list[str]) -> None:
    """One sentence for a list's members or a map's keys, naming all their constraints,
    as AWS words it."""
    if shape.type_name != "string":
        for item in items:
            _walk(shape, item, where, problems)
        return
    texts = [item for item in items if isinstance(item, str)]
    if any(NUL in item for item in texts):
        problems.append(_problem(shown, where, f"{whose} must not contain a null character"))
    elif any(_broken(shape, item) for item in texts):
        rules = ", ".join(_rules(shape))
        problems.append(_problem(shown, where, f"{whose} must satisfy constraint: [{rules}]"))


def _rules(shape: Any) -> list[str]:
    rules, meta = [], shape.metadata
    if getattr(shape, "enum", None):
        rules.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    if "max" in meta:
        rules.append(f"Member must have length less than or equal to {meta['max']}")
    if "min" in meta:
        rules.append(f"Member must have length greater than or equal to {meta['min']}")
    if "pattern" in meta:
        rules.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    return rules


def _broken(shape: Any, value: str) -> list[str]:
    """The constraints of a string shape that ``value`` breaks."""
    if NUL in value:
        return ["Member must not contain a null character"]
    meta = shape.metadata
    if getattr(shape, "enum", None):
        return [] if value in shape.enum else [
            f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"]
    broken = []
    if "min" in meta and len(value) < meta["min"]:
        broken.append(f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and len(value) > meta["max"]:
        broken.append(f"Member must have length less than or equal to {meta['max']}")
    compiled = _compiled(meta["pattern"]) if "pattern" in meta else None
    if compiled is not None and not compiled.fullmatch(value):
        broken.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    return broken


def _bounds(shape: Any, measure: int, value: Any, where: str, problems: list[str],
            what: str) -> None:
    rules = shape.metadata
    if "min" in rules and measure < rules["min"]:
        problems.append(_problem(value, where, f"Member must have {what} greater than or "
                                               f"equal to {rules['min']}"))
    elif "max" in rules and measure > rules["max"]:
        problems.append(_problem(value, where, f"Member must have {what} less than or equal "
                                               f"to {rules['max']}"))
