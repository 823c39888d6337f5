"""What the database holds, one module per area (timestamps are timezone-aware UTC); import
from here: ``from bot.models import Learner``. Every table is defined when this package is
imported, so ``SQLModel.metadata`` (migrations, tests) sees them all."""

from __future__ import annotations

from bot.models.base import (
    MAX_ID,
)
from bot.models.content import (
    ModuleVersion,
    TranslationState,
    TranslationStatus,
    VersionState,
)
from bot.models.learning import (
    Certificate,
    CertificateReplacement,
    ModuleProgress,
    NudgeDelivery,
    NudgePlan,
    ProblemReport,
    QuizAnswer,
    QuizAttempt,
    QuizKind,
    ReviewItem,
)
from bot.models.messages import (
    Announcement,
    Draft,
    GroupGreeting,
    InboundUpdate,
    InboxConversation,
    InboxMessage,
    OutboxMessage,
    RuntimeMark,
)
from bot.models.people import (
    PSEUDONYM_ALPHABET,
    PSEUDONYM_LENGTH,
    AuditEntry,
    Consent,
    Learner,
    Role,
    RoleGrant,
    RoleInvite,
    new_pseudonym,
)
from bot.models.programmes import (
    Programme,
    ProgrammeModule,
    ReportDelivery,
    ReportSubscription,
    Target,
)
from bot.models.sessions import (
    ATTENDED,
    Attendance,
    AttendanceStatus,
    CheckinGuard,
    Delivery,
    Feedback,
    Registration,
    RegistrationStatus,
    TrainingSession,
)

__all__ = [
    "ATTENDED",
    "MAX_ID",
    "PSEUDONYM_ALPHABET",
    "PSEUDONYM_LENGTH",
    "Announcement",
    "Attendance",
    "AttendanceStatus",
    "AuditEntry",
    "Certificate",
    "CertificateReplacement",
    "CheckinGuard",
    "Consent",
    "Delivery",
    "Draft",
    "Feedback",
    "GroupGreeting",
    "InboundUpdate",
    "InboxConversation",
    "InboxMessage",
    "Learner",
    "ModuleProgress",
    "ModuleVersion",
    "NudgeDelivery",
    "NudgePlan",
    "OutboxMessage",
    "ProblemReport",
    "Programme",
    "ProgrammeModule",
    "QuizAnswer",
    "QuizAttempt",
    "QuizKind",
    "Registration",
    "RegistrationStatus",
    "ReportDelivery",
    "ReportSubscription",
    "ReviewItem",
    "Role",
    "RoleGrant",
    "RoleInvite",
    "RuntimeMark",
    "Target",
    "TrainingSession",
    "TranslationState",
    "TranslationStatus",
    "VersionState",
    "new_pseudonym",
]
