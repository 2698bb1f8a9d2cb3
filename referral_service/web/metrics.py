"""GET /metrics: Prometheus text format (the official prometheus-client), admin bearer token only.

Two kinds of figure. Counted in each process (request latency by route, intake outcomes): with
several gunicorn workers these use prometheus-client's multiprocess mode, so each worker writes
its samples to files in PROMETHEUS_MULTIPROC_DIR and a scrape of any worker adds them all up
(`gunicorn.conf.py` empties the folder at start and marks dead workers). Read from the database at
scrape time (outbox backlog and age, parked, offers near their deadline, notifications): the same
answer from every worker and machine. Labels are the URL rule (`/fhir/Task/<task_id>`), never the
raw path, and codes: no patient data can reach a label.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from referral_service.domain.clock import utcnow
from referral_service.services.monitoring import service_figures
from referral_service.web.admin import admin_scope_refusal
from referral_service.web.context import unit_of_work

bp = Blueprint("metrics", __name__)

REQUEST_SECONDS = Histogram(
    "referral_service_request_seconds",
    "Time to answer a request, by URL rule (never the raw path), method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
INTAKE = Counter(
    "referral_service_intake",
    "Referrals and cancellations received, by door, outcome (accepted or refused) and BaRS reason code.",
    ["door", "outcome", "reason"],
)


def count_intake(door: str, status: int, reason: str) -> None:
    """One intake answer: `door` is how it came (`bars-message`, `service-request`)."""
    INTAKE.labels(door=door, outcome="accepted" if status < 400 else "refused", reason=reason).inc()


class DatabaseFigures(Collector):
    """Gauges read at scrape time through one service call (see services/monitoring.py)."""

    def collect(self) -> Iterator[Metric]:
        with unit_of_work() as uow:
            figures = service_figures(uow, now=utcnow())
        yield _gauge("outbox_backlog", "Outcome messages not yet delivered.", figures.outbox_backlog)
        yield _gauge(
            "outbox_oldest_age_seconds", "Age of the oldest undelivered outcome message.", figures.outbox_oldest_seconds
        )
        yield _gauge("outbox_parked", "Outcome messages parked for a person to look at.", figures.outbox_parked)
        yield _gauge(
            "offers_due_within_one_working_day",
            "Open offers whose provider must answer within one working day.",
            figures.offers_due_within_a_working_day,
        )
        yield _gauge("notification_backlog", "Emails and texts not yet sent.", figures.notification_backlog)
        yield _gauge(
            "notification_oldest_age_seconds",
            "Age of the oldest email or text waiting to be sent.",
            figures.notification_oldest_seconds,
        )
        yield _gauge("notification_parked", "Emails and texts parked for a person.", figures.notification_parked)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"referral_service_{name}", documentation, value=value)


def _registry() -> CollectorRegistry:
    """Every worker's samples when PROMETHEUS_MULTIPROC_DIR is set, else this process's own."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call,unused-ignore]
    else:
        registry = CollectorRegistry()
        for collector in (REQUEST_SECONDS, INTAKE):
            registry.register(collector)
    registry.register(DatabaseFigures())
    return registry


@bp.get("/metrics")
def metrics() -> Response:
    refusal = admin_scope_refusal()
    if refusal is not None:
        return refusal
    return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def register_metrics(app: Flask) -> None:
    """Time every request by its URL rule (unmatched paths share one label)."""

    @app.before_request
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            REQUEST_SECONDS.labels(route=route, method=request.method, status=str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response

    app.register_blueprint(bp)
