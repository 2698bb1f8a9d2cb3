"""The report pages, one per section, each table's CSV and the versioned JSON export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from marshmallow import ValidationError

from referral_service.domain.access import UserRole
from referral_service.domain.clock import utcnow
from referral_service.domain.dates import PARTS, parse_date_parts
from referral_service.domain.reporting.definitions import PATHWAY_LABELS, REFERRAL_SOURCES, ReportFilter
from referral_service.domain.reporting.export import SCHEMA, VERSION, export_document
from referral_service.domain.reporting.tables import FigureTable, Report
from referral_service.reports.charts import Series, columns, horizontal_bars, lines
from referral_service.schemas.reports import describe_errors, filter_problems, parse_report_filter
from referral_service.services.errors import Invalid
from referral_service.services.reports import FilterOptions, commissioner_report, report_filter_choices
from referral_service.web.auth import require_roles, require_user
from referral_service.web.context import service_context, unit_of_work

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
READERS = (UserRole.COMMISSIONER, UserRole.ADMIN)
PAGES = {  # URL -> report section
    "uptake": "funnel",
    "waits": "waits",
    "outcomes": "outcomes",
    "equity": "equity",
    "gaps": "gaps",
    "quality": "quality",
    "compare": "compare",
}
FILTER_FIELDS = {"from": "from", "to": "to", "practice": "practice", "pcn": "pcn", "provider": "provider"}


def _arguments_and_problems() -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The query, with a date typed in the three-box date input read into `from` and `to` (the
    CSV and JSON links carry them as ISO dates, as their contract says), and what was mistyped."""
    arguments = request.args.to_dict()
    problems: list[tuple[str, str]] = []
    for name, what in (("from", "The start date"), ("to", "The end date")):
        parts = [arguments.pop(f"{name}-{part}", "") for part in PARTS]
        if any(parts):
            try:
                arguments[name] = parse_date_parts(*parts, what=what).isoformat()
            except ValueError as error:
                problems.append((name, str(error)))
    return arguments, problems


def _arguments() -> dict[str, str]:
    arguments, problems = _arguments_and_problems()
    if problems:
        abort(400, "The report filter is not right: " + "; ".join(message for _, message in problems) + ".")
    return arguments


def _typed_dates() -> dict[str, dict[str, str]]:
    """The dates as typed, to show them again beside the error (typed boxes, or an ISO date split)."""
    typed: dict[str, dict[str, str]] = {}
    for name in ("from", "to"):
        parts = {part: request.args.get(f"{name}-{part}", "") for part in PARTS}
        iso = request.args.get(name, "")
        if not any(parts.values()) and iso.count("-") == 2:
            year, month, day = iso.split("-")
            parts = {"day": day, "month": month, "year": year}
        typed[name] = parts
    return typed


def _filter() -> ReportFilter:
    try:
        return parse_report_filter(_arguments(), today=utcnow().date())
    except ValidationError as error:
        abort(400, describe_errors(error))


def _form_errors() -> tuple[ReportFilter | None, list[tuple[str, str]]]:
    """The filter, or what is wrong with it as (field id, message) pairs for the error summary."""
    arguments, problems = _arguments_and_problems()
    if problems:
        return None, problems
    try:
        return parse_report_filter(arguments, today=utcnow().date()), []
    except ValidationError as error:
        return None, filter_problems(error)


def _long(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def filter_in_force(report_filter: ReportFilter, choices: FilterOptions) -> str:
    """The filter in words on every page: 'Referrals received 1 April 2026 to 30 November 2026, all practices'."""
    names = {
        "practice": dict(choices.practices),
        "pcn": dict(choices.pcns),
        "provider": dict(choices.providers),
        "service": dict(choices.services),
    }
    parts = [f"Referrals received {_long(report_filter.start)} to {_long(report_filter.end)}"]
    if report_filter.practice:
        parts.append(names["practice"].get(report_filter.practice, report_filter.practice))
    elif report_filter.pcn:
        parts.append(names["pcn"].get(report_filter.pcn, report_filter.pcn))
    else:
        parts.append(f"all practices in {choices.area}" if choices.area else "all practices")
    if report_filter.provider:
        parts.append(names["provider"].get(report_filter.provider, report_filter.provider))
    if report_filter.service:
        parts.append(names["service"].get(report_filter.service, report_filter.service))
    if report_filter.pathway:
        parts.append(PATHWAY_LABELS.get(report_filter.pathway, "one pathway").lower())
    if report_filter.source:
        label = dict(REFERRAL_SOURCES)[report_filter.source]
        parts.append((label if label.startswith("GP") else label.lower()) + " only")
    return ", ".join(parts)


def _report(report_filter: ReportFilter) -> Report:
    try:
        with unit_of_work() as uow:
            return commissioner_report(
                uow,
                report_filter,
                threshold=service_context().settings.suppression_threshold,
                now=utcnow(),
                actor=require_user().actor,  # a commissioner with an area reads only that area
            )
    except Invalid as error:
        abort(400, f"The report filter is not right: {error.message}.")


def _charts(report: Report, section: str) -> dict[str, Markup]:
    """Charts where people would rather look than read, keyed by the table they draw."""
    charts: dict[str, Markup] = {}
    if section == "funnel":
        table = report.table("uptake")
        stages = table.rows[:13]
        charts["uptake"] = horizontal_bars(
            "Referrals reaching each stage", [str(r[0]) for r in stages], [r[1] for r in stages]
        )
    elif section == "waits":
        table = report.table("waits-by-month")
        months = [str(m) for m in table.column("month")]
        series = [
            Series(label, table.column(key))
            for key, label in (
                ("offer", "to offer"),
                ("contact", "to first contact"),
                ("attendance", "to first attendance"),
            )
        ]
        charts["waits-by-month"] = lines("Median days from referral, by month referred", months, series, unit="")
    elif section == "outcomes":
        table = report.table("outcomes")
        charts["outcomes"] = horizontal_bars(
            "Share with a meaningful improvement",
            [str(m) for m in table.column("measure")],
            table.column("improved_percent"),
            unit="%",
        )
    elif section == "equity":
        for table in report.section("equity").tables:
            charts[table.key] = columns(
                f"Uptake (first attendance) as % of referred, {table.title.lower()}",
                [str(g) for g in table.column("group")],
                table.column("uptake_percent"),
                unit="%",
            )
    elif section == "gaps":
        area = report.table("gaps-by-area")
        charts["gaps-by-area"] = horizontal_bars(
            "Referrals no service could take, by postcode district",
            [str(a) for a in area.column("group")][:-1],
            area.column("referrals")[:-1],
        )
        month = report.table("gaps-by-month")
        charts["gaps-by-month"] = lines(
            "Referrals no service could take, by month",
            [str(m) for m in month.column("month")][:-1],
            [Series("all reasons", month.column("all")[:-1])],
        )
    elif section == "compare":
        charts.update(_compare_charts(report))
    return charts


def _compare_charts(report: Report) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    for key, who in (("compare-practices", "practice"), ("compare-providers", "provider")):
        table = report.table(key)
        charts[key] = horizontal_bars(
            f"Uptake (first session attended) as % of referrals, by {who}",
            [str(g) for g in table.column("group")],
            table.column("uptake_percent"),
            unit="%",
        )
    return charts


def _page(page: str) -> ResponseReturnValue:
    report_filter, problems = _form_errors()
    with unit_of_work() as uow:
        choices = report_filter_choices(uow, require_user().actor)
    if report_filter is None:  # a bad period is a form error on the page, not an error page
        return render_template(
            "reports/section.html",
            page=page,
            pages=PAGES,
            report=None,
            problems=problems,
            typed=_typed_dates(),
            choices=choices,
            pathway_labels=PATHWAY_LABELS,
            sources=REFERRAL_SOURCES,
            query=request.args.to_dict(),
        ), 400
    report = _report(report_filter)
    section = report.section(PAGES[page])
    return render_template(
        "reports/section.html",
        page=page,
        pages=PAGES,
        report=report,
        problems=[],
        typed={},
        in_force=filter_in_force(report_filter, choices),
        section=section,
        charts=_charts(report, section.key),
        choices=choices,
        pathway_labels=PATHWAY_LABELS,
        sources=REFERRAL_SOURCES,
        query=report_filter.as_query(),
        schema=SCHEMA,
        version=VERSION,
    )


@bp.get("/")
@require_roles(*READERS)
def index() -> ResponseReturnValue:
    return _page("uptake")


@bp.get("/<any(uptake, waits, outcomes, equity, gaps, quality, compare):page>")
@require_roles(*READERS)
def section_page(page: str) -> ResponseReturnValue:
    return _page(page)


def _csv(table: FigureTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.label for column in table.columns])
    writer.writerows(["" if value is None else value for value in row] for row in table.rows)
    return out.getvalue()


@bp.get("/<string:key>.csv")
@require_roles(*READERS)
def table_csv(key: str) -> Response:
    report_filter = _filter()
    report = _report(report_filter)
    try:
        table = report.table(key)
    except KeyError:
        abort(404)
    name = f"{key}_{report_filter.start.isoformat()}_{report_filter.end.isoformat()}.csv"
    return Response(_csv(table), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export.json")
@require_roles(*READERS)
def export() -> Response:
    report = _report(_filter())
    document = export_document(report, publisher=service_context().settings.ods_code)
    return Response(json.dumps(document, indent=1), mimetype="application/json")
