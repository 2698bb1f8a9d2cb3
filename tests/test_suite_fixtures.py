"""The suite's own plumbing: fixtures come from tests/fixtures/ by name, never by importing a conftest,
the demo directory is read once and loaded whole, templates compile once, and make_api_client registers
both kinds of system."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from referral_service.domain.access import Actor, ApiClientKind
from referral_service.domain.directory import ProviderDefinition
from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.app import MemoryBytecodeCache

TESTS = Path(__file__).resolve().parent
READINGS: list[tuple[ProviderDefinition, ...]] = []


def imported_modules(file: Path) -> set[str]:
    tree = ast.parse(file.read_text(), filename=str(file))
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_no_test_module_imports_a_conftest() -> None:
    offenders = {
        str(file.relative_to(TESTS)): sorted(m for m in imported_modules(file) if m.endswith("conftest"))
        for file in TESTS.rglob("*.py")
    }
    assert {name: modules for name, modules in offenders.items() if modules} == {}


@pytest.mark.parametrize("run", ["first", "second"])
def test_the_demo_directory_is_read_once_per_session(demo_providers: tuple[ProviderDefinition, ...], run: str) -> None:
    """Two tests, one parsed directory: each test gets the very object the session read first."""
    READINGS.append(demo_providers)
    assert all(reading is READINGS[0] for reading in READINGS)
    assert len(demo_providers) >= 8


def test_the_directory_fixture_loads_every_demo_service(
    uow: UnitOfWork, directory: None, demo_providers: tuple[ProviderDefinition, ...]
) -> None:
    with uow:
        loaded = {service.slug for service in uow.directory.services()}
    assert loaded >= {service.slug for provider in demo_providers for service in provider.services}


def test_make_api_client_registers_gp_and_provider_systems(
    make_api_client: Callable[..., Actor], directory: None
) -> None:
    gp = make_api_client("a-gp-system", practices=("P88001",))
    provider = make_api_client("a-provider-system", provider="mersey-vale-leisure")
    assert (gp.client_kind, gp.practices, gp.organisation_id) == (ApiClientKind.GP_SYSTEM, frozenset({"P88001"}), None)
    assert provider.client_kind is ApiClientKind.PROVIDER_SYSTEM
    assert provider.organisation_id is not None


def test_each_template_is_compiled_once_per_session(
    client: FlaskClient, app: Flask, compiled_templates: MemoryBytecodeCache
) -> None:
    assert app.jinja_env.bytecode_cache is compiled_templates
    assert client.get("/").status_code == 200
    compiled = len(compiled_templates)
    assert compiled > 0
    assert client.get("/").status_code == 200
    assert len(compiled_templates) == compiled
