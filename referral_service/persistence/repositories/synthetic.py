"""What the synthetic-history generator reads and writes: the catalogue it draws from, and bulk rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from referral_service.persistence.base import Base
from referral_service.persistence.bulk import analyse_tables, insert_rows
from referral_service.persistence.models import (
    CapacityPool,
    LsoaDeprivation,
    PostcodeLsoa,
    Referral,
    Service,
)


class SyntheticRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def first_pools(self) -> dict[int, int]:
        """Each service's first capacity pool, by service id."""
        query = select(CapacityPool.service_id, func.min(CapacityPool.id)).group_by(CapacityPool.service_id)
        return {service: pool for service, pool in self.session.execute(query)}  # noqa: C416

    def listed_services(self) -> Sequence[Service]:
        return self.session.scalars(select(Service).where(Service.is_listed)).all()

    def postcodes_with_deciles(self) -> list[tuple[str, int | None]]:
        rows = self.session.execute(
            select(PostcodeLsoa.postcode, LsoaDeprivation.imd_decile).outerjoin(
                LsoaDeprivation, LsoaDeprivation.lsoa_code == PostcodeLsoa.lsoa_code
            )
        )
        return [(code, decile) for code, decile in rows]

    def next_ids(self, models: Mapping[str, type[Base]]) -> dict[str, int]:
        """The first free id of each table (the generator writes ids itself, in bulk)."""
        return {
            name: int(self.session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1  # type: ignore[attr-defined]
            for name, model in models.items()
        }

    def insert(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
        insert_rows(self.session, model.__table__, rows)  # type: ignore[arg-type]

    def after_bulk_load(self, tables: Sequence[str]) -> None:
        """Move PostgreSQL's id sequences past the ids written, and refresh the planner's statistics
        (after a bulk load they describe empty tables, and plans go wrong)."""
        self.session.flush()
        if self.session.get_bind().dialect.name == "postgresql":
            for table in tables:
                # table names come from the generator's own list, never from input
                top = f"SELECT COALESCE(MAX(id), 1) FROM {table}"  # noqa: S608
                self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), ({top}))"))
        analyse_tables(self.session)

    def analyse(self) -> None:
        analyse_tables(self.session)

    def referral_count(self) -> int:
        return int(self.session.scalar(select(func.count(Referral.id))) or 0)
