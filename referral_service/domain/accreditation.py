"""Accreditation evidence as plain values: which documents are accepted (by their content, not their
name), the states a submission goes through, and when an accreditation's expiry warning is due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum

WARNING_DAYS = 30  # the provider and the commissioners hear this many days before valid_until
DEFAULT_MAX_BYTES = 8 * 1024 * 1024  # below the app's 10 MB request limit, so the refusal has words

# The first bytes of each accepted type: a renamed program (MZ…) is none of these.
MAGIC: Mapping[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
TYPE_WORDS: Mapping[str, str] = {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image"}
EXTENSIONS: Mapping[str, str] = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class EvidenceStatus(StrEnum):
    PENDING = "pending"  # uploaded, waiting for a commissioner or administrator
    APPROVED = "approved"  # an accreditation was recorded against it: it counts
    REJECTED = "rejected"  # not accepted, with the reason


STATUS_WORDS: Mapping[EvidenceStatus, str] = {
    EvidenceStatus.PENDING: "Waiting for review",
    EvidenceStatus.APPROVED: "Approved",
    EvidenceStatus.REJECTED: "Not accepted",
}


def sniff_type(content: bytes) -> str | None:
    """The document's type read from its first bytes; None when it is not a PDF, PNG or JPEG."""
    for content_type, signatures in MAGIC.items():
        if any(content.startswith(signature) for signature in signatures):
            return content_type
    return None


def size_words(size: int) -> str:
    """A size as people say it: "8 MB", "120 KB"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB" if size % (1024 * 1024) == 0 else f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def warning_window(today: date) -> tuple[date, date]:
    """The expiry dates whose warning is due today: from today to WARNING_DAYS ahead."""
    return today, today + timedelta(days=WARNING_DAYS)


def safe_name(original: str) -> str:
    """The uploaded file's own name, kept for people, cut to its last part and to 200 characters."""
    name = original.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable() and ch not in '"\r\n')[:200] or "evidence"
