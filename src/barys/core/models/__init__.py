"""Core models: people, roles and scopes, API tokens, audit and access logs, jobs, files."""

from barys.core.models.audit import AccessLogEntry, AuditEntry
from barys.core.models.files import StoredFile
from barys.core.models.jobs import Job
from barys.core.models.people import (
    ROLE_NAMES,
    ROLE_RANK,
    ApiToken,
    LoginFailure,
    Role,
    RoleAssignment,
    Scope,
    User,
)

__all__ = [
    "AccessLogEntry",
    "ApiToken",
    "AuditEntry",
    "Job",
    "LoginFailure",
    "ROLE_NAMES",
    "ROLE_RANK",
    "Role",
    "RoleAssignment",
    "Scope",
    "StoredFile",
    "User",
]
