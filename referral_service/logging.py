"""Logging that never writes patient data: ids and codes only, with a redaction filter as backstop.

The filter masks, in every message and traceback: query-string values (an access log line for
`/fhir/ServiceRequest?identifier=…` would otherwise carry the NHS number or name searched for),
the values a database error carries beside its statement (SQLAlchemy's `[parameters: …]`,
PostgreSQL's `DETAIL: Key (…)=(…)` and `Failing row contains (…)`), and anything shaped like an
NHS number, email address, UK phone number or postcode, however it was written or URL-encoded.
UUIDs (request ids, referral ids) are left as they are, so logs can still be followed.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from types import TracebackType
from typing import TextIO

# A separator inside a written number: space, tab, dash, or their URL encodings (`%20`, `+`, `%2D`).
_SEP = r"(?:[ \t-]|%20|%2[dD]|\+)?"
# Ten digits as 3-3-4 (how NHS numbers are written), with or without separators; `%20` may precede.
NHS_NUMBER_PATTERN = re.compile(rf"(?:(?<!\d)|(?<=%20))\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{4}}(?!\d)")
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# +44 / 0044 / 0 then nine or ten more digits, with separators and an optional "(0)" or "(01632)".
PHONE_PATTERN = re.compile(
    rf"(?<![\w])(?:(?:\+|%2[bB]|(?<!\d)00){_SEP}44{_SEP}(?:\(0\){_SEP})?|\(?0)\d(?:\)?{_SEP}\d){{8,9}}(?!\d)"
)
POSTCODE_PATTERN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]?(?:\s|%20|\+)*\d[A-Za-z]{2}(?![A-Za-z0-9])")
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A query string after a path or URL (`/fhir/Task?owner=…`); SQL's `= ?` placeholders are not one.
QUERY_PATTERN = re.compile(r"(?<=[\w/\]])\?([^\s\"'<>]+)")
# What a database error says about the values: SQLAlchemy's parameters, PostgreSQL's DETAIL line
# (the key or the whole failing row) and the value quoted in "invalid input syntax ...: "…"".
DATABASE_VALUES = (
    (re.compile(r"\[parameters: [^\n]*"), "[parameters hidden]"),
    (re.compile(r"^(\s*)DETAIL:[^\n]*", re.MULTILINE), r"\1DETAIL: [hidden]"),
    (re.compile(r"(invalid input (?:syntax|value) for [^:\n]*: )[^\n]*"), r"\1[hidden]"),
)
PATTERNS = (
    (EMAIL_PATTERN, "[email]"),
    (PHONE_PATTERN, "[phone]"),
    (NHS_NUMBER_PATTERN, "[nhs-number]"),
    (POSTCODE_PATTERN, "[postcode]"),
)


def _redact_query(match: re.Match[str]) -> str:
    fields = re.split(r"([&;])", match.group(1))
    return "?" + "".join(f if f in "&;" else f.split("=", 1)[0] + "=[redacted]" for f in fields if f)


def _mask_identifiers(text: str) -> str:
    for pattern, mask in PATTERNS:
        text = pattern.sub(mask, text)
    return text


def redact(text: str) -> str:
    """The text with query values, database values and patient identifiers masked (UUIDs kept)."""
    for pattern, replacement in DATABASE_VALUES:
        text = pattern.sub(replacement, text)
    text = QUERY_PATTERN.sub(_redact_query, text)
    pieces: list[str] = []
    last = 0
    for uuid in UUID_PATTERN.finditer(text):
        pieces += [_mask_identifiers(text[last : uuid.start()]), uuid.group()]
        last = uuid.end()
    pieces.append(_mask_identifiers(text[last:]))
    return "".join(pieces)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback through `redact`.

    It also drops SQLAlchemy's DEBUG records: at DEBUG the engine logs every result row, which
    `hide_parameters` does not cover, so turning the log level up must never print patient rows.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("sqlalchemy.engine") and record.levelno < logging.INFO:
            return False
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


# Loggers that may have handlers of their own (the development server's and gunicorn's access
# logs): the filter sits on the logger too, so a line is masked before any handler sees it.
SERVER_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def _request_id() -> str | None:
    """The request id of the request being served (web/requests.py), when there is one."""
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - Flask is a dependency
        return None
    return str(g.get("request_id") or "") or None if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers: time, level, logger, message, request id and
    the (already redacted) traceback. The redaction filter runs before any formatter, so the
    fields hold exactly what the text format would have shown."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            entry["error"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


JsonFormatter.converter = time.gmtime


def redacting_handler(stream: TextIO | None = None, *, json_lines: bool = False) -> logging.Handler:
    """The handler every process logs through: one line per record (text, or JSON with the request
    id), the redaction filter on it."""
    handler: logging.Handler = logging.StreamHandler(stream)
    formatter = JsonFormatter() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    return handler


def _log_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("referral_service").critical("uncaught error", exc_info=(kind, error, trace))


def process_handler(json_lines: bool = False) -> logging.Handler:
    """The redacting handler, marked as this process's own; gunicorn.conf.py's logconfig_dict
    names it, so gunicorn's master and workers log through it from their first line."""
    handler = redacting_handler(json_lines=json_lines)
    handler._referral_service = True  # type: ignore[attr-defined]
    return handler


def configure_logging(level: str, *, json_lines: bool = False) -> None:
    """Once per process: the redacting handler on the root logger, the filter on the servers'
    loggers, and uncaught exceptions (a CLI command's crash) logged through it rather than printed.
    DEBUG includes the SQL statements (never their parameters: every engine hides them)."""
    root = logging.getLogger()
    if not any(getattr(handler, "_referral_service", False) for handler in root.handlers):
        root.addHandler(process_handler(json_lines))
        root.setLevel(level)
    for name in SERVER_LOGGERS:
        server = logging.getLogger(name)
        if not any(isinstance(existing, RedactingFilter) for existing in server.filters):
            server.addFilter(RedactingFilter())
    sys.excepthook = _log_uncaught
    if root.isEnabledFor(logging.DEBUG):
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
