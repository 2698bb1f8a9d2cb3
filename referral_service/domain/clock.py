"""The one clock: every "now" in the service is an aware UTC datetime from here.

Use cases take `now` as an argument so tests can fix it; only the edges (requests, commands,
jobs, column defaults) ask this function.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

UK_TIME = ZoneInfo("Europe/London")  # the portal's, the pages' and the patients' time of day


def utcnow() -> datetime:
    return datetime.now(UTC)
