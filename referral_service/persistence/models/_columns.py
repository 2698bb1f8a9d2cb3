"""Column helpers shared by the models."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.domain.clock import utcnow


def new_public_id() -> str:
    return str(uuid.uuid4())


def public_id_column() -> Mapped[str]:
    """The id shown outside (FHIR ids, URLs): a UUID; integer keys stay internal."""
    return mapped_column(String(36), unique=True, default=new_public_id)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


def updated_at_column() -> Mapped[datetime]:
    return mapped_column(default=utcnow, onupdate=utcnow)
