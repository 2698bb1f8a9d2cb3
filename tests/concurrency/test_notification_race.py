"""Two `jobs run-once` processes against one PostgreSQL and one (loopback) Notify: every queued
notification reaches Notify exactly once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from referral_service.domain.clock import utcnow
from referral_service.domain.notifications import NotificationState
from referral_service.persistence.models import Notification
from referral_service.services.notifications import queue_staff_email
from tests.fixtures.committed import Committed
from tests.fixtures.live import jobs_run_once
from tests.fixtures.notify import API_KEY, FakeNotify

pytestmark = pytest.mark.postgres

COUNT = 40


def test_two_scheduler_processes_send_each_notification_once(
    committed: Committed, tmp_path: Path, notify_server: FakeNotify, monkeypatch: pytest.MonkeyPatch
) -> None:
    with committed.uow() as uow:
        for n in range(COUNT):
            queue_staff_email(
                uow, to_address=f"staff{n}@example.org", subject="S", body="B", dedupe_key=f"race:{n}", now=utcnow()
            )
    monkeypatch.setenv("REFERRAL_SERVICE_NOTIFY_API_KEY", API_KEY)
    monkeypatch.setenv("REFERRAL_SERVICE_NOTIFY_BASE_URL", notify_server.url)
    monkeypatch.setenv("REFERRAL_SERVICE_NOTIFY_TEMPLATE_STAFF_EMAIL", "staff-email")
    processes = [jobs_run_once(committed.url, tmp_path / f"instance-{n}") for n in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert notify_server.refused == []
    sent = Counter(body["reference"] for body in notify_server.emails())
    assert len(sent) == COUNT and set(sent.values()) == {1}
    with committed.uow() as uow:
        states = set(uow.session.scalars(select(Notification.state)))
        assert states == {NotificationState.SENT}
