"""The scheduler process (`jobs run-once`, configured by environment only) sends an invitation over
SMTP to aiosmtpd on loopback, with its link on REFERRAL_SERVICE_PUBLIC_URL."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from referral_service.domain.access import Actor, UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.notifications import NotificationState
from referral_service.persistence import migrations
from referral_service.persistence.engine import make_engine, make_session_factory
from referral_service.persistence.models import AccountLink, Notification
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.account_links import send_invitation
from referral_service.services.passwords import password_hasher
from referral_service.services.user_admin import invite_user
from tests.fixtures.live import jobs_run_once
from tests.fixtures.smtp import Mailbox

PUBLIC = "https://referrals.example.nhs.uk"


def test_the_scheduler_emails_an_invitation_by_smtp_with_a_link_on_the_public_url(
    fresh_database_url: str, tmp_path: Path, smtp_server: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(fresh_database_url)
    try:
        migrations.upgrade(engine)
        factory = make_session_factory(engine)
        admin = Actor.portal_user(1, UserRole.ADMIN, None)
        with UnitOfWork(factory) as uow:
            user_id = invite_user(
                uow,
                email="new.starter@example.org",
                display_name="New Starter",
                role=UserRole.COMMISSIONER,
                provider_slug=None,
                hasher=password_hasher("fast"),
                actor=admin,
                now=utcnow(),
            )
            send_invitation(uow, user_id, actor=admin, now=utcnow())
        monkeypatch.setenv("REFERRAL_SERVICE_SMTP_URL", smtp_server.url)
        monkeypatch.setenv("REFERRAL_SERVICE_MAIL_FROM", "referrals@example.nhs.uk")
        monkeypatch.setenv("REFERRAL_SERVICE_PUBLIC_URL", PUBLIC)
        process = jobs_run_once(fresh_database_url, tmp_path / "jobs")
        output = process.communicate(timeout=120)[0]
        assert process.returncode == 0, output
        assert "new.starter@example.org" not in output  # recipients are never logged

        [mail] = smtp_server.messages
        assert mail["To"] == "new.starter@example.org"
        body = mail.get_payload(decode=True).decode()
        [token] = re.findall(re.escape(PUBLIC) + r"/account/set-password\?token=([\w-]+)", body)
        assert token not in output
        with UnitOfWork(factory) as uow:
            [link] = uow.session.scalars(select(AccountLink)).all()
            assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
            [notification] = uow.session.scalars(select(Notification)).all()
            assert notification.state is NotificationState.SENT
    finally:
        engine.dispose()
