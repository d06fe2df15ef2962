"""Demo data for a newcomer's first run: communities, categories, volunteers on duty now."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import accounts, tickets
from hotline.models import Category, Community, Role, Team, Volunteer
from hotline.rota.cadence import wall
from hotline.rota.rotations import create_rotation

COMMUNITIES = (("dongcheng", "东城社区"), ("xiyuan", "西苑社区"), ("nanshan", "南山社区"))

VOLUNTEERS = (
    ("张伟", "+8613800000101"),
    ("王芳", "+8613800000102"),
    ("李娜", "+8613800000103"),
    ("刘洋", "+8613800000104"),
)


@dataclass(frozen=True)
class DemoLogin:
    """The supervisor login created by the seed; the password is shown once."""

    username: str
    password: str


def is_empty(session: Session) -> bool:
    """True when nothing has been seeded (no categories yet)."""
    return session.scalar(select(func.count()).select_from(Category)) == 0


def seed(session: Session, now: datetime) -> DemoLogin:
    """Seed an empty database with demo data and a supervisor with a generated password."""
    tickets.ensure_categories(session)
    communities = [Community(code=code, name=name) for code, name in COMMUNITIES]
    session.add_all(communities)
    session.flush()
    team = Team(name="东城党员服务队", community_id=communities[0].id)
    session.add(team)
    session.flush()
    volunteers = [
        Volunteer(name=name, mobile=mobile, team_id=team.id, community_id=communities[0].id)
        for name, mobile in VOLUNTEERS
    ]
    session.add_all(volunteers)
    session.flush()
    seed_demo_rota(session, volunteers, now)
    password = secrets.token_urlsafe(12)
    accounts.create_user(session, "supervisor", password, Role.SUPERVISOR, display_name="值班主管")
    return DemoLogin("supervisor", password)


def seed_demo_rota(session: Session, volunteers: list[Volunteer], now: datetime) -> None:
    """A daily primary rotation (08:00 handoff) and a daily backup (20:00), both on duty now."""
    if not volunteers:
        return
    tz = ZoneInfo("Asia/Shanghai")
    # Both start at this morning's 08:00 (yesterday's when it is earlier than 08:00); the
    # backup hands over at 20:00 so primary and backup never both change at once.
    morning = datetime.combine(wall(now, tz).date(), time(8, 0), tz)
    if morning > now:
        morning -= timedelta(days=1)
    half = max(1, len(volunteers) // 2)
    ids = [v.id for v in volunteers]
    create_rotation(session, name="主班 Primary", member_ids=ids[:half], starts_at=morning)
    if ids[half:]:
        create_rotation(
            session,
            name="备班 Backup",
            member_ids=ids[half:],
            starts_at=morning,
            layer=2,
            handoff_time=time(20, 0),
        )
