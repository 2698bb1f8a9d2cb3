"""Notification sending throughput: staff emails sent per second by the scheduler's tick, to a GOV.UK
Notify stand-in and to an SMTP server, both on loopback in processes of their own.

The notifications are queued through the service (`queue_staff_email`), then drained by
`jobs.notifications.send_notifications` exactly as the scheduler runs it: each one claimed in a
transaction, sent with none open, its attempt recorded in another.

Run: .venv/bin/python bench/notifications.py [--count 300] [--database-url postgresql+psycopg://…]
Prints one line per channel: `<channel>: N sent in S s, R messages/s`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package

from loopback import receiver

from referral_service.jobs.channels import Channels
from referral_service.jobs.notifications import send_notifications
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.notifications import queue_staff_email

NOTIFY_KEY = f"bench-{uuid.uuid4()}-{uuid.uuid4()}"


def queue(url: str, count: int, label: str) -> None:
    engine = make_engine(url)
    migrations.upgrade(engine)
    with UnitOfWork(make_session_factory(engine)) as uow:
        for n in range(count):
            queue_staff_email(
                uow,
                to_address=f"team{n}@provider.example.org",
                subject="A new referral is waiting",
                body="Sign in to {base_url}/portal to read it.",
                dedupe_key=f"bench:{label}:{n}",
                now=datetime.now(UTC),
            )
    engine.dispose()


def drain(url: str, channels: Channels, count: int) -> tuple[int, float]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    sent, started = 0, time.perf_counter()
    while sent < count:
        done, parked = send_notifications(factory, channels, now=lambda: datetime.now(UTC))
        if parked:
            raise SystemExit(f"{parked} notifications parked: the receiver refused them")
        if done == 0:
            break
        sent += done
    elapsed = time.perf_counter() - started
    engine.dispose()
    return sent, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="notifications per channel")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, receiver("http") as notify, receiver("smtp") as smtp:
        url = arguments.database_url or f"sqlite:///{folder}/notifications.sqlite3"
        channels = {
            "Notify": Channels(
                notify_api_key=NOTIFY_KEY, notify_base_url=notify, notify_templates={"STAFF_EMAIL": str(uuid.uuid4())}
            ),
            "SMTP": Channels(smtp_url=smtp),
        }
        for name, channel in channels.items():
            queue(url, arguments.count, name)
            sent, elapsed = drain(url, channel, arguments.count)
            print(f"{name}: {sent} sent in {elapsed:.2f} s, {sent / elapsed:.1f} messages/s", flush=True)
            if sent != arguments.count:
                raise SystemExit(1)


if __name__ == "__main__":
    main()
