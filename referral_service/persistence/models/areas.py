"""The areas a deployment serves (domain.areas): practices, services, providers and commissioners point here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.persistence.base import Base
from referral_service.persistence.models._columns import created_at_column


class Area(Base):
    """One area, as the directory's `areas.yaml` names it; loading the directory creates and renames them."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()

    def __repr__(self) -> str:
        return f"<Area {self.slug}>"
