"""Signing a webhook's body, and checking a signature as a receiver should (`HOW_TO_VERIFY`, the
one explanation the command line's help and the Webhooks page show).

The timestamp is inside the signed text, so a recorded request cannot be replayed later with a
new time; a receiver refuses a timestamp older (or newer) than its tolerance, then compares the
HMAC in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

SIGNATURE_HEADER = "Batch-Unlock-Signature"
EVENT_HEADER = "Batch-Unlock-Event"
DELIVERY_HEADER = "Batch-Unlock-Delivery"
# How old (in seconds) a signature's timestamp may be when a receiver checks it.
TOLERANCE_S = 300


# For receivers: what each post carries and how to check it (shown by `webhook --help` and the
# Webhooks page; Markdown code spans read as plain text in a terminal).
HOW_TO_VERIFY = (
    f"Each post carries `{SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256>`, "
    f"`{EVENT_HEADER}` and `{DELIVERY_HEADER}` (the same id on every retry of one delivery: "
    "drop repeats by it). To check a post, take `t` and every `v1` from the header, refuse a `t` "
    f"more than {TOLERANCE_S} seconds from now, compute the HMAC-SHA256 of `t` + `.` + the raw "
    "body keyed with the webhook's secret, and compare its hex digest with each `v1` in constant "
    "time. In Python: `core.webhooks.signing.verify(secret, header, raw_body)`."
)

_SECONDS = re.compile(r"[0-9]{1,12}")


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """Return the hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """Return the `Batch-Unlock-Signature` value for a body sent now (or at `timestamp`)."""
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},v1={signature(secret, body, moment)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    tolerance: int = TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Tell whether `header` signs `body` with `secret` within `tolerance` seconds of now."""
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and _SECONDS.fullmatch(value):  # ASCII digits only: int() takes "²" too
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
