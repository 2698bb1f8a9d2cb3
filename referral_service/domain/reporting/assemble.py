"""Raw aggregates in, a suppressed report out: the only way report figures leave the domain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from referral_service.domain.outcomes import IMPROVEMENTS
from referral_service.domain.reporting.compare import compare_section
from referral_service.domain.reporting.definitions import (
    DIMENSIONS,
    FUNNEL,
    FUNNEL_ALSO,
    OUTCOME_MEASURES,
    PERCENTILES,
    ROUTING,
    WAITS,
    Dimension,
    ReportFilter,
    pathway_label,
)
from referral_service.domain.reporting.performance import months_between
from referral_service.domain.reporting.raw import RawFigures
from referral_service.domain.reporting.reminders import reminder_effect_table
from referral_service.domain.reporting.sources import by_source_table
from referral_service.domain.reporting.sums import by_dimension, sums_by
from referral_service.domain.reporting.tables import (
    Column,
    FigureTable,
    Report,
    Section,
    Value,
    merge_histograms,
    percentile,
    rate,
    shown_mean,
    suppress_column,
    suppress_pair,
)
from referral_service.domain.suppression import SUPPRESSED, suppress_count, suppress_table

ALL = "All"


def build_report(raw: RawFigures, report_filter: ReportFilter, *, threshold: int, generated_at: datetime) -> Report:
    """Every section of the commissioner report, suppressed at `threshold` (counts 1..threshold shown as '*')."""
    totals = {**sums_by(raw.cube, lambda row: ALL)[ALL], "outcome_returned": raw.outcome_returned}
    sections = (
        _funnel(totals, raw, threshold),
        _waits(raw, threshold, months_between(report_filter.start, report_filter.end)),
        _outcomes(totals, threshold),
        _equity(raw, threshold),
        _gaps(raw, threshold),
        _quality(totals, raw, threshold),
        compare_section(raw, threshold),
    )
    return Report(report_filter, threshold, generated_at, sections)


def _count(totals: Mapping[str, float], key: str) -> int:
    return int(totals.get(key, 0))


def _funnel(totals: Mapping[str, float], raw: RawFigures, threshold: int) -> Section:
    shown: dict[str, int | str] = {stage.key: suppress_count(_count(totals, stage.key), threshold) for stage in FUNNEL}
    shown.update({stage.key: suppress_count(_count(totals, stage.key), threshold) for stage in FUNNEL_ALSO})
    routing, _ = suppress_column({key: _count(totals, key) for key in ROUTING}, ROUTING, threshold)
    shown.update(routing)
    shown_referred = shown["referred"]
    uptake = FigureTable(
        "uptake",
        "Uptake funnel",
        (Column("stage", "Stage"), Column("referrals", "Referrals"), Column("percent", "% of referred")),
        tuple(
            (stage.label, shown[stage.key], rate(shown[stage.key], shown_referred)) for stage in (*FUNNEL, *FUNNEL_ALSO)
        ),
        note="Every stage counts referrals received in the period; definitions below.",
    )
    attended, missed = _count(totals, "sessions_attended"), _count(totals, "sessions_missed")
    shown_attended, shown_missed = suppress_count(attended, threshold), suppress_count(missed, threshold)
    booked = suppress_count(attended + missed, threshold)
    sessions = FigureTable(
        "sessions",
        "Sessions and did-not-attend rate",
        (Column("measure", "Measure"), Column("value", "Value")),
        (
            ("Sessions booked", booked),
            ("Sessions attended", shown_attended),
            ("Sessions missed (did not attend)", shown_missed),
            ("DNA rate % (missed / booked)", rate(shown_missed, booked)),
        ),
    )
    reasons = sorted(raw.declines)
    declined, total = suppress_column(raw.declines, reasons, threshold)
    declines = FigureTable(
        "declines",
        "Referrals declined by a provider, by reason",
        (Column("reason", "Reason"), Column("declines", "Referrals")),
        (*((reason, declined[reason]) for reason in reasons), ("All reasons", total)),
        note="Each referral counts once, under the reason its first decline gave.",
    )
    reminders = reminder_effect_table(raw, threshold)
    tables = (uptake, by_source_table(raw, threshold), sessions, reminders, declines)
    return Section("funnel", "Uptake", tables, (*FUNNEL, *FUNNEL_ALSO))


def _stats(histogram: Mapping[int, int], threshold: int) -> tuple[Value, ...]:
    n = sum(histogram.values())
    shown_n = suppress_count(n, threshold)
    if shown_n == SUPPRESSED:
        return (shown_n, *([SUPPRESSED] * len(PERCENTILES)))
    return (shown_n, *(percentile(histogram, p) for p in PERCENTILES))


def _waits(raw: RawFigures, threshold: int, period: list[str]) -> Section:
    overall: dict[str, dict[int, int]] = {}
    monthly: dict[str, dict[str, dict[int, int]]] = {}
    for wait in WAITS:
        by_month: dict[str, dict[int, int]] = defaultdict(dict)
        for (month, days), n in raw.waits.get(wait.key, {}).items():
            by_month[month][days] = by_month[month].get(days, 0) + n
        monthly[wait.key] = by_month
        overall[wait.key] = merge_histograms(by_month.values())
    percentile_columns = tuple(
        Column(f"p{p}", "Median days" if p == 50 else f"{p}th percentile days") for p in PERCENTILES
    )
    summary = FigureTable(
        "waits",
        "Waits",
        (Column("wait", "Wait"), Column("referrals", "Referrals"), *percentile_columns),
        tuple((wait.label, *_stats(overall[wait.key], threshold)) for wait in WAITS),
    )
    months = sorted({*period, *(month for by_month in monthly.values() for month in by_month)})  # empty ones too
    over_time = FigureTable(
        "waits-by-month",
        "Waits by month of referral (median days)",
        (
            Column("month", "Month referred"),
            *(
                column
                for wait in WAITS
                for column in (
                    Column(f"{wait.key}_n", f"{wait.label}: referrals"),
                    Column(wait.key, f"{wait.label}: median"),
                )
            ),
        ),
        tuple(
            (month, *(value for wait in WAITS for value in _stats(monthly[wait.key].get(month, {}), threshold)[:2]))
            for month in months
        ),
    )
    by_service: dict[str, dict[int, int]] = defaultdict(dict)
    for (service, days), n in raw.waiting.items():
        by_service[service][days] = by_service[service].get(days, 0) + n
    services = sorted(by_service)
    counts, total = suppress_column({s: sum(h.values()) for s, h in by_service.items()}, services, threshold)
    everyone = merge_histograms(by_service.values())

    def line(name: str, shown: int | str, histogram: Mapping[int, int]) -> tuple[Value, ...]:
        stats = (
            (SUPPRESSED, SUPPRESSED) if shown == SUPPRESSED else tuple(percentile(histogram, p) for p in PERCENTILES)
        )
        return (name, shown, *stats)

    waiting = FigureTable(
        "waiting-list",
        "Waiting lists now",
        (Column("service", "Service"), Column("waiting", "Waiting"), *percentile_columns),
        (*(line(s, counts[s], by_service[s]) for s in services), line("All services", total, everyone)),
        note="Referrals on a waiting list today, and how many days they have waited so far.",
    )
    return Section("waits", "Waits", (summary, over_time, waiting), WAITS)


def _outcomes(totals: Mapping[str, float], threshold: int) -> Section:
    rows: list[tuple[Value, ...]] = []
    for measure in OUTCOME_MEASURES:
        n = _count(totals, f"{measure.column}_n")
        improved = _count(totals, f"{measure.column}_improved")
        shown_n = suppress_count(n, threshold)
        shown_improved, _ = suppress_pair(improved, n - improved, threshold)
        start, end = totals.get(f"{measure.column}_start", 0.0), totals.get(f"{measure.column}_end", 0.0)
        mean_start, mean_end = shown_mean(start, n, shown_n), shown_mean(end, n, shown_n)
        change = shown_mean(end - start, n, shown_n)
        improvement = IMPROVEMENTS[measure.key]
        rows.append(
            (
                measure.label,
                shown_n,
                mean_start,
                mean_end,
                change,
                rate(shown_improved, shown_n),
                f"{'a fall' if improvement.lower_is_better else 'a rise'} of {improvement.threshold:g} or more",
                improvement.source,
            )
        )
    table = FigureTable(
        "outcomes",
        "Outcomes: start to end of programme",
        (
            Column("measure", "Measure"),
            Column("people", "People measured at start and end"),
            Column("mean_start", "Mean at start"),
            Column("mean_end", "Mean at end"),
            Column("mean_change", "Mean change"),
            Column("improved_percent", "% with a meaningful improvement"),
            Column("threshold", "Meaningful improvement"),
            Column("source", "Threshold source"),
        ),
        tuple(rows),
        note="Only people with both a start and an end measure count. SWEMWBS uses Rasch-converted scores.",
    )
    return Section("outcomes", "Outcomes", (table,))


EQUITY_COUNTS = ("referred", "offered", "attended", "completed", "sessions_attended", "sessions_missed")


def _equity_table(raw: RawFigures, dimension: Dimension, threshold: int) -> FigureTable:
    grouped = by_dimension(raw, dimension)
    values = dimension.values
    shown: dict[str, dict[str, int | str]] = {}
    for measure in EQUITY_COUNTS:
        shown[measure], _ = suppress_column(
            {value: int(grouped.get(value, {}).get(measure, 0)) for value in values}, values, threshold
        )
    improved = {
        (value, kind): int(grouped.get(value, {}).get(f"swemwbs_{kind}", 0))
        for value in values
        for kind in ("improved", "n")
    }
    pairs = suppress_table(
        {
            **{(value, "improved"): improved[(value, "improved")] for value in values},
            **{(value, "not"): improved[(value, "n")] - improved[(value, "improved")] for value in values},
        },
        values,
        ("improved", "not"),
        threshold,
    )
    total_referred = suppress_count(sum(int(grouped.get(v, {}).get("referred", 0)) for v in values), threshold)
    rows = []
    for value in values:
        s = {measure: shown[measure][value] for measure in EQUITY_COUNTS}
        booked = (
            SUPPRESSED
            if SUPPRESSED in (s["sessions_attended"], s["sessions_missed"])
            else int(s["sessions_attended"]) + int(s["sessions_missed"])
        )
        n_swemwbs = improved[(value, "n")]
        shown_n_swemwbs: int | str = SUPPRESSED if pairs.row_totals[value] == SUPPRESSED else n_swemwbs
        rows.append(
            (
                value,
                s["referred"],
                rate(s["referred"], total_referred),
                s["offered"],
                rate(s["offered"], s["referred"]),
                s["attended"],
                rate(s["attended"], s["referred"]),
                s["completed"],
                rate(s["completed"], s["attended"]),
                rate(s["sessions_missed"], booked),
                rate(pairs.cells[(value, "improved")], shown_n_swemwbs),
            )
        )
    return FigureTable(
        f"equity-{dimension.key.replace('_', '-')}",
        f"By {dimension.label if dimension.label[:3].isupper() else dimension.label.lower()}",  # IMD stays capitals
        (
            Column("group", dimension.label),
            Column("referred", "Referred"),
            Column("population_percent", "% of referred population"),
            Column("offered", "Offered"),
            Column("offered_percent", "% offered"),
            Column("attended", "Started (first attendance)"),
            Column("uptake_percent", "Uptake % (of referred)"),
            Column("completed", "Completed"),
            Column("completion_percent", "Completion % (of starters)"),
            Column("dna_percent", "DNA rate % (missed / booked sessions)"),
            Column("swemwbs_improved_percent", "SWEMWBS meaningful improvement %"),
        ),
        tuple(rows),
    )


def _equity(raw: RawFigures, threshold: int) -> Section:
    return Section("equity", "Equity", tuple(_equity_table(raw, dimension, threshold) for dimension in DIMENSIONS))


def _one_way(key: str, title: str, label: str, counts: Mapping[str, int], threshold: int) -> FigureTable:
    rows = sorted(counts, key=lambda row: (-counts[row], row))
    shown, total = suppress_column(counts, rows, threshold)
    return FigureTable(
        key,
        title,
        (Column("group", label), Column("referrals", "Referrals")),
        (*((row, shown[row]) for row in rows), ("All", total)),
    )


def _gaps(raw: RawFigures, threshold: int) -> Section:
    def tally(key: Callable[[str, str | None, str | None], str]) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for row in raw.unmet:
            counts[key(row.reason, row.pathway, row.district)] += row.n
        return dict(counts)

    by_reason = _one_way("gaps-by-reason", "Unmet demand by reason", "Reason", tally(lambda r, p, d: r), threshold)
    by_pathway = _one_way(
        "gaps-by-pathway", "Unmet demand by pathway", "Pathway", tally(lambda r, p, d: pathway_label(p)), threshold
    )
    by_area = _one_way(
        "gaps-by-area",
        "Unmet demand by area (postcode district)",
        "Area",
        tally(lambda r, p, d: d or "unknown"),
        threshold,
    )
    months = sorted({row.month for row in raw.unmet})
    reasons = sorted({row.reason for row in raw.unmet})
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for row in raw.unmet:
        cells[(row.month, row.reason)] += row.n
    table = suppress_table(cells, months, reasons, threshold)
    by_month = FigureTable(
        "gaps-by-month",
        "Unmet demand by month",
        (Column("month", "Month"), *(Column(reason, reason) for reason in reasons), Column("all", "All reasons")),
        (
            *((month, *(table.cells[(month, r)] for r in reasons), table.row_totals[month]) for month in months),
            ("All months", *(table.column_totals[r] for r in reasons), table.total),
        ),
    )
    return Section(
        "gaps",
        "Gaps in provision",
        tuple(replace(table, note=GAP_NOTE) for table in (by_reason, by_pathway, by_area, by_month)),
    )


GAP_NOTE = (
    "Referrals triage could not place: no eligible service, eligible services full, excluded everywhere, or "
    "needing a person to decide; each referral counts once, under the first gap recorded for it."
)


def _quality(totals: Mapping[str, float], raw: RawFigures, threshold: int) -> Section:
    def line(label: str, key: str, of: str) -> tuple[Value, ...]:
        count, base = suppress_count(_count(totals, key), threshold), suppress_count(_count(totals, of), threshold)
        return (label, count, base, rate(count, base))

    quality = FigureTable(
        "data-quality",
        "Data quality",
        (Column("measure", "Measure"), Column("count", "Referrals"), Column("of", "Of"), Column("percent", "%")),
        (
            line("Verified NHS number", "nhs_verified", "referred"),
            line("Ethnicity recorded (not 'not stated')", "ethnicity_recorded", "referred"),
            line("Outcome returned to the referrer (completions)", "outcome_returned", "completed"),
        ),
    )
    statuses = sorted(raw.backlog)
    backlog = FigureTable(
        "integration-backlog",
        "Integration backlog: messages to referrers not yet delivered",
        (Column("status", "Status"), Column("messages", "Messages")),
        tuple((status, suppress_count(raw.backlog[status], threshold)) for status in statuses),
        note="All messages waiting now (pending retry, or parked for a person), not only this period's.",
    )
    return Section("quality", "Data quality", (quality, backlog))
