"""Who and where: communities, categories of issue, teams, volunteers and dashboard users."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, utcnow


class Community(Base):
    """A residential community the line serves."""

    __tablename__ = "community"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Category(Base):
    """A kind of issue a caller can choose in the menu; `skill` matches technicians later."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    urgent: Mapped[bool] = mapped_column(default=False)
    # The promise: hours from the call to resolution, for normal and for urgent tickets.
    sla_hours: Mapped[int] = mapped_column(default=72)
    urgent_sla_hours: Mapped[int | None]
    # A retired category stays on its old tickets but is offered nowhere new.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())


class Team(Base):
    """A service team of volunteers, belonging to a community."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))


class Volunteer(Base):
    """A person who takes rota calls on their mobile."""

    __tablename__ = "volunteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    mobile: Mapped[str] = mapped_column(String(32), unique=True)
    party_member: Mapped[bool] = mapped_column(default=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    # Comma-separated BCP 47 tags, e.g. "zh,en".
    languages: Mapped[str] = mapped_column(String(64), default="zh")
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team | None] = relationship()
    community: Mapped[Community | None] = relationship()


class Role(enum.StrEnum):
    """What a dashboard user may do."""

    ADMIN = "admin"  # everything, including users
    SUPERVISOR = "supervisor"  # reviews calls, tickets and the rota
    VOLUNTEER = "volunteer"  # sees own shifts and calls


class User(Base):
    """A dashboard login."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role]
    display_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    volunteer: Mapped[Volunteer | None] = relationship()
