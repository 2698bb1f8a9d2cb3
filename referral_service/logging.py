"""Logging that never writes patient data: ids and codes only, with a redaction filter as backstop."""

from __future__ import annotations

import logging
import re

# Ten digits, optionally spaced 3-3-4 (how NHS numbers are written), and email addresses.
NHS_NUMBER_PATTERN = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def redact(text: str) -> str:
    return EMAIL_PATTERN.sub("[email]", NHS_NUMBER_PATTERN.sub("[nhs-number]", text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message so anything shaped like an NHS number or email is masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str) -> None:
    """Once per process: a stream handler on the root logger with the redaction filter attached."""
    root = logging.getLogger()
    if any(getattr(handler, "_referral_service", False) for handler in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    handler._referral_service = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
