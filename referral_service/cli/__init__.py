"""`flask --app wsgi …` commands: thin shells over service functions, one unit of work each."""

from __future__ import annotations

from flask import Flask

from referral_service.cli.accounts import clients_group, users_group
from referral_service.cli.database import db_group
from referral_service.cli.demo import demo_group
from referral_service.cli.jobs import jobs_group
from referral_service.cli.lookups import deprivation_group, pcns_group, practices_group
from referral_service.cli.outbox import outbox_group
from referral_service.cli.providers import providers_group
from referral_service.cli.reports import reports_group


def register_commands(app: Flask) -> None:
    for group in (db_group, providers_group, demo_group, clients_group, users_group, jobs_group, outbox_group):
        app.cli.add_command(group)
    for group in (deprivation_group, pcns_group, practices_group, reports_group):
        app.cli.add_command(group)
