"""`db`: Alembic behind our own command, so nobody needs alembic.ini's location or the URL twice."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import Engine

from referral_service.persistence import migrations
from referral_service.web.context import service_context


def _engine() -> Engine:
    return service_context().require_engine()


@click.group("db")
def db_group() -> None:
    """Upgrade, downgrade, check and revise the database schema (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: the newest)."""
    migrations.upgrade(_engine(), revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Downgrade the database to REVISION (e.g. -1 or base)."""
    migrations.downgrade(_engine(), revision)
    click.echo(f"database at {revision}")


@db_group.command("check")
@with_appcontext
def check() -> None:
    """Exit non-zero if the models and the migrations disagree."""
    migrations.check(_engine())


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="what the change does, imperative: 'add offer expiry index'")
@with_appcontext
def revision(message: str) -> None:
    """Autogenerate a migration from the models (then read and edit it)."""
    migrations.revision(_engine(), message)
