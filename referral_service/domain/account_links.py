"""Emailed account links: an invitation to set a first password, and a reset of a forgotten one.

Each link is single-use and expires; a newer link of the same purpose replaces the older one.
An invitation waits longer (people start jobs on Mondays) than a reset, which the person asked
for a moment ago.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class LinkPurpose(StrEnum):
    INVITATION = "invitation"
    RESET = "password-reset"


LIFETIME = {
    LinkPurpose.INVITATION: timedelta(hours=72),
    LinkPurpose.RESET: timedelta(hours=1),
}
