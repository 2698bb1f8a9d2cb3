"""The scheduler process (`flask --app wsgi jobs run`): APScheduler in its own process.

Its job store is memory (the schedule is code); durable state lives in our tables, and every item
is claimed in the database, so several scheduler processes may run safely side by side.
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler

from referral_service.jobs.tasks import Delivery, ticks
from referral_service.persistence.engine import SessionFactory

INTERVAL_SECONDS = {"expire-offers": 60, "promote-waiting-lists": 60, "deliver-outbox": 10}


def build_scheduler(session_factory: SessionFactory, delivery: Delivery) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    for name, tick in ticks(delivery).items():
        scheduler.add_job(
            tick,
            "interval",
            seconds=INTERVAL_SECONDS[name],
            args=[session_factory],
            id=name,
            max_instances=1,
            coalesce=True,
        )
    return scheduler
