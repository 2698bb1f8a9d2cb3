"""Settings from environment variables, read in one place, with defaults that are safe to run."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Self

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

NOTIFY_TEMPLATE_PREFIX = "REFERRAL_SERVICE_NOTIFY_TEMPLATE_"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# Words in the keys that examples and tests use (README, docs/deploy.md, Settings.for_tests).
DEMO_KEY_WORDS = ("not-for-production", "change-me", "changeme", "example", "demo")


class UnsafeSettings(RuntimeError):
    """Raised at start-up when the configuration would be unsafe to serve with."""


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in TRUE_WORDS


def _whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not re.fullmatch(r"[0-9]+", value):  # ASCII only: isdigit() is true of '²', which int() refuses
        raise UnsafeSettings(f"{name} must be a whole number, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class Settings:
    """Everything the service can be configured with. README.md documents each variable."""

    environment: str = "development"
    database_url: str = ""
    secret_key: str = ""
    instance_dir: Path = DEFAULT_INSTANCE_DIR
    demo: bool = False
    demo_allow_any_db: bool = False
    ods_code: str = "X99001"
    endpoint: str = "https://fhir.nhs.uk/Id/dos-service-id|900000001"
    demo_gp_callback_url: str | None = None
    argon2_profile: str = "standard"
    log_level: str = "INFO"
    log_format: str = ""  # "text" or "json"; unset: JSON in production, text elsewhere
    proxy_hops: int = 0  # trusted proxies in front (X-Forwarded-For/-Proto/-Host), see docs/deploy.md
    suppress_below: int = 8  # report counts from 1 to suppress_below - 1 are shown as "*"
    testing: bool = False
    public_url: str = "http://localhost:5000"  # where links in emails point (REFERRAL_SERVICE_PUBLIC_URL)
    smtp_url: str | None = None
    mail_from: str = "referrals@localhost"
    notify_api_key: str | None = None
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_templates: Mapping[str, str] = field(default_factory=dict)  # KIND[_CHANNEL] -> Notify template id
    evidence_max_bytes: int = 8 * 1024 * 1024  # accreditation evidence uploads (REFERRAL_SERVICE_EVIDENCE_MAX_BYTES)
    extra_flask_config: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        instance_dir = Path(env.get("REFERRAL_SERVICE_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
        return cls(
            environment=env.get("REFERRAL_SERVICE_ENV", "development").strip().lower(),
            database_url=env.get("DATABASE_URL", "").strip(),
            secret_key=env.get("REFERRAL_SERVICE_SECRET_KEY", "").strip(),
            instance_dir=instance_dir,
            demo=_flag(env, "REFERRAL_SERVICE_DEMO"),
            demo_allow_any_db=_flag(env, "REFERRAL_SERVICE_DEMO_ALLOW_ANY_DB"),
            ods_code=env.get("REFERRAL_SERVICE_ODS_CODE", "X99001").strip().upper(),
            endpoint=env.get("REFERRAL_SERVICE_ENDPOINT", cls.endpoint).strip(),
            demo_gp_callback_url=env.get("DEMO_GP_CALLBACK_URL") or None,
            log_level=env.get("REFERRAL_SERVICE_LOG_LEVEL", "INFO").strip().upper(),
            log_format=env.get("REFERRAL_SERVICE_LOG_FORMAT", "").strip().lower(),
            suppress_below=_whole_number(env, "REFERRAL_SERVICE_SUPPRESS_BELOW", 8),
            proxy_hops=_whole_number(env, "REFERRAL_SERVICE_PROXY_HOPS", 0),
            evidence_max_bytes=_whole_number(env, "REFERRAL_SERVICE_EVIDENCE_MAX_BYTES", 8 * 1024 * 1024),
            public_url=env.get("REFERRAL_SERVICE_PUBLIC_URL", cls.public_url).strip().rstrip("/"),
            smtp_url=env.get("REFERRAL_SERVICE_SMTP_URL", "").strip() or None,
            mail_from=env.get("REFERRAL_SERVICE_MAIL_FROM", "").strip() or cls.mail_from,
            notify_api_key=env.get("REFERRAL_SERVICE_NOTIFY_API_KEY", "").strip() or None,
            notify_base_url=env.get("REFERRAL_SERVICE_NOTIFY_BASE_URL", "").strip() or cls.notify_base_url,
            notify_templates={
                name.removeprefix(NOTIFY_TEMPLATE_PREFIX): value.strip()
                for name, value in env.items()
                if name.startswith(NOTIFY_TEMPLATE_PREFIX) and value.strip()
            },
        )

    @classmethod
    def for_tests(cls, database_url: str, **changes: Any) -> Self:
        base = cls(
            environment="test",
            database_url=database_url,
            secret_key="test-secret-key-not-for-production",  # noqa: S106
            argon2_profile="fast",
            testing=True,
        )
        return replace(base, **changes)

    @property
    def suppression_threshold(self) -> int:
        """The largest count the reports hide (REFERRAL_SERVICE_SUPPRESS_BELOW minus one)."""
        return self.suppress_below - 1

    @property
    def json_logs(self) -> bool:
        """JSON log lines (with the request id) when asked for, and by default in production."""
        return self.log_format == "json" or (self.log_format == "" and self.is_production)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in the instance folder (the embedded default)."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.instance_dir / 'referral_service.sqlite3'}"

    @property
    def uses_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def check(self) -> None:
        """Refuse to start with settings that would be unsafe; says exactly which and why."""
        problems: list[str] = []
        if self.environment not in {"development", "production", "test"}:
            problems.append(f"REFERRAL_SERVICE_ENV must be development, production or test, not {self.environment!r}")
        if self.is_production:
            if len(self.secret_key) < 32:
                problems.append("REFERRAL_SERVICE_SECRET_KEY must be set to 32 or more random characters")
            elif any(word in self.secret_key.lower() for word in DEMO_KEY_WORDS):
                problems.append("REFERRAL_SERVICE_SECRET_KEY is an example or test key: generate a random one")
            if self.demo:
                problems.append("REFERRAL_SERVICE_DEMO must not be on in production")
            if self.argon2_profile != "standard":
                problems.append("password hashing must use the standard cost in production")
        if self.log_format not in {"", "text", "json"}:
            problems.append(f"REFERRAL_SERVICE_LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.suppress_below < 1:
            problems.append("REFERRAL_SERVICE_SUPPRESS_BELOW must be 1 (no suppression) or more")
        if self.demo and not self.uses_sqlite and not self.demo_allow_any_db:
            problems.append(
                "demo mode seeds known passwords; it runs only on SQLite unless REFERRAL_SERVICE_DEMO_ALLOW_ANY_DB=1"
            )
        if problems:
            raise UnsafeSettings("; ".join(problems))

    def effective_secret_key(self) -> str:
        """The configured key, or (outside production) one generated once and kept in the instance folder.

        Keeping it on disk means a development restart does not log every portal user out.
        """
        if self.secret_key:
            return self.secret_key
        if self.is_production:
            raise UnsafeSettings("REFERRAL_SERVICE_SECRET_KEY is required in production")
        self.instance_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.instance_dir / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the URL spellings hosting platforms hand out and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
