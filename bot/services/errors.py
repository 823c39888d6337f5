"""The one family of errors that services raise.

    ServiceError                 reason: a StrEnum member, value: the offending input or None
     ├── AnnouncementError       announcements.Reason
     ├── AttendanceError         attendance.Reason         (services/attendance/errors.py)
     ├── CertificateError        certificates.Reason
     ├── ContentVersionError     content_versions.Reason   (also the workbooks')
     ├── ExportError             exports.Reason            (services/exports/request.py)
     ├── InboxError              inbox.Reason
     ├── NudgeError              nudges.Reason
     ├── PrivacyError            privacy.Reason            (services/privacy/walk_ins.py)
     ├── ProblemError            problems.Reason
     ├── ProfileError            learners.Reason
     ├── ProgrammeError          programmes.Reason
     ├── QuizError               quiz.Reason
     ├── ReportingRoleError      reporting_role.Reason
     ├── RoleError               roles.Reason
     ├── SessionError            sessions.Reason           (services/sessions/errors.py)
     ├── SubscriptionError       subscriptions.Reason
     └── TargetFileError         targets.Reason            (services/targets/load.py)

A service checks first and writes after, so a refused request has changed nothing. Each
feature's handlers turn the reasons of the errors they expect into translated text in one
function. Two reasons mean the same in every family and are answered by the entry points
themselves when a handler lets them through (``bot.handlers.common.entry``): ``not-found``
(what the request points at does not exist, or no longer: a stale or forged button) and
``not-allowed`` (the person may not do this, for this scope).
"""

from __future__ import annotations

from enum import StrEnum

NOT_FOUND = "not-found"
NOT_ALLOWED = "not-allowed"


class ServiceError(Exception):
    """A request a service refused; ``reason`` says why, ``value`` what was wrong."""

    def __init__(self, reason: StrEnum, value: str | None = None) -> None:
        super().__init__(reason.value if value is None else f"{reason.value}: {value}")
        self.reason = reason
        self.value = value

    @property
    def not_found(self) -> bool:
        return self.reason.value == NOT_FOUND

    @property
    def not_allowed(self) -> bool:
        return self.reason.value == NOT_ALLOWED
