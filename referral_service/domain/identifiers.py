"""Checks on the identifiers the NHS uses: SNOMED CT concept ids, ODS codes, postcode districts."""

from __future__ import annotations

import re

# Verhoeff dihedral-group tables, as the SNOMED CT Technical Implementation Guide specifies for
# the check digit that ends every SCTID.
_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)

SCTID_PATTERN = re.compile(r"^[1-9][0-9]{5,17}$")
ODS_CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,10}$")
POSTCODE_DISTRICT_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$")


def verhoeff_valid(digits: str) -> bool:
    check = 0
    for position, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(char)]]
    return check == 0


def sctid_problem(code: str) -> str | None:
    """Why a string is not a well-formed SNOMED CT concept id, or None when it is.

    Well-formed is all we can know without a terminology server: 6-18 digits, no leading zero,
    partition identifier 00 or 10 (a concept), and a valid Verhoeff check digit.
    """
    if not SCTID_PATTERN.match(code):
        return "a SNOMED CT id is 6 to 18 digits with no leading zero"
    if code[-3:-1] not in {"00", "10"}:
        return "the partition identifier does not name a concept"
    if not verhoeff_valid(code):
        return "the check digit is wrong"
    return None


def is_ods_code(value: str) -> bool:
    """ODS codes are short upper-case alphanumerics (practices A81001, trusts RYE); no fixed pattern."""
    return bool(ODS_CODE_PATTERN.match(value))


def is_postcode_district(value: str) -> bool:
    return bool(POSTCODE_DISTRICT_PATTERN.match(value))


def is_postcode(value: str) -> bool:
    return bool(POSTCODE_PATTERN.match(value.strip().upper()))


ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_whole_number(text: str) -> int | None:
    """`text` as a whole number when it is ASCII digits only, else None.

    `str.isdigit()` is true of '²', '①' and full-width digits, which `int()` then refuses or reads
    as another number: anything a person or system sends us as a number goes through here.
    """
    return int(text) if len(text) <= 18 and ASCII_DIGITS.fullmatch(text) else None


def is_ascii_digits(text: str) -> bool:
    """Only the digits 0-9 (an NHS number, a decile): never another script's digits."""
    return ASCII_DIGITS.fullmatch(text) is not None
