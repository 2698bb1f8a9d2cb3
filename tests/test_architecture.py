"""The layering is a rule the build checks, not a habit: import-linter contracts, and one place commits."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from referral_service.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "referral_service"


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_only_the_unit_of_work_commits() -> None:
    committing = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\.commit\(\)", path.read_text())
    ]
    assert committing == ["referral_service/persistence/uow.py"]


def test_no_module_is_past_four_hundred_lines() -> None:
    long_modules = {
        path.relative_to(PROJECT_ROOT).as_posix(): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > 400
    }
    assert long_modules == {}


# The repository methods that find referrals by what a caller names (an id, an identifier, a
# search, a caseload). Only the access module may call them: it checks the caller and audits.
CALLER_LOOKUPS = {
    "referrals": {"by_public_id", "task_by_public_id", "search", "search_tasks", "latest_by_correlation_id"},
    "progress": {"caseload", "link_worker_queue"},
    "casework": {"search_held", "search_for_link_worker", "followed_by", "with_follow_ups_of"},
}
ACCESS_MODULE = "referral_service/services/access.py"


def _caller_lookups(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.attr in CALLER_LOOKUPS.get(node.value.attr, set())
        ):
            found.append(f"{node.value.attr}.{node.attr}:{node.lineno}")
    return found


def test_referrals_are_found_for_a_caller_only_through_the_access_module() -> None:
    lookups = {
        path.relative_to(PROJECT_ROOT).as_posix(): found
        for path in PACKAGE.rglob("*.py")
        if "persistence" not in path.parts and (found := _caller_lookups(path))
    }
    assert set(lookups) == {ACCESS_MODULE}, lookups


def test_nothing_outside_persistence_queries_referrals_itself() -> None:
    pattern = re.compile(r"(select|get|get_one|query)\(\s*(Referral|ReferralTask)\b")
    querying = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "persistence" not in path.parts and pattern.search(path.read_text())
    ]
    assert querying == []


def test_services_reach_the_database_through_repositories_only() -> None:
    """No `uow.session` in the services: each query has a name in a repository or read model."""
    reaching = [
        path.relative_to(PROJECT_ROOT).as_posix()
        for path in (PACKAGE / "services").rglob("*.py")
        if "uow.session" in path.read_text()
    ]
    assert reaching == []
