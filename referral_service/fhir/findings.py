"""The issues found while reading a request: errors stop intake, warnings are kept with the referral."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from referral_service.fhir.outcomes import FhirError, Issue

UNPROCESSABLE = frozenset({"not-supported", "business-rule", "processing"})


@dataclass
class Findings:
    """Every issue found so far, in the order found, so the sender hears them all at once."""

    issues: list[Issue] = field(default_factory=list)

    def has_errors(self) -> bool:
        return any(issue.severity in ("error", "fatal") for issue in self.issues)

    def error(self) -> FhirError:
        """400 when anything is malformed; 422 when it is well formed but not something we take."""
        errors = [issue for issue in self.issues if issue.severity in ("error", "fatal")]
        status = 422 if all(issue.code in UNPROCESSABLE for issue in errors) else 400
        return FhirError(status, errors + list(self.warnings()))

    def fail_if_errors(self) -> None:
        if self.has_errors():
            raise self.error()

    def warnings(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    def warning_texts(self) -> tuple[str, ...]:
        """The warnings as kept with the referral: where, then what."""
        return tuple(
            f"{issue.expression}: {issue.diagnostics}" if issue.expression else issue.diagnostics
            for issue in self.warnings()
        )


def service_warnings(texts: Iterable[str]) -> list[Issue]:
    """Warnings the service raised on receiving a referral it still took (another open referral
    for the person, say), sent back beside those found reading the message."""
    return [Issue("business-rule", text, severity="warning") for text in texts]
