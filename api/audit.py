"""The append-only audit log: one row per upload, review, export, login. There is no update or delete
here on purpose; the database refuses them too (migration 0002)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from docintel.store.models import AuditEvent, utcnow


class Action(StrEnum):
    LOGIN = "login"  # a token's first successful use by this server process
    LOGIN_FAILED = "login_failed"
    CREATE_CASE = "create_case"
    UPLOAD = "upload"
    REVIEW = "review"
    EXPORT = "export"


def record(session: Session, user: str | None, action: Action, target: str | None, **detail: Any) -> None:
    """Add an audit row to the caller's transaction, so the event and what it records commit together."""
    session.add(AuditEvent(at=utcnow(), user_name=user, action=action.value, target=target, detail=detail))
