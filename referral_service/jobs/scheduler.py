"""The scheduler process (`flask --app wsgi jobs run`): APScheduler in its own process.

Its job store is memory (the schedule is code); durable state lives in our tables, and every item
is claimed in the database, so several scheduler processes may run safely side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from apscheduler.schedulers.blocking import BlockingScheduler

from referral_service.jobs.tasks import Delivery, TickReport, ticks
from referral_service.persistence.availability import database_unavailable
from referral_service.persistence.engine import SessionFactory

log = logging.getLogger(__name__)
INTERVAL_SECONDS = {
    "expire-offers": 60,
    "promote-waiting-lists": 60,
    "remind-offers": 300,
    "remind-sessions": 300,
    "daily-digests": 3600,
    "warn-accreditation-expiry": 3600,
    "deliver-outbox": 10,
    "read-notify": 300,
    "send-notifications": 10,
    "refresh-reports": 60,
}


def carrying_on(
    name: str, tick: Callable[[SessionFactory], TickReport]
) -> Callable[[SessionFactory], TickReport | None]:
    """The tick, except that meeting the database away (a restart, a failover) is one warning line,
    not a traceback: what the tick had not finished is still due, and the next tick picks it up.
    Anything else is still raised for APScheduler to log; the process carries on either way."""

    def run(session_factory: SessionFactory) -> TickReport | None:
        try:
            return tick(session_factory)
        except Exception as error:
            if not database_unavailable(error):
                raise
            log.warning("%s: the database is unavailable (%s); the next tick tries again", name, type(error).__name__)
            return None

    return run


def build_scheduler(session_factory: SessionFactory, delivery: Delivery) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    for name, tick in ticks(delivery).items():
        scheduler.add_job(
            carrying_on(name, tick),
            "interval",
            seconds=INTERVAL_SECONDS[name],
            args=[session_factory],
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
        )
    return scheduler
