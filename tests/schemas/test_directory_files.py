"""Reading provider files: the demo directory is clean, and every kind of mistake is named precisely."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

from referral_service.domain.directory import CapacityModel, ServiceCategory
from referral_service.domain.referral import RiskLevel
from referral_service.domain.rules import AllOf, BloodPressureRule, ConditionRule, Fact, leaves
from referral_service.schemas.directory import read_directory
from referral_service.schemas.rules import eligibility_document, load_eligibility
from tests.fixtures.directory import DEMO_DIRECTORY, MINIMAL


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_demo_directory_reads_without_problems() -> None:
    reading = read_directory(DEMO_DIRECTORY)
    assert reading.problems == []
    providers = reading.providers
    services = [service for provider in providers for service in provider.services]
    assert len(providers) >= 8
    assert len(services) >= 12
    assert {s.category for s in services} >= {
        ServiceCategory.PHYSICAL_ACTIVITY,
        ServiceCategory.CARDIAC_REHAB,
        ServiceCategory.FALLS_PREVENTION,
        ServiceCategory.WEIGHT_MANAGEMENT,
        ServiceCategory.SOCIAL_CONNECTION,
        ServiceCategory.MONEY_AND_HOUSING,
    }
    assert any(s.capacity.model is CapacityModel.COHORT for s in services)
    lapsed = [p for p in providers if not any(a.is_valid_on(date(2026, 11, 26)) for a in p.accreditations)]
    assert len(lapsed) == 1


def test_a_valid_file_becomes_domain_rules(tmp_path: Path) -> None:
    reading = read_directory(write(tmp_path, "test-leisure.yaml", MINIMAL))
    assert reading.ok
    service = reading.providers[0].services[0]
    assert service.catchment_districts == frozenset({"SK1", "SK2"})
    assert service.eligibility.risk_levels == frozenset({RiskLevel.LOW, RiskLevel.MEDIUM})
    assert service.eligibility.evidence_max_age_days == {Fact.BLOOD_PRESSURE: 90}
    assert isinstance(service.eligibility.include, AllOf)
    exclusion = service.eligibility.exclude[0]
    assert isinstance(exclusion, BloodPressureRule)
    assert exclusion.reason == "BP 180/100 or above"
    conditions = [leaf for leaf in leaves(service.eligibility.include) if isinstance(leaf, ConditionRule)]
    assert conditions[0].codes == frozenset({"38341003", "44054006"})


def test_stored_rule_document_rebuilds_the_same_rules() -> None:
    for provider in read_directory(DEMO_DIRECTORY).providers:
        for service in provider.services:
            assert load_eligibility(eligibility_document(service.eligibility)) == service.eligibility


@pytest.mark.parametrize(
    ("original", "replacement", "path", "message"),
    [
        ("- bmi: {min: 30}", "- bmii: {min: 30}", "services[0].eligibility.all[1].any[1].bmii", "Unknown rule"),
        ("- bmi: {min: 30}", "- bmi: {min: thirty}", "services[0].eligibility.all[1].any[1].bmi.min", "valid number"),
        ("[38341003, 44054006]", "[38341003, 44054007]", "all[1].any[0].condition.any_of[1]", "check digit is wrong"),
        (
            "offer_response_days: 5",
            "offer_response_days: 45",
            "services[0].offer_response_days",
            "less than or equal to 30",
        ),
        ("risk_levels: [low, medium]", "risk_levels: [low, extreme]", "eligibility.risk_levels[1]", "Must be one of"),
        ("model: rolling, places: 10", "model: cohort, places: 10", "services[0].capacity.intakes", "intake dates"),
        ("valid_until: 2027-03-31", "valid_until: 2027-02-30", "organisation.accreditation[0].valid_until", "date"),
    ],
    ids=["unknown-rule", "wrong-type", "bad-snomed", "out-of-range", "bad-risk-level", "cohort-intakes", "bad-date"],
)
def test_each_problem_names_file_line_and_path(
    tmp_path: Path, original: str, replacement: str, path: str, message: str
) -> None:
    assert original in MINIMAL
    text = MINIMAL.replace(original, replacement, 1)
    expected_line = next(number for number, line in enumerate(text.splitlines(), 1) if replacement in line)
    file = write(tmp_path, "test-leisure.yaml", text)

    reading = read_directory(file)

    assert not reading.ok
    [problem] = reading.problems
    assert (problem.file, problem.line) == (str(file), expected_line)
    assert problem.path.endswith(path)
    assert message in problem.message
    assert str(problem).startswith(f"{file}:{expected_line}: ")


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    file = write(tmp_path, "broken.yaml", MINIMAL.replace("name: Test Leisure", "name: [Test Leisure"))
    [problem] = read_directory(file).problems
    assert "not valid YAML" in problem.message
    assert problem.line > 0


def test_missing_required_keys_are_reported_at_their_parent(tmp_path: Path) -> None:
    file = write(tmp_path, "test-leisure.yaml", MINIMAL.replace("    offer_response_days: 5\n", ""))
    [problem] = read_directory(file).problems
    assert problem.path == "services[0].offer_response_days"
    assert "required" in problem.message.lower()


def test_ids_must_be_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", MINIMAL)
    write(tmp_path, "b.yaml", MINIMAL.replace("value: XTL01", "value: XTL02"))
    problems = read_directory(tmp_path).problems
    assert {p.path for p in problems} == {"organisation.id", "services[0].id"}
    assert all(p.file.endswith("b.yaml") and "also used in" in p.message for p in problems)


def test_code_sets_are_read_from_the_directory(tmp_path: Path) -> None:
    write(tmp_path / "code_sets", "chd.txt", "# coronary heart disease\n414545008  # IHD\n53741008\n")
    write(tmp_path, "t.yaml", MINIMAL.replace("{any_of: [38341003, 44054006]}", "{code_set: code_sets/chd.txt}"))
    reading = read_directory(tmp_path)
    assert reading.ok
    condition = next(
        leaf for leaf in leaves(reading.providers[0].services[0].eligibility.include) if isinstance(leaf, ConditionRule)
    )
    assert condition.codes == frozenset({"414545008", "53741008"})
    assert condition.code_set == "code_sets/chd.txt"


@pytest.mark.parametrize(
    ("code_set", "message"),
    [("code_sets/missing.txt", "does not exist"), ("../outside.txt", "outside the provider directory")],
)
def test_bad_code_set_references_are_problems(tmp_path: Path, code_set: str, message: str) -> None:
    write(tmp_path, "t.yaml", MINIMAL.replace("{any_of: [38341003, 44054006]}", f"{{code_set: {code_set}}}"))
    [problem] = read_directory(tmp_path).problems
    assert problem.path.endswith("condition.code_set")
    assert message in problem.message


def test_a_copy_of_the_demo_directory_with_one_broken_rule_names_it(tmp_path: Path) -> None:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO_DIRECTORY, copy)
    target = copy / "mersey-vale-leisure.yaml"
    target.write_text(target.read_text().replace("bmi: {min: 30", "bmi: {minimum: 30", 1))
    problems = read_directory(copy).problems
    assert len(problems) == 1
    assert problems[0].file == str(target)
    assert ".bmi.minimum" in problems[0].path
