"""Settings from the environment: safe defaults, and a refusal to start when production is unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from referral_service.app import create_app
from referral_service.config import Settings, UnsafeSettings


def test_defaults_run_on_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"REFERRAL_SERVICE_INSTANCE_DIR": str(tmp_path)})
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'referral_service.sqlite3'}"
    assert settings.ods_code == "X99001"
    assert settings.endpoint == "https://fhir.nhs.uk/Id/dos-service-id|900000001"
    assert not settings.demo
    assert not settings.is_production
    settings.check()


def test_a_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings.from_env({"REFERRAL_SERVICE_INSTANCE_DIR": str(tmp_path)})
    first = settings.effective_secret_key()
    assert len(first) >= 32
    assert settings.effective_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    environ = {"REFERRAL_SERVICE_ENV": "production", "DATABASE_URL": "postgresql://db/referrals"}
    with pytest.raises(UnsafeSettings, match="REFERRAL_SERVICE_SECRET_KEY"):
        create_app(Settings.from_env(environ))


def test_production_with_a_secret_key_starts(tmp_path: Path) -> None:
    environ = {
        "REFERRAL_SERVICE_ENV": "production",
        "DATABASE_URL": "postgres://db/referrals",
        "REFERRAL_SERVICE_SECRET_KEY": "k" * 40,
        "REFERRAL_SERVICE_INSTANCE_DIR": str(tmp_path),
    }
    settings = Settings.from_env(environ)
    assert settings.resolved_database_url == "postgresql+psycopg://db/referrals"
    assert create_app(settings).config["SECRET_KEY"] == "k" * 40


def test_demo_mode_refuses_a_shared_database_unless_allowed() -> None:
    demo_on_postgres = {"REFERRAL_SERVICE_DEMO": "1", "DATABASE_URL": "postgresql+psycopg://db/x"}
    with pytest.raises(UnsafeSettings, match="demo mode"):
        Settings.from_env(demo_on_postgres).check()
    Settings.from_env({**demo_on_postgres, "REFERRAL_SERVICE_DEMO_ALLOW_ANY_DB": "1"}).check()


def test_demo_mode_never_runs_in_production() -> None:
    environ = {
        "REFERRAL_SERVICE_ENV": "production",
        "REFERRAL_SERVICE_DEMO": "1",
        "REFERRAL_SERVICE_SECRET_KEY": "k" * 40,
    }
    with pytest.raises(UnsafeSettings, match="must not be on in production"):
        Settings.from_env(environ).check()


@pytest.mark.parametrize("key", ["test-secret-key-not-for-production", "example-" + "k" * 40, "change-me-" + "k" * 30])
def test_production_refuses_an_example_or_test_secret_key(key: str) -> None:
    environ = {"REFERRAL_SERVICE_ENV": "production", "REFERRAL_SERVICE_SECRET_KEY": key}
    with pytest.raises(UnsafeSettings, match="example or test key"):
        Settings.from_env(environ).check()


def test_logs_are_json_in_production_or_when_asked_and_a_bad_format_refuses_to_start() -> None:
    production = {"REFERRAL_SERVICE_ENV": "production", "REFERRAL_SERVICE_SECRET_KEY": "k" * 40}
    assert Settings.from_env(production).json_logs
    assert not Settings.from_env({**production, "REFERRAL_SERVICE_LOG_FORMAT": "text"}).json_logs
    assert Settings.from_env({"REFERRAL_SERVICE_LOG_FORMAT": "json"}).json_logs
    assert not Settings.from_env({}).json_logs
    with pytest.raises(UnsafeSettings, match="REFERRAL_SERVICE_LOG_FORMAT"):
        Settings.from_env({"REFERRAL_SERVICE_LOG_FORMAT": "xml"}).check()


def test_behind_a_trusted_proxy_the_client_address_and_scheme_are_the_proxys_view(tmp_path: Path) -> None:
    from flask import request

    settings = Settings.for_tests("sqlite://", instance_dir=tmp_path, proxy_hops=1)
    app = create_app(settings)
    app.add_url_rule("/seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert app.test_client().get("/seen", headers=forwarded).get_data(as_text=True) == "203.0.113.7 https"
    untrusted = create_app(Settings.for_tests("sqlite://", instance_dir=tmp_path))
    untrusted.add_url_rule("/seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
    assert untrusted.test_client().get("/seen", headers=forwarded).get_data(as_text=True) == "127.0.0.1 http"
