"""Every table of the service. Importing this package registers them all on Base.metadata."""

from referral_service.persistence.models.access import (
    ApiClient,
    ApiClientPractice,
    AuditEvent,
    PortalSession,
    PortalUser,
    SignInThrottle,
)
from referral_service.persistence.models.capacity import Offer, WaitlistEntry
from referral_service.persistence.models.directory import (
    Accreditation,
    CapacityPool,
    Organisation,
    OrganisationIdentifier,
    Service,
    ServiceLocation,
)
from referral_service.persistence.models.lookups import LsoaDeprivation, PostcodeLsoa
from referral_service.persistence.models.notifications import ContactPermission, Notification, NotificationSetting
from referral_service.persistence.models.outbox import OutboxMessage
from referral_service.persistence.models.progress import ContactAttempt, OutcomeMeasure, SessionAttendance
from referral_service.persistence.models.referral import (
    InboundMessage,
    Patient,
    Referral,
    ReferralEvent,
    ReferralPatientDetails,
    ReferralTask,
    UnmetDemand,
)
from referral_service.persistence.models.reporting import PracticePcn, ReportJourney, ReportRefresh

__all__ = [
    "Accreditation",
    "ApiClient",
    "ApiClientPractice",
    "AuditEvent",
    "CapacityPool",
    "ContactAttempt",
    "ContactPermission",
    "InboundMessage",
    "LsoaDeprivation",
    "Notification",
    "NotificationSetting",
    "Offer",
    "Organisation",
    "OrganisationIdentifier",
    "OutboxMessage",
    "OutcomeMeasure",
    "Patient",
    "PortalSession",
    "PortalUser",
    "PostcodeLsoa",
    "PracticePcn",
    "Referral",
    "ReferralEvent",
    "ReferralPatientDetails",
    "ReferralTask",
    "ReportJourney",
    "ReportRefresh",
    "Service",
    "ServiceLocation",
    "SessionAttendance",
    "SignInThrottle",
    "UnmetDemand",
    "WaitlistEntry",
]
