"""Expiry warnings: WARNING_DAYS before an accreditation's last day, its provider's team and the
commissioners are told (the portal list, and email unless they chose the digest). Each accreditation
is warned once per expiry date (the dedupe key names both), and not at all when a later one of the
same scheme already carries on from it. No patient data: an organisation, a scheme and a date."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from referral_service.domain.accreditation import warning_window
from referral_service.domain.notifications import NotificationKind
from referral_service.domain.wording import uk_date
from referral_service.persistence.models import Accreditation
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.notifications import queue_staff_notice


def warning_key(accreditation: Accreditation) -> str:
    return f"accreditation-expiry:{accreditation.id}:{accreditation.valid_until.isoformat()}"


def _carried_on(uow: UnitOfWork, accreditation: Accreditation) -> bool:
    """A later accreditation of the same scheme starts by the day after this one ends."""
    next_day = accreditation.valid_until + timedelta(days=1)
    return any(
        other.id != accreditation.id
        and other.scheme == accreditation.scheme
        and other.valid_until > accreditation.valid_until
        and (other.valid_from is None or other.valid_from <= next_day)
        for other in uow.accreditation.accreditations_of(accreditation.organisation_id)
    )


def warnings_due(uow: UnitOfWork, today: date) -> list[int]:
    """The accreditations ending in the next WARNING_DAYS days, not renewed, not yet warned of."""
    first, last = warning_window(today)
    return [
        accreditation.id
        for accreditation in uow.accreditation.ending_between(first, last)
        if not uow.accreditation.warned(warning_key(accreditation)) and not _carried_on(uow, accreditation)
    ]


def warn_of_expiry(uow: UnitOfWork, accreditation_id: int, *, now: datetime) -> int:
    """Queue the warning to each of the provider's users and each commissioner: how many people."""
    accreditation = uow.accreditation.accreditation(accreditation_id)
    if accreditation is None:
        return 0
    organisation = uow.accreditation.organisation(accreditation.organisation_id)
    values = {
        "organisation": organisation.name if organisation is not None else "A provider",
        "scheme": accreditation.scheme,
        "valid_until": uk_date(accreditation.valid_until),
    }
    key = warning_key(accreditation)
    told = 0
    for people, page in (
        (uow.notifications.team(accreditation.organisation_id), "/portal/accreditation"),  # where they upload
        (uow.notifications.commissioners(organisation.area_id if organisation else None), "/portal/accreditations"),
    ):
        for user in people:
            queue_staff_notice(
                uow,
                user,
                NotificationKind.ACCREDITATION_EXPIRY,
                {**values, "link": "{base_url}" + page},
                dedupe_key=f"{key}:{user.id}",
                now=now,
            )
            told += 1
    return told
