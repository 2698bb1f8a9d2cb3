"""Changes to a listing in words: what a proposal or an edit changes, for the people who approve it."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from enum import StrEnum


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


STATUS_WORDS = {
    ProposalStatus.PENDING: "Waiting for approval",
    ProposalStatus.APPROVED: "Approved",
    ProposalStatus.REJECTED: "Rejected",
}


def listed(items: Sequence[str]) -> str:
    """ "SK1, SK2 and SK3"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def set_change(label: str, before: Sequence[str], after: Sequence[str]) -> list[str]:
    """ "Catchment: adds SK9; removes SK1" — or nothing when the two hold the same."""
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    parts = ([f"adds {listed(added)}"] if added else []) + ([f"removes {listed(removed)}"] if removed else [])
    return [f"{label}: {'; '.join(parts)}"] if parts else []


def value_change(label: str, before: object, after: object) -> list[str]:
    """ "Description: changed" style sentences for free text; short values are quoted in full."""
    if before == after:
        return []
    if not before:
        return [f"{label}: added"]
    if not after:
        return [f"{label}: removed"]
    if isinstance(after, str) and len(after) <= 80 and isinstance(before, str) and len(before) <= 80:
        return [f"{label}: “{before}” becomes “{after}”"]
    return [f"{label}: changed"]


def lines_change(before: Sequence[str], after: Sequence[str]) -> tuple[list[str], list[str]]:
    """The lines only the old text has, and those only the new one has (a rule's words, line by line)."""
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(list(before), list(after)):
        if line.startswith("- "):
            removed.append(line[2:].strip())
        elif line.startswith("+ "):
            added.append(line[2:].strip())
    return removed, added


def yes_no(value: object) -> str:
    return "yes" if value else "no"


def flag_change(label: str, before: Mapping[str, object], after: Mapping[str, object], key: str) -> list[str]:
    if before.get(key) == after.get(key):
        return []
    return [f"{label}: {yes_no(before.get(key))} becomes {yes_no(after.get(key))}"]
