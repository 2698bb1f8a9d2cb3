"""Patient data never reaches the logs, even when code carelessly puts it in a message."""

from __future__ import annotations

import io
import json
import logging

from flask import Flask, g

from referral_service.logging import RedactingFilter, redact, redacting_handler


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


def test_json_lines_carry_the_request_id_and_are_redacted_too() -> None:
    """The JSON formatter prints what the redaction filter left: message and traceback alike."""
    stream = io.StringIO()
    logger = logging.getLogger("tests.json_lines")
    logger.addHandler(redacting_handler(stream, json_lines=True))
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        with Flask(__name__).test_request_context("/"):
            g.request_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
            logger.warning("searched %s", "/fhir/ServiceRequest?identifier=9434765919")
            try:
                raise ValueError("bad NHS number 943 476 5919 for jo@example.org")
            except ValueError:
                logger.exception("failed")
        logger.info("outside a request")
    finally:
        logger.handlers.clear()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert "9434765919" not in stream.getvalue() and "jo@example.org" not in stream.getvalue()
    assert lines[0]["message"] == "searched /fhir/ServiceRequest?identifier=[redacted]"
    assert lines[0]["request_id"] == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert (lines[1]["level"], lines[1]["message"]) == ("ERROR", "failed")
    assert "ValueError: bad NHS number [nhs-number] for [email]" in lines[1]["error"]
    assert "request_id" not in lines[2] and lines[2]["time"].endswith("Z")
