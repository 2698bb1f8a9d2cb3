"""What every view, CLI command and job reaches through the app: settings and units of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine

from referral_service.config import Settings
from referral_service.persistence.engine import SessionFactory
from referral_service.persistence.uow import UnitOfWork
from referral_service.services.passwords import password_hasher

EXTENSION_KEY = "referral_service"


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    session_factory: SessionFactory
    engine: Engine | None = None  # absent when a test hands the app a session factory of its own

    def require_engine(self) -> Engine:
        if self.engine is None:
            self_bind = self.session_factory.kw.get("bind")
            if isinstance(self_bind, Engine):
                return self_bind
            raise RuntimeError("this app was given a session factory without an engine")
        return self.engine

    def unit_of_work(self, on_enter: Callable[[UnitOfWork], None] | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, on_enter=on_enter)

    @property
    def hasher(self) -> PasswordHasher:
        return password_hasher(self.settings.argon2_profile)


def install(app: Flask, context: ServiceContext) -> None:
    app.extensions[EXTENSION_KEY] = context


def service_context() -> ServiceContext:
    context: ServiceContext = current_app.extensions[EXTENSION_KEY]
    return context


PENDING_KEY = "first_unit_of_work"


def unit_of_work() -> UnitOfWork:
    """A new unit of work for the current request or command; use it in a `with` block. The
    request's first one also runs what `at_first_unit_of_work` left for it (its authentication)."""
    pending = g.pop(PENDING_KEY, None) if has_request_context() else None
    return service_context().unit_of_work(on_enter=pending)


def at_first_unit_of_work(work: Callable[[UnitOfWork], None]) -> None:
    """Run `work` at the start of this request's first unit of work, in its transaction."""
    setattr(g, PENDING_KEY, work)


def first_unit_of_work_pending() -> bool:
    return PENDING_KEY in g
