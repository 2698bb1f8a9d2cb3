"""The commissioners' comparison: the same few counts grouped by referring practice and by provider,
with each practice's list size where the deployment has loaded one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from referral_service.domain.reporting.raw import GroupRow
from referral_service.persistence.models import Organisation, PracticeListSize, ReportJourney
from referral_service.persistence.read_models.sql import summed

J = ReportJourney
GROUP_COUNTS = ("attended", "completed")


def _groups(session: Session, key: Any, conditions: list[ColumnElement[bool]], *, list_sizes: bool) -> list[GroupRow]:
    label = func.coalesce(Organisation.name, "Not yet with a provider")
    columns: list[Any] = [key, label, Organisation.ods_code]
    query = select(
        *columns,
        *((PracticeListSize.list_size,) if list_sizes else ()),
        func.count().label("referred"),
        *(summed(getattr(J, name)).label(name) for name in GROUP_COUNTS),
        func.sum(J.sessions_attended).label("sessions_attended"),
        func.sum(J.sessions_missed).label("sessions_missed"),
    ).outerjoin(Organisation, Organisation.id == key)
    if list_sizes:
        query = query.outerjoin(PracticeListSize, PracticeListSize.practice_ods == Organisation.ods_code)
        columns.append(PracticeListSize.list_size)
    totals = {row[0]: row for row in session.execute(query.where(*conditions).group_by(*columns))}
    waits: dict[Any, dict[int, int]] = {}
    for group, days, n in session.execute(
        select(key, J.attendance_days, func.count())
        .where(*conditions, J.attendance_days.is_not(None))
        .group_by(key, J.attendance_days)
    ):
        waits.setdefault(group, {})[int(days)] = int(n)
    rows = []
    for group, row in totals.items():
        mapping = row._mapping
        rows.append(
            GroupRow(
                name=str(row[1]),
                code=row[2],
                list_size=int(mapping["list_size"]) if list_sizes and mapping["list_size"] is not None else None,
                counts={
                    name: int(mapping[name] or 0)
                    for name in ("referred", *GROUP_COUNTS, "sessions_attended", "sessions_missed")
                },
                attendance_days=waits.get(group, {}),
            )
        )
    return rows


def by_practice(session: Session, conditions: list[ColumnElement[bool]]) -> tuple[GroupRow, ...]:
    return tuple(_groups(session, J.practice_id, conditions, list_sizes=True))


def by_provider(session: Session, conditions: list[ColumnElement[bool]]) -> tuple[GroupRow, ...]:
    return tuple(_groups(session, J.provider_id, conditions, list_sizes=False))
