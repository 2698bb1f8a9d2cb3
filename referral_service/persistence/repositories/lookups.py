"""Writing the deployment's lookup tables in batches (insert or replace), and applying them to patients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from referral_service.persistence.models import LsoaDeprivation, Patient, PostcodeLsoa, PracticeListSize, PracticePcn


class LookupRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _upsert(self, table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table)
        replace = {column.name: statement.excluded[column.name] for column in table.columns if column.name != key}
        self.session.execute(statement.on_conflict_do_update(index_elements=[key], set_=replace), list(rows))

    def put_postcodes(self, rows: Sequence[tuple[str, str]]) -> None:
        data = [{"postcode": postcode, "lsoa_code": lsoa} for postcode, lsoa in dict(rows).items()]
        self._upsert(PostcodeLsoa.__table__, "postcode", data)  # type: ignore[arg-type]

    def put_deciles(self, rows: Sequence[tuple[str, int]]) -> None:
        data = [{"lsoa_code": lsoa, "imd_decile": decile} for lsoa, decile in dict(rows).items()]
        self._upsert(LsoaDeprivation.__table__, "lsoa_code", data)  # type: ignore[arg-type]

    def put_practice_pcns(self, rows: Sequence[tuple[str, str, str]]) -> None:
        data = {
            practice: {"practice_ods": practice, "pcn_code": code, "pcn_name": name} for practice, code, name in rows
        }
        self._upsert(PracticePcn.__table__, "practice_ods", list(data.values()))  # type: ignore[arg-type]

    def put_practice_list_sizes(self, rows: Sequence[tuple[str, int]]) -> None:
        data = [{"practice_ods": practice, "list_size": size} for practice, size in dict(rows).items()]
        self._upsert(PracticeListSize.__table__, "practice_ods", data)  # type: ignore[arg-type]

    def apply_to_patients(self) -> int:
        """Fill every patient's LSOA and IMD decile from the lookups (set-wise); returns patients with a decile."""
        compact = func.replace(func.upper(Patient.postcode), " ", "")
        lsoa = select(PostcodeLsoa.lsoa_code).where(PostcodeLsoa.postcode == compact).scalar_subquery()
        self.session.execute(update(Patient).where(Patient.postcode.is_not(None)).values(lsoa_code=lsoa))
        decile = (
            select(LsoaDeprivation.imd_decile).where(LsoaDeprivation.lsoa_code == Patient.lsoa_code).scalar_subquery()
        )
        self.session.execute(update(Patient).values(imd_decile=decile))
        return int(self.session.scalar(select(func.count()).where(Patient.imd_decile.is_not(None))) or 0)
