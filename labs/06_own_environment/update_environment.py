"""Change some environment variables of a Lambda function and keep all the others.

``UpdateFunctionConfiguration`` takes the function's whole ``Environment``: the map you
send becomes the function's map, so a call that names one variable removes every other.
``update_environment`` reads the current map, merges the changes into it, writes the
whole map back and waits until Lambda has applied it (``LastUpdateStatus: Successful``),
so that the next invocation, or the next update, sees it. It also waits before writing:
Lambda refuses a change while the previous one is still in progress.

From a shell, with the AWS CLI's credentials and region::

    python update_environment.py pitfall6-invoice LOG_LEVEL=DEBUG
    python update_environment.py pitfall6-invoice --remove LOG_LEVEL
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import Any


def update_environment(lam: Any, function_name: str, changes: Mapping[str, str] | None = None,
                       remove: Iterable[str] = ()) -> dict[str, str]:
    """Set ``changes`` and delete ``remove`` in the function's variables; returns the map."""
    updated = lam.get_waiter("function_updated_v2")
    updated.wait(FunctionName=function_name)  # a change still in progress is refused
    config = lam.get_function_configuration(FunctionName=function_name)
    variables = dict(config.get("Environment", {}).get("Variables", {}))
    variables.update(changes or {})
    for key in remove:
        variables.pop(key, None)
    lam.update_function_configuration(FunctionName=function_name,
                                      Environment={"Variables": variables})
    updated.wait(FunctionName=function_name)
    return variables


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("function_name")
    parser.add_argument("assignments", nargs="*", metavar="KEY=VALUE")
    parser.add_argument("--remove", action="append", default=[], metavar="KEY")
    args = parser.parse_args(argv)
    if any("=" not in assignment for assignment in args.assignments):
        parser.error("write each change as KEY=VALUE")
    changes = dict(assignment.split("=", 1) for assignment in args.assignments)

    import boto3

    variables = update_environment(boto3.client("lambda"), args.function_name, changes,
                                   args.remove)
    for key in sorted(variables):
        print(f"{key}={variables[key]}")


if __name__ == "__main__":
    main()
