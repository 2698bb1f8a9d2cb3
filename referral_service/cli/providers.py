"""`providers check|load PATH`: validate the directory files, then load them in one transaction;
`providers export --out DIR`: write the directory as it stands back into such files."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask.cli import with_appcontext

from referral_service.oruk.importer import draft_directory, fetch_services, write_drafts
from referral_service.schemas.areas import AREAS_FILE
from referral_service.schemas.directory import read_directory
from referral_service.services.directory import load_directory
from referral_service.services.directory_export import HEADER, export_directory
from referral_service.services.errors import ServiceError
from referral_service.web.context import unit_of_work

PATH_ARGUMENT = click.Path(path_type=Path)


@click.group("providers")
def providers_group() -> None:
    """Check and load the accredited provider directory (YAML files in providers/)."""


@providers_group.command("check")
@click.argument("path", type=PATH_ARGUMENT)
def check(path: Path) -> None:
    """Validate PATH (a provider file or a folder of them) without loading; one line per problem."""
    reading = read_directory(path)
    for problem in reading.problems:
        click.echo(str(problem))
    if not reading.ok:
        raise SystemExit(1)
    services = sum(len(provider.services) for provider in reading.providers)
    click.echo(f"{path}: {len(reading.providers)} providers, {services} services, no problems")


@providers_group.command("load")
@click.argument("path", type=PATH_ARGUMENT)
@with_appcontext
def load(path: Path) -> None:
    """Load PATH into the database. A folder is the whole directory: services it no longer lists are
    delisted (never deleted). Any problem in any file refuses the whole load."""
    reading = read_directory(path)
    if not reading.ok:
        for problem in reading.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{path}: nothing loaded ({len(reading.problems)} problems)", err=True)
        raise SystemExit(1)
    try:
        with unit_of_work() as uow:
            summary = load_directory(uow, reading.providers, complete=path.is_dir(), areas=reading.areas)
    except ServiceError as error:
        click.echo(f"{path}: nothing loaded: {error.message}", err=True)
        raise SystemExit(1) from None
    for line in summary.lines():
        click.echo(line)


@providers_group.command("export")
@click.option("--out", "out", type=PATH_ARGUMENT, required=True, help="folder for the provider files")
@with_appcontext
def export(out: Path) -> None:
    """Write every listed provider as a file (and the code sets its rules name) into OUT, in the form
    `providers load OUT` reads back with nothing created, updated or delisted."""
    try:
        with unit_of_work() as uow:
            exported = export_directory(uow)
    except ServiceError as error:
        raise click.ClickException(f"nothing exported: {error.message}") from None
    out.mkdir(parents=True, exist_ok=True)
    for name, document in exported.providers.items():
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
        (out / name).write_text(HEADER + text, encoding="utf-8")
    if exported.areas is not None:
        text = yaml.safe_dump(exported.areas, sort_keys=False, allow_unicode=True, width=100)
        (out / AREAS_FILE).write_text(HEADER + text, encoding="utf-8")
    for relative, codes in exported.code_sets.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(f"{code}\n" for code in codes), encoding="utf-8")
    click.echo(f"{len(exported.providers)} provider files, {len(exported.code_sets)} code sets, in {out}")


@providers_group.command("import-oruk")
@click.argument("source")
@click.option("--out", "out", type=PATH_ARGUMENT, required=True, help="folder for the draft provider files")
def import_oruk(source: str, out: Path) -> None:
    """Read an Open Referral UK feed (FILE or URL, v1 or 3.0) into DRAFT provider files for review.

    Only what the feed states in a form we can read becomes rules (age limits); each file's header
    lists what a person must complete before `providers check` passes and it can be loaded.
    """
    try:
        providers = draft_directory(fetch_services(source))
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read {source}: {error}") from None
    written = write_drafts(providers, out)
    services = sum(len(provider.services) for provider in providers)
    click.echo(f"{len(written)} draft provider files, {services} services, in {out}: review each file's header")
