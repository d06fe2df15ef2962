"""Demo data for a newcomer's first run: the county's 28 communities, categories, volunteers on
duty now, a talent pool of technicians, and three months of ticket history for the KPI page."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import accounts, tickets
from hotline.devtools import history
from hotline.models import Category, Community, Role, Team, Technician, User, Volunteer
from hotline.rota.cadence import wall
from hotline.rota.rotations import create_rotation

# The county's 28 communities (invented names).
COMMUNITIES = (
    ("dongcheng", "东城社区"),
    ("xiyuan", "西苑社区"),
    ("nanshan", "南山社区"),
    ("xingfuli", "幸福里社区"),
    ("heping", "和平社区"),
    ("chaoyang", "朝阳社区"),
    ("jinqiao", "金桥社区"),
    ("lvyuan", "绿苑社区"),
    ("minzhu", "民主社区"),
    ("wenhua", "文化社区"),
    ("anning", "安宁社区"),
    ("qingquan", "清泉社区"),
    ("taoyuan", "桃园社区"),
    ("xinhua", "新华社区"),
    ("yongfeng", "永丰社区"),
    ("huayuan", "花园社区"),
    ("beiguan", "北关社区"),
    ("nanguan", "南关社区"),
    ("hexi", "河西社区"),
    ("hedong", "河东社区"),
    ("jianshe", "建设社区"),
    ("shengli", "胜利社区"),
    ("tuanjie", "团结社区"),
    ("changan", "长安社区"),
    ("fuqiang", "富强社区"),
    ("songbai", "松柏社区"),
    ("yuquan", "玉泉社区"),
    ("guangming", "光明社区"),
)

# The talent pool: name, mobile, skills (category codes), communities served (every 4th one
# from the first index, so each community has technicians of every skill nearby).
TECHNICIANS = (
    ("赵师傅", "+8613900000201", ("water_electric",), 0),
    ("钱师傅", "+8613900000202", ("water_electric",), 1),
    ("孙师傅", "+8613900000203", ("water_electric",), 2),
    ("李师傅", "+8613900000204", ("water_electric",), 3),
    ("周师傅", "+8613900000205", ("water_electric", "pipe_network"), 0),
    ("吴师傅", "+8613900000206", ("water_electric", "pipe_network"), 2),
    ("郑师傅", "+8613900000207", ("pipe_network",), 1),
    ("王师傅", "+8613900000208", ("pipe_network",), 3),
    ("冯师傅", "+8613900000209", ("pipe_network",), 0),
    ("陈师傅", "+8613900000210", ("lockout",), 0),
    ("褚师傅", "+8613900000211", ("lockout",), 1),
    ("卫师傅", "+8613900000212", ("lockout",), 2),
    ("蒋师傅", "+8613900000213", ("lockout",), 3),
    ("沈师傅", "+8613900000214", ("water_electric", "lockout"), 1),
    ("韩师傅", "+8613900000215", ("water_electric", "lockout"), 3),
)
COMMUNITY_STRIDE = 4

# Three months of history, about 30 tickets a day; the same draws on every run.
HISTORY_DAYS = 92
HISTORY_TICKETS = 2800
HISTORY_SEED = 2026

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
    """True when nothing has been seeded: no community and no login yet (the first run's
    `db upgrade` adds the menu's categories, so they do not count)."""
    return all(
        session.scalar(select(func.count()).select_from(model)) == 0 for model in (Community, User)
    )


def seed(session: Session, now: datetime, timezone: str = "Asia/Shanghai") -> DemoLogin:
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
    seed_talent_pool(session, communities)
    history.write(
        session,
        history.load_pool(session),
        history.Period(
            start=now - timedelta(days=HISTORY_DAYS),
            now=now,
            total=HISTORY_TICKETS,
            timezone=timezone,
        ),
        HISTORY_SEED,
    )
    password = secrets.token_urlsafe(12)
    accounts.create_user(session, "supervisor", password, Role.SUPERVISOR, display_name="值班主管")
    return DemoLogin("supervisor", password)


def seed_talent_pool(session: Session, communities: list[Community]) -> list[Technician]:
    """The technicians of the talent pool, with their skills and the communities they serve."""
    categories = {c.code: c for c in session.scalars(select(Category))}
    technicians = [
        Technician(
            name=name,
            mobile=mobile,
            skills=[categories[code] for code in skills],
            communities=communities[first::COMMUNITY_STRIDE],
        )
        for name, mobile, skills, first in TECHNICIANS
    ]
    session.add_all(technicians)
    session.flush()
    return technicians


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
