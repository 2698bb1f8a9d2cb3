"""Deprivation lookups a deployment supplies: postcode to LSOA, LSOA to IMD decile."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from referral_service.persistence.base import Base


class PostcodeLsoa(Base):
    __tablename__ = "postcode_lsoa"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # upper case, no space
    lsoa_code: Mapped[str] = mapped_column(String(9), index=True)


class LsoaDeprivation(Base):
    __tablename__ = "lsoa_deprivation"
    __table_args__ = (CheckConstraint("imd_decile BETWEEN 1 AND 10", name="imd_decile_range"),)

    lsoa_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    imd_decile: Mapped[int]
