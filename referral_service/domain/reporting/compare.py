"""Practices and providers compared: referrals (per 1,000 registered patients where list sizes are
loaded), uptake, missed sessions, completion and the wait to a first session, suppressed as every
report table is."""

from __future__ import annotations

from collections.abc import Sequence

from referral_service.domain.reporting.definitions import Stage
from referral_service.domain.reporting.raw import GroupRow, RawFigures
from referral_service.domain.reporting.tables import (
    Column,
    FigureTable,
    Section,
    Value,
    merge_histograms,
    percentile,
    rate,
    suppress_column,
)
from referral_service.domain.suppression import SUPPRESSED, suppress_count

DEFINITIONS = (
    Stage(
        "per_1000", "Referrals per 1,000 patients", "referrals received for every 1,000 patients on the practice's list"
    ),
    Stage("uptake", "Uptake", "referrals whose patient attended a first session, as a % of referrals"),
    Stage("dna", "Missed sessions", "sessions missed (did not attend) as a % of sessions booked"),
    Stage("completion", "Completion", "programmes completed as a % of those who started"),
    Stage("wait", "Median wait", "median days from the referral being received to the first session attended"),
)


def _per_thousand(shown: int | str, list_size: int | None) -> Value:
    if list_size is None or list_size == 0:
        return None
    if shown == SUPPRESSED or not isinstance(shown, int):
        return SUPPRESSED
    return round(1000 * shown / list_size, 1)


def _line(
    name: str,
    shown_referred: int | str,
    counts: dict[str, int],
    days: dict[int, int],
    list_size: int | None,
    threshold: int,
    *,
    with_rate: bool,
) -> tuple[Value, ...]:
    attended = suppress_count(counts.get("attended", 0), threshold)
    completed = suppress_count(counts.get("completed", 0), threshold)
    missed = counts.get("sessions_missed", 0)
    booked = suppress_count(counts.get("sessions_attended", 0) + missed, threshold)
    waited = sum(days.values())
    wait: Value = SUPPRESSED if suppress_count(waited, threshold) == SUPPRESSED else percentile(days, 50)
    return (
        name,
        shown_referred,
        *((_per_thousand(shown_referred, list_size),) if with_rate else ()),
        rate(attended, shown_referred),
        rate(suppress_count(missed, threshold), booked),
        rate(completed, attended),
        wait,
    )


def _table(
    key: str, title: str, label: str, groups: Sequence[GroupRow], total: str, threshold: int, *, with_rate: bool
) -> FigureTable:
    names = sorted({group.name for group in groups})
    referred = {name: sum(g.counts.get("referred", 0) for g in groups if g.name == name) for name in names}
    shown, shown_total = suppress_column(referred, names, threshold)
    rows = []
    everyone: dict[str, int] = {}
    for group in groups:
        for measure, value in group.counts.items():
            everyone[measure] = everyone.get(measure, 0) + value
    for group in sorted(groups, key=lambda g: g.name):
        rows.append(
            _line(
                group.name,
                shown[group.name],
                dict(group.counts),
                dict(group.attendance_days),
                group.list_size,
                threshold,
                with_rate=with_rate,
            )
        )
    sizes = [g.list_size for g in groups]
    total_size = sum(s for s in sizes if s) if sizes and all(s for s in sizes) else None
    all_days = merge_histograms(g.attendance_days for g in groups)
    rows.append(_line(total, shown_total, everyone, all_days, total_size, threshold, with_rate=with_rate))
    columns = (
        Column("group", label),
        Column("referrals", "Referrals"),
        *((Column("per_1000", "Referrals per 1,000 patients"),) if with_rate else ()),
        Column("uptake_percent", "Uptake %"),
        Column("dna_percent", "Missed sessions %"),
        Column("completion_percent", "Completion %"),
        Column("wait_median", "Median days to first session"),
    )
    note = (
        ""
        if not with_rate or any(sizes)
        else "Rates per 1,000 patients appear once the practices' list sizes are loaded."
    )
    return FigureTable(key, title, columns, tuple(rows), note=note)


def compare_section(raw: RawFigures, threshold: int) -> Section:
    practices = _table(
        "compare-practices",
        "By referring practice",
        "Practice",
        raw.by_practice,
        "All practices",
        threshold,
        with_rate=True,
    )
    providers = _table(
        "compare-providers", "By provider", "Provider", raw.by_provider, "All providers", threshold, with_rate=False
    )
    return Section("compare", "Practices and providers compared", (practices, providers), DEFINITIONS)
