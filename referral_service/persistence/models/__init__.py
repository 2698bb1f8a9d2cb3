"""Every table of the service. Importing this package registers them all on Base.metadata."""

from referral_service.persistence.models._columns import new_public_id
from referral_service.persistence.models.access import (
    ApiClient,
    ApiClientPractice,
    AuditEvent,
    PortalSession,
    PortalUser,
    SignInRecord,
    SignInThrottle,
)
from referral_service.persistence.models.account_links import AccountLink
from referral_service.persistence.models.accreditation import AccreditationEvidence
from referral_service.persistence.models.areas import Area
from referral_service.persistence.models.capacity import Offer, WaitlistEntry
from referral_service.persistence.models.casework import CaseNote, FollowUp, SafeguardingFlag
from referral_service.persistence.models.directory import (
    Accreditation,
    CapacityPool,
    DirectoryStamp,
    Organisation,
    OrganisationIdentifier,
    Service,
    ServiceDistrict,
    ServiceLocation,
)
from referral_service.persistence.models.directory_changes import DirectoryProposal, DirectoryVersion
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
from referral_service.persistence.models.reporting import PracticeListSize, PracticePcn, ReportJourney, ReportRefresh
from referral_service.persistence.models.rollups import (
    ROLLUP_TABLES,
    report_equity_rollups,
    report_rollups,
    report_tally_rollups,
    report_wait_rollups,
)
from referral_service.persistence.models.schedule import ProgrammeStart, ServiceClass, SessionBooking, SessionCorrection

__all__ = [
    "ROLLUP_TABLES",
    "AccountLink",
    "Accreditation",
    "AccreditationEvidence",
    "ApiClient",
    "ApiClientPractice",
    "Area",
    "AuditEvent",
    "CapacityPool",
    "CaseNote",
    "ContactAttempt",
    "ContactPermission",
    "DirectoryProposal",
    "DirectoryStamp",
    "DirectoryVersion",
    "FollowUp",
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
    "PracticeListSize",
    "PracticePcn",
    "ProgrammeStart",
    "Referral",
    "ReferralEvent",
    "ReferralPatientDetails",
    "ReferralTask",
    "ReportJourney",
    "ReportRefresh",
    "SafeguardingFlag",
    "Service",
    "ServiceClass",
    "ServiceDistrict",
    "ServiceLocation",
    "SessionAttendance",
    "SessionBooking",
    "SessionCorrection",
    "SignInRecord",
    "SignInThrottle",
    "UnmetDemand",
    "WaitlistEntry",
    "new_public_id",
    "report_equity_rollups",
    "report_rollups",
    "report_tally_rollups",
    "report_wait_rollups",
]
