"""Lookup files a deployment supplies (docs/reports.md): postcode -> LSOA, LSOA -> IMD decile, practice -> PCN.

Each reader yields clean rows and stops at the first bad line with its line number, so a wrong
file is refused before anything is written.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from referral_service.domain.identifiers import is_ascii_digits

LSOA = re.compile(r"^[EW]0[1-9]\d{6}$")
ODS = re.compile(r"^[A-Z0-9]{3,10}$")


class LookupFileError(ValueError):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path.name} line {line}: {message}")


def _column(path: Path, header: Sequence[str], names: Sequence[str], what: str) -> int:
    lowered = [cell.strip().lower() for cell in header]
    for name in names:
        if name.lower() in lowered:
            return lowered.index(name.lower())
    raise LookupFileError(path, 1, f"no {what} column (expected one of: {', '.join(names)})")


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if any(cell.strip() for cell in row):
                yield number, row


def compact_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()


def read_postcode_lsoas(path: Path) -> Iterator[tuple[str, str]]:
    """(postcode without spaces, LSOA code) from an ONS Postcode Directory-style CSV (`pcds`, `lsoa21cd`)."""
    rows = _rows(path)
    _, header = next(rows, (1, []))
    postcode_at = _column(path, header, ("pcds", "pcd", "postcode"), "postcode")
    lsoa_at = _column(path, header, ("lsoa21cd", "lsoa21", "lsoa11cd", "lsoa11", "lsoa"), "LSOA")
    for number, row in rows:
        postcode, lsoa = compact_postcode(row[postcode_at]), row[lsoa_at].strip().upper()
        if not 5 <= len(postcode) <= 7:
            raise LookupFileError(path, number, f"{row[postcode_at]!r} is not a postcode")
        if not lsoa:
            continue  # terminated or non-geographic postcodes carry no LSOA
        if not LSOA.match(lsoa):
            raise LookupFileError(path, number, f"{lsoa!r} is not an LSOA code")
        yield postcode, lsoa


def read_lsoa_deciles(path: Path) -> Iterator[tuple[str, int]]:
    """(LSOA code, IMD decile 1-10) from an English Indices of Deprivation-style CSV."""
    rows = _rows(path)
    _, header = next(rows, (1, []))
    lsoa_at = _column(path, header, ("LSOA code (2021)", "LSOA code (2011)", "lsoa code", "lsoa21cd", "lsoa"), "LSOA")
    decile_at = _column(
        path,
        header,
        ("Index of Multiple Deprivation (IMD) Decile", "IMD Decile", "imd_decile", "decile"),
        "IMD decile",
    )
    for number, row in rows:
        lsoa, decile = row[lsoa_at].strip().upper(), row[decile_at].strip()
        if not LSOA.match(lsoa):
            raise LookupFileError(path, number, f"{lsoa!r} is not an LSOA code")
        if not is_ascii_digits(decile) or not 1 <= int(decile) <= 10:
            raise LookupFileError(path, number, f"the IMD decile must be 1 to 10, not {decile!r}")
        yield lsoa, int(decile)


def read_practice_pcns(path: Path) -> Iterator[tuple[str, str, str]]:
    """(practice ODS code, PCN code, PCN name) from an ePCN-style CSV."""
    rows = _rows(path)
    _, header = next(rows, (1, []))
    practice_at = _column(path, header, ("Partner Organisation Code", "practice_ods", "practice"), "practice")
    code_at = _column(path, header, ("PCN Code", "pcn_code"), "PCN code")
    name_at = _column(path, header, ("PCN Name", "pcn_name"), "PCN name")
    for number, row in rows:
        practice, code = row[practice_at].strip().upper(), row[code_at].strip().upper()
        if not ODS.match(practice) or not ODS.match(code):
            raise LookupFileError(path, number, "practice and PCN codes must be ODS codes")
        yield practice, code, row[name_at].strip()


def read_practice_list_sizes(path: Path) -> Iterator[tuple[str, int]]:
    """(practice ODS code, registered patients) from NHS England's "Patients Registered at a GP
    Practice" CSV (`ORG_CODE`, `NUMBER_OF_PATIENTS`) or a two-column `practice_ods,list_size` file."""
    rows = _rows(path)
    _, header = next(rows, (1, []))
    practice_at = _column(path, header, ("ORG_CODE", "practice_ods", "practice"), "practice")
    size_at = _column(path, header, ("NUMBER_OF_PATIENTS", "list_size", "patients"), "list size")
    for number, row in rows:
        practice, size = row[practice_at].strip().upper(), row[size_at].strip()
        if not ODS.match(practice):
            raise LookupFileError(path, number, f"{row[practice_at]!r} is not a practice ODS code")
        if not is_ascii_digits(size):
            raise LookupFileError(path, number, f"the list size must be a whole number, not {size!r}")
        yield practice, int(size)
