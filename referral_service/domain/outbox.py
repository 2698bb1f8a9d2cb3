"""States of a message on its way back to a referrer."""

from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"  # the receiver answered 2xx, or 409 duplicate
    PARKED = "parked"  # retries exhausted or refused for good: a person must look
    RESOLVED = "resolved"  # a person closed a parked message, with a reason
