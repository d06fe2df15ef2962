"""Administration tests: the audit entries a change left."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models.audit import AuditEntry


def audited(session: Session, action: str) -> list[AuditEntry]:
    """The entries of `action`, oldest first (the session reads what requests committed)."""
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )
