"""The event SNS sends a subscribed function, as AWS sends it.

moto hands a function a fixed sample (``TopicArn`` ``arn:aws:sns:EXAMPLE``, the same
``MessageId`` every time, sample attributes, a 1970 timestamp). AWS sends the topic and
subscription that delivered, the message's id, its attributes and the time it was
published (developer guide, "Invoking Lambda functions with Amazon SNS notifications",
the example event). Handlers read these, and a function's resource-based policy is
matched against the topic's ARN.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from moto.awslambda.models import LambdaBackend
from moto.sns.models import Subscription

from lambdalab.control.patcher import Patcher

_delivering = threading.local()  # the subscription SNS delivers through, on this thread


def install(patcher: Patcher) -> None:
    patcher.wrap(Subscription, "publish", _remember_subscription)
    patcher.wrap(LambdaBackend, "send_sns_message", _send_as_aws_does)


def _remember_subscription(original: Any, subscription: Subscription, message: str,
                           message_id: str, subject: str | None = None,
                           message_attributes: dict[str, Any] | None = None,
                           *args: Any, **kwargs: Any) -> Any:
    _delivering.current = (subscription, message_id, message_attributes or {})
    try:
        return original(subscription, message, message_id, subject, message_attributes,
                        *args, **kwargs)
    finally:
        _delivering.current = None


def _send_as_aws_does(original: Any, backend: LambdaBackend, function_name: str,
                      message: str, subject: str | None = None,
                      qualifier: str | None = None) -> None:
    current = getattr(_delivering, "current", None)
    if current is None:
        return original(backend, function_name, message, subject=subject, qualifier=qualifier)
    subscription, message_id, attributes = current
    fn = backend.get_function(function_name, qualifier)
    fn.invoke(json.dumps(event(subscription.topic.arn, subscription.arn, message_id,
                               message, subject, attributes)), {}, {})
    return None


def event(topic_arn: str, subscription_arn: str, message_id: str, message: str,
          subject: str | None, attributes: dict[str, Any]) -> dict[str, Any]:
    """One notification, in the shape of AWS's example event."""
    region = topic_arn.split(":")[3]
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {"Records": [{
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "Signature": "EXAMPLE",  # the local cloud does not sign notifications
            "SigningCertURL": f"{endpoint}/SimpleNotificationService-local.pem",
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": {  # as moto keeps them: Type and Value already
                name: {"Type": value.get("Type"), "Value": value.get("Value")}
                for name, value in attributes.items()},
            "Type": "Notification",
            "UnsubscribeURL": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn="
                              f"{subscription_arn}",
            "TopicArn": topic_arn,
            "Subject": subject,
        },
    }]}
