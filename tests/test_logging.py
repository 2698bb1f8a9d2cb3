"""Patient data never reaches the logs, even when code carelessly puts it in a message."""

from __future__ import annotations

import io
import logging

from referral_service.logging import RedactingFilter, redact


def test_nhs_numbers_and_emails_are_masked() -> None:
    assert redact("patient 943 476 5919 / 9434765919, mail jo@example.org") == (
        "patient [nhs-number] / [nhs-number], mail [email]"
    )
    assert redact("referral 7c9e6679-7425-40de-944b-e07fc1f90ae7 took 12 ms") == (
        "referral 7c9e6679-7425-40de-944b-e07fc1f90ae7 took 12 ms"
    )


def test_the_filter_masks_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("rejected %s", "9434765919")
        try:
            raise ValueError("bad NHS number 9434765919")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "9434765919" not in output
    assert "rejected [nhs-number]" in output
    assert "ValueError: bad NHS number [nhs-number]" in output
