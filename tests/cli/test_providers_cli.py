"""`flask --app wsgi providers check|load` as a directory officer uses them."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask.testing import FlaskCliRunner

from referral_service.persistence.uow import UnitOfWork
from tests.fixtures.directory import DEMO_DIRECTORY


def broken_copy(tmp_path: Path) -> tuple[Path, Path]:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_DIRECTORY, copy)
    target = copy / "goyt-valley-active.yaml"
    text = target.read_text()
    assert "age: {min: 16}" in text
    target.write_text(text.replace("age: {min: 16}", "age: {min: sixteen}", 1))
    return copy, target


def test_check_passes_on_the_demo_directory(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["providers", "check", str(DEMO_DIRECTORY)])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_check_fails_naming_the_file_and_the_rule(runner: FlaskCliRunner, tmp_path: Path) -> None:
    copy, target = broken_copy(tmp_path)

    result = runner.invoke(args=["providers", "check", str(copy)])

    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"{target}:")
    assert "eligibility.all[0].age.min" in line
    assert "Not a valid integer" in line


def test_load_refuses_everything_when_any_file_is_broken(
    runner: FlaskCliRunner, tmp_path: Path, uow: UnitOfWork
) -> None:
    copy, target = broken_copy(tmp_path)

    result = runner.invoke(args=["providers", "load", str(copy)])

    assert result.exit_code == 1
    assert str(target) in result.output
    assert "nothing loaded" in result.output
    with uow:
        assert uow.directory.providers() == []


def test_load_then_reload_reports_what_changed(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["providers", "load", str(DEMO_DIRECTORY)])
    assert first.exit_code == 0, first.output
    assert "organisations: 10 created" in first.output

    again = runner.invoke(args=["providers", "load", str(DEMO_DIRECTORY)])

    assert again.exit_code == 0
    assert "0 created, 0 updated, 13 unchanged, 0 delisted" in again.output


def test_check_on_a_missing_path_fails(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["providers", "check", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output
