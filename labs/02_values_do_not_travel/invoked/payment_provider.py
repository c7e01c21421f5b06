"""A stand-in for a payment provider's API, in its test mode.

As in real providers' test modes, the card token chooses the behaviour: ``tok_visa``
answers at once, ``tok_slow_bank`` takes three seconds (a slow card issuer). Each
captured charge is recorded as one ``LEDGER`` line in the function's log: the
provider's record of money that moved.
"""

import json
import time
import uuid

ISSUER_SECONDS = {"tok_visa": 0.0, "tok_slow_bank": 3.0}


def authorize(card: str, amount_yen: int) -> str:
    """Hold ``amount_yen`` on the card; returns the authorization's id."""
    time.sleep(ISSUER_SECONDS.get(card, 0.0))
    return f"auth_{uuid.uuid4().hex}"


def capture(authorization: str, **charge: object) -> None:
    """Move the held money: the charge is recorded in the ledger."""
    print("LEDGER " + json.dumps(charge, separators=(",", ":")))


def void(authorization: str) -> None:
    """Release the hold: no money moves, nothing is recorded."""
