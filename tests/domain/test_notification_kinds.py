"""Every notification kind has an audience and words for people; every staff kind has its template."""

from __future__ import annotations

from referral_service.domain.notification_templates import STAFF_TEMPLATES
from referral_service.domain.notifications import AUDIENCE, KIND_WORDS, Audience, NotificationKind


def test_every_kind_has_an_audience_words_and_a_template() -> None:
    assert set(AUDIENCE) == set(NotificationKind) == set(KIND_WORDS)
    staff = {kind for kind, audience in AUDIENCE.items() if audience is Audience.STAFF_USER}
    assert staff <= set(STAFF_TEMPLATES)
