"""The payment function made idempotent by Powertools for AWS Lambda (Python).

The ``@idempotent`` decorator does what ``app.handler_idempotent`` does by hand, and
what that one leaves out: claims expire (an hour here), and a claim left by a run that
Lambda ended (timeout, crash) expires when that run's time is up.
"""

import os

from app import handler as capture
from aws_lambda_powertools.utilities import idempotency

persistence = idempotency.DynamoDBPersistenceLayer(
    table_name=os.environ["IDEMPOTENCY_TABLE"])
config = idempotency.IdempotencyConfig(event_key_jmespath="idempotency_key",
                                       expires_after_seconds=3600)


@idempotency.idempotent(persistence_store=persistence, config=config)
def handler(event, context):
    return capture(event, context)
