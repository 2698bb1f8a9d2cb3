"""The layering is a rule the build checks, not a habit: import-linter contracts, and one place commits."""

from __future__ import annotations

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
