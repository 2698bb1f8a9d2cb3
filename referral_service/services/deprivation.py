"""Loading the deployment's deprivation and PCN lookups, then deriving each patient's LSOA and IMD decile.

Patients already on file get theirs when the lookups load; a patient referred later is resolved
by the report summary's join on the same tables (and again at the next load), so intake needs
no extra step.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import TypeVar

from referral_service.persistence.uow import UnitOfWork
from referral_service.services.reports import refresh_report_data

T = TypeVar("T")
BATCH = 5000


def batches(rows: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def store_postcodes(uow: UnitOfWork, rows: list[tuple[str, str]]) -> None:
    uow.lookups.put_postcodes(rows)


def store_deciles(uow: UnitOfWork, rows: list[tuple[str, int]]) -> None:
    uow.lookups.put_deciles(rows)


def store_practice_pcns(uow: UnitOfWork, rows: list[tuple[str, str, str]]) -> None:
    uow.lookups.put_practice_pcns(rows)


def store_practice_list_sizes(uow: UnitOfWork, rows: list[tuple[str, int]]) -> None:
    uow.lookups.put_practice_list_sizes(rows)


def apply_deprivation(uow: UnitOfWork, *, now: datetime) -> int:
    """Give every patient the LSOA and decile of their postcode, and rebuild the reports' summary to match."""
    with_decile = uow.lookups.apply_to_patients()
    refresh_report_data(uow, now=now, full=True)
    return with_decile
