"""Each way patient data reached the logs, shut: a database error's parameters and PostgreSQL's
DETAIL line, an access log's query string, and a command's uncaught traceback."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from referral_service.config import PROJECT_ROOT
from referral_service.logging import redacting_handler
from referral_service.persistence.models import Patient

PATIENT = {
    "nhs_number": "9996100278",
    "given_name": "Philippa",
    "family_name": "Featherstonehaugh",
    "birth_date": date(1959, 5, 4),
    "postcode": "LS10 4YU",
    "phone": "07736 312544",
    "email": "jjones@example.net",
}
CLEAR = (
    "Philippa",
    "Featherstonehaugh",
    "1959-05-04",
    "1959, 5, 4",
    "LS10 4YU",
    "07736 312544",
    "jjones@",
    "9996100278",
)


def _database_error(engine: Engine) -> IntegrityError:
    """A NOT NULL violation carrying a patient's details: PostgreSQL's DETAIL shows the whole row."""
    with engine.connect() as connection, connection.begin():
        try:
            connection.execute(insert(Patient.__table__).values(public_id=None, **PATIENT))
        except IntegrityError as error:
            return error
    pytest.fail("the insert should have broken the NOT NULL constraint")


def test_a_database_error_carries_its_statement_not_its_parameters(engine: Engine) -> None:
    error = _database_error(engine)
    assert "INSERT INTO patients" in str(error)
    assert "SQL parameters hidden" in str(error)
    assert "Featherstonehaugh', " not in str(error)  # SQLAlchemy's [parameters: …] is gone at the source


@pytest.mark.parametrize(
    "logger_name", ["referral_service.web.errors", "referral_service.jobs.tasks", "apscheduler.executors.default"]
)
def test_a_logged_database_error_shows_no_patient_value(engine: Engine, logger_name: str) -> None:
    error = _database_error(engine)
    stream = io.StringIO()
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler := redacting_handler(stream))
    try:
        try:
            raise RuntimeError("the request failed") from error
        except RuntimeError:
            logger.exception("unhandled error (request %s)", "7c9e6679-7425-40de-944b-e07fc1f90ae7")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "IntegrityError" in output and "INSERT INTO patients" in output
    assert "7c9e6679-7425-40de-944b-e07fc1f90ae7" in output
    assert not [value for value in CLEAR if value in output], output


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def test_the_servers_access_logs_redact_query_strings_even_with_handlers_of_their_own() -> None:
    output = _run(
        "import logging\n"
        "from referral_service.logging import configure_logging\n"
        "configure_logging('INFO')\n"
        "for name in ('werkzeug', 'gunicorn.access'):\n"
        "    own = logging.getLogger(name)\n"
        "    own.addHandler(logging.StreamHandler())\n"
        "    own.propagate = False\n"
        "    own.info('%s - - \"%s\" 200', '127.0.0.1',\n"
        "             'GET /fhir/ServiceRequest?identifier=https://fhir.nhs.uk/Id/nhs-number|999%20610%200278'\n"
        "             '&family=Featherstonehaugh HTTP/1.1')\n"
        "    own.info('\"GET /portal/referrals?q=Philippa+Featherstonehaugh HTTP/1.1\" 200')\n"
    )
    assert "/fhir/ServiceRequest?identifier=[redacted]&family=[redacted]" in output, output
    assert "/portal/referrals?q=[redacted]" in output, output
    assert "Featherstonehaugh" not in output and "999%20610%200278" not in output and "Philippa" not in output


def test_a_commands_uncaught_error_is_logged_masked() -> None:
    output = _run(
        "from referral_service.logging import configure_logging\n"
        "configure_logging('INFO')\n"
        "raise ValueError('no patient with NHS number 999 610 0278 at LS10 4YU')\n"
    )
    assert "uncaught error" in output and "ValueError: no patient with NHS number [nhs-number] at [postcode]" in output
    assert "999 610 0278" not in output and "LS10 4YU" not in output
