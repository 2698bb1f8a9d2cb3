"""The deployment's lookup files (`deprivation load`, `pcns load`, `practices load-list-sizes`), in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import click
from flask.cli import with_appcontext

from referral_service.domain.clock import utcnow
from referral_service.persistence.uow import UnitOfWork
from referral_service.schemas.lookups import (
    LookupFileError,
    read_lsoa_deciles,
    read_postcode_lsoas,
    read_practice_list_sizes,
    read_practice_pcns,
)
from referral_service.services.deprivation import (
    apply_deprivation,
    batches,
    store_deciles,
    store_postcodes,
    store_practice_list_sizes,
    store_practice_pcns,
)
from referral_service.web.context import unit_of_work

T = TypeVar("T")
EXISTING = click.Path(exists=True, dir_okay=False, path_type=Path)


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _load(path: Path, rows: Iterable[T], store: Callable[[UnitOfWork, list[T]], None], label: str) -> int:
    loaded = 0
    try:
        with click.progressbar(length=_lines(path), label=label) as bar:
            for batch in batches(rows):
                with unit_of_work() as uow:
                    store(uow, batch)
                loaded += len(batch)
                bar.update(len(batch))
    except LookupFileError as error:
        raise click.ClickException(str(error)) from None
    return loaded


@click.group("deprivation")
def deprivation_group() -> None:
    """Deprivation lookups: postcode -> LSOA -> IMD decile (files the deployment supplies)."""


@deprivation_group.command("load")
@click.option("--postcodes", type=EXISTING, required=True, help="CSV with pcds,lsoa21cd (ONS Postcode Directory)")
@click.option("--imd", type=EXISTING, required=True, help="CSV with LSOA code and IMD decile (English IoD)")
@with_appcontext
def load_deprivation(postcodes: Path, imd: Path) -> None:
    """Load both lookups, then give every patient on file their LSOA and IMD decile."""
    deciles = _load(imd, read_lsoa_deciles(imd), store_deciles, "IMD deciles")
    codes = _load(postcodes, read_postcode_lsoas(postcodes), store_postcodes, "postcodes")
    with unit_of_work() as uow:
        patients = apply_deprivation(uow, now=utcnow())
    click.echo(f"{codes} postcodes, {deciles} LSOA deciles loaded; {patients} patients now have an IMD decile")


@click.group("pcns")
def pcns_group() -> None:
    """Which Primary Care Network each practice belongs to (for the reports' PCN filter)."""


@pcns_group.command("load")
@click.argument("path", type=EXISTING)
@with_appcontext
def load_pcns(path: Path) -> None:
    """Load an ePCN-style CSV: Partner Organisation Code, PCN Code, PCN Name."""
    loaded = _load(path, read_practice_pcns(path), store_practice_pcns, "practices")
    click.echo(f"{loaded} practices placed in their PCNs")


@click.group("practices")
def practices_group() -> None:
    """Referring practices: their list sizes, for the reports' rates per 1,000 registered patients."""


@practices_group.command("load-list-sizes")
@click.argument("path", type=EXISTING)
@with_appcontext
def load_list_sizes(path: Path) -> None:
    """Load a practice list size CSV: ORG_CODE and NUMBER_OF_PATIENTS (or practice_ods, list_size)."""
    loaded = _load(path, read_practice_list_sizes(path), store_practice_list_sizes, "practices")
    click.echo(f"{loaded} practice list sizes loaded")
