"""Dates typed into the NHS.UK date input (day, month and year in three boxes), read one way
everywhere, so "03/12" never turns into 12 March and each mistake is named in words."""

from __future__ import annotations

from datetime import date

PARTS = ("day", "month", "year")


def parse_date_parts(day: str, month: str, year: str, *, what: str = "The date") -> date:
    """The date, or ValueError with the sentence to show beside the field."""
    typed = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = [part for part in PARTS if not typed[part]]
    if missing:
        return _refuse(f"{what} must include a {' and a '.join(missing)}")
    if not all(value.isascii() and value.isdigit() for value in typed.values()):
        return _refuse(f"{what} must be written in numbers, for example 3 12 2026")
    if len(typed["year"]) != 4:
        return _refuse(f"{what} must have a year of four numbers, for example 2026")
    try:
        return date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
    except ValueError:
        return _refuse(f"{what} must be a real date")


def _refuse(message: str) -> date:
    raise ValueError(message)
