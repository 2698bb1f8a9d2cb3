"""Clients, users and demo identities from the command line; secrets are shown once and kept hashed."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from referral_service.app import create_app
from referral_service.config import Settings
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.models import ApiClient, PortalUser
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.directory import DEMO_DIRECTORY


def test_client_secret_is_printed_once_and_stored_hashed(runner: FlaskCliRunner, uow: UnitOfWork) -> None:
    result = runner.invoke(
        args=["clients", "create", "emis-heaton", "--name", "EMIS at Heaton", "--practice", "p88002"]
    )
    assert result.exit_code == 0, result.output
    secret = next(line.split("=", 1)[1] for line in result.output.splitlines() if line.startswith("client_secret="))
    with uow:
        client = uow.access.api_client("emis-heaton")
        assert client is not None
        assert secret not in client.secret_hash
        assert client.secret_hash.startswith("$argon2")
        assert [p.ods_code for p in client.practices] == ["P88002"]
        referrer = uow.directory.organisation_by_ods_code("P88002")
        assert referrer is not None
        assert referrer.kind == "referrer"

    again = runner.invoke(args=["clients", "create", "emis-heaton", "--name", "x", "--practice", "P88002"])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_a_client_is_for_practices_or_for_a_provider(runner: FlaskCliRunner) -> None:
    neither = runner.invoke(args=["clients", "create", "orphan", "--name", "x"])
    assert neither.exit_code == 1
    assert "either the practices" in neither.output
    unknown = runner.invoke(args=["clients", "create", "gym", "--name", "x", "--provider", "no-such-gym"])
    assert unknown.exit_code == 1
    assert "no provider 'no-such-gym'" in unknown.output


def test_provider_users_belong_to_a_provider(runner: FlaskCliRunner, uow: UnitOfWork) -> None:
    runner.invoke(args=["providers", "load", str(DEMO_DIRECTORY)])
    base = ["users", "create", "desk@example.org", "--name", "Front Desk", "--password", "a-long-password-1"]

    assert runner.invoke(args=[*base, "--role", "provider"]).exit_code == 1  # no provider given
    result = runner.invoke(args=[*base, "--role", "provider", "--provider", "goyt-valley-active"])

    assert result.exit_code == 0, result.output
    with uow:
        user = uow.access.portal_user_by_email("DESK@example.org")
        assert user is not None
        assert user.password_hash.startswith("$argon2")
        assert "a-long-password-1" not in user.password_hash
    short = runner.invoke(
        args=["users", "create", "x@example.org", "--name", "X", "--role", "admin", "--password", "short"]
    )
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output


def test_demo_seed_needs_demo_mode(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 1
    assert "REFERRAL_SERVICE_DEMO=1" in result.output


def test_demo_seed_creates_the_contract_identities_and_is_idempotent(
    settings: Settings, session_factory: SessionFactory, uow: UnitOfWork
) -> None:
    app: Flask = create_app(replace(settings, demo=True, demo_allow_any_db=True), session_factory=session_factory)
    runner = app.test_cli_runner()
    runner.invoke(args=["providers", "load", str(DEMO_DIRECTORY)])

    first = runner.invoke(args=["demo", "seed"])
    second = runner.invoke(args=["demo", "seed"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert first.output.count("(created)") == 6
    assert second.output.count("(already there)") == 6
    with uow:
        users = {u.email: u for u in uow.session.scalars(select(PortalUser))}
        assert set(users) == {
            "provider@example.org",
            "linkworker@example.org",
            "commissioner@example.org",
            "admin@example.org",
            "south.commissioner@example.org",  # a commissioner of one area (providers/demo/areas.yaml)
        }
        south = uow.areas.by_slug("stockport-south")
        assert south is not None
        assert users["south.commissioner@example.org"].area_id == south.id
        assert users["commissioner@example.org"].area_id is None  # the contract's commissioner sees every area
        provider_org = uow.directory.organisation_by_slug("mersey-vale-leisure")
        assert provider_org is not None
        assert users["provider@example.org"].organisation_id == provider_org.id
        [client] = uow.session.scalars(select(ApiClient)).all()
        assert client.client_id == "demo-gp"
        assert [p.ods_code for p in client.practices] == ["P88001"]
