"""The areas a deployment serves, and which practices are in each."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from referral_service.domain.directory import OrganisationKind
from referral_service.persistence.models import Area, Organisation


class AreaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> Sequence[Area]:
        return self.session.scalars(select(Area).order_by(Area.name)).all()

    def by_slug(self, slug: str) -> Area | None:
        return self.session.scalar(select(Area).where(Area.slug == slug))

    def by_id(self, area_id: int | None) -> Area | None:
        return None if area_id is None else self.session.get(Area, area_id)

    def add(self, area: Area) -> None:
        self.session.add(area)
        self.session.flush()

    def practice_codes(self, area_id: int) -> list[str]:
        """The ODS codes of the practices in the area, in order."""
        practice = Organisation.kind == OrganisationKind.REFERRER
        codes = self.session.scalars(
            select(Organisation.ods_code)
            .where(practice, Organisation.area_id == area_id)
            .order_by(Organisation.ods_code)
        )
        return [code for code in codes if code]

    def place_practices(self, area_id: int, ods_codes: Collection[str]) -> None:
        """Put these practices in the area, and take out any other practice it had."""
        practice = Organisation.kind == OrganisationKind.REFERRER
        codes = sorted(ods_codes)
        self.session.execute(
            update(Organisation)
            .where(practice, Organisation.ods_code.in_(codes), Organisation.area_id.is_distinct_from(area_id))
            .values(area_id=area_id)
            .execution_options(synchronize_session="fetch")
        )
        self.session.execute(
            update(Organisation)
            .where(practice, Organisation.area_id == area_id, Organisation.ods_code.not_in(codes))
            .values(area_id=None)
            .execution_options(synchronize_session="fetch")
        )
