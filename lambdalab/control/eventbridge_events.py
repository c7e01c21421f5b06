"""The event EventBridge hands a target, with the ``account`` AWS puts in every event.

moto builds a target's event from a template that lacks ``account``; AWS's events carry
it, between ``source`` and ``time`` (EventBridge user guide, "Amazon EventBridge events",
the event structure; and the Lambda destination events recorded on AWS, replayed in
``tests/parity/test_destinations.py``). A handler that routes on ``event["account"]``
would meet a KeyError here and not on AWS.
"""

from __future__ import annotations

from moto.events.utils import EventTemplateParser

from lambdalab.control.patcher import Patcher

# AWS's order of the top-level fields; each <name> is filled from the event by moto
AWS_EVENT_TEMPLATE = ('{"version": "0", "id": "<id>", "detail-type": "<detail-type>", '
                      '"source": "<source>", "account": "<account>", "time": <time>, '
                      '"region": "<region>", "resources": <resources>, "detail": <detail>}')


def install(patcher: Patcher) -> None:
    patcher.set(EventTemplateParser, "DEFAULT_EVENT_INPUT_TEMPLATE", AWS_EVENT_TEMPLATE)
