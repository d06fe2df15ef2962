"""Realistic ticket history, for the demo seed and the tickets benchmark.

`generate` draws tickets over a date range, deterministically from a seed: categories by how
often residents call about them, created mostly by day, resolved so that about 90% meet the
3-day promise (lock-outs within hours), a few closed as duplicates, a few reopened, some still
open (overdue ones too), technicians chosen by skill and community, satisfaction scores on
some, and an event for every change, as hotline.tickets.workflow records them. It yields plain
rows (dicts of column values with ids already given) so callers can bulk-insert them: `write`
with executemany (the demo seed), or COPY (bench/tickets.py). The state at `now` is what the
line would show: the clock's markers and the survey are set where the sweeps would have set
them, so no sweep acts on history afterwards. History tickets have no call (call_id NULL).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session, selectinload

from hotline.db import Base, upsert
from hotline.models import (
    Category,
    Community,
    EventKind,
    Priority,
    Technician,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketSource,
    TicketStatus,
    Volunteer,
)
from hotline.tickets import clock
from hotline.tickets.lifecycle import OPEN_STATUSES

Row = dict[str, Any]

# How often residents call about each category (water and electric most, lock-outs rare).
CATEGORY_WEIGHTS = {"water_electric": 45, "complaint": 25, "pipe_network": 22, "lockout": 8}
OTHER_CATEGORY_WEIGHT = 3
# Calls by local hour: quiet at night, busiest in the morning and early evening.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 13, 12, 10, 8, 9, 10, 10, 9, 9, 10, 9, 7, 5, 3, 2)
# Hours to resolution: lognormal. Other categories: median 20 h and sigma 1.04 put 89% within
# 72 h; lock-outs: median 1.5 h, 95% within their 4 hours.
RESOLUTION = {"lockout": (1.5, 0.6)}
DEFAULT_RESOLUTION = (20.0, 1.04)
LONGEST_HOURS = 24 * 30
DUPLICATE_SHARE = 0.03  # closed within hours: the resident had already called
REOPEN_SHARE = 0.02  # the resident calls back: not fixed after all
URGENT_SHARE = 0.05  # a leak or a power cut reported as urgent in an ordinary category
SURVEY_DELAY = timedelta(minutes=10)
RATED_SHARE = 0.55  # residents who answer the survey
SCORES = (1, 2, 3, 4, 5)
SCORE_WEIGHTS = (3, 4, 10, 28, 55)
LOW_SCORES = frozenset({1, 2})  # reopen the ticket, as hotline.tickets.workflow.rate does
WARN_AT = 0.8  # the clock warns at 80% of the promised time (hotline's SLA sweep)

SUMMARIES = {
    "water_electric": (
        "厨房水龙头漏水",
        "卫生间停水",
        "楼道灯不亮",
        "家里跳闸没电",
        "热水器不出热水",
        "插座冒火花",
        "电表箱异响",
    ),
    "pipe_network": ("下水道堵塞", "楼下管道渗水", "小区主管爆裂", "污水井冒水", "暖气管漏水"),
    "lockout": ("钥匙锁在屋里", "老人被锁门外", "防盗门打不开", "钥匙丢失进不了门"),
    "complaint": ("楼上噪音扰民", "垃圾清运不及时", "物业服务态度差", "咨询维修政策", "占道停车"),
}
OTHER_SUMMARIES = ("居民来电反映问题",)
DONE_NOTES = {
    "water_electric": ("已更换水龙头阀芯", "已修复线路并恢复供电", "已更换灯泡", "已检修热水器"),
    "pipe_network": ("已疏通管道", "已更换破损管段", "已协调管网公司修复"),
    "lockout": ("已开锁，居民已进门", "已开锁并建议更换锁芯"),
    "complaint": ("已协调物业处理", "已电话回复居民", "已转交社区居委会并回访"),
}
OTHER_NOTES = ("已处理",)
DUPLICATE_NOTE = "重复来电，已合并到先前工单"
REOPEN_NOTE = "居民回电：问题仍未解决"
ACCEPT_NOTE = "短信接单"
START_NOTE = "开始处理"


@dataclass(frozen=True)
class Worker:
    """A technician as the generator sees one: skills and communities by id."""

    id: int
    name: str
    skills: frozenset[int]
    communities: frozenset[int]


@dataclass(frozen=True)
class Pool:
    """What history is drawn over: communities, categories, the talent pool, volunteers."""

    communities: Sequence[Community]
    categories: Sequence[Category]
    technicians: Sequence[Worker]
    volunteers: Sequence[Volunteer]
    dispatcher: str = "值班主管"


def load_pool(session: Session) -> Pool:
    """The communities, categories, active technicians and volunteers in the database."""
    technicians = session.scalars(
        select(Technician)
        .where(Technician.active.is_(True))
        .options(selectinload(Technician.skills), selectinload(Technician.communities))
        .order_by(Technician.id)
    )
    return Pool(
        communities=list(session.scalars(select(Community).order_by(Community.id))),
        categories=list(session.scalars(select(Category).order_by(Category.id))),
        technicians=[
            Worker(
                t.id,
                t.name,
                frozenset(c.id for c in t.skills),
                frozenset(c.id for c in t.communities),
            )
            for t in technicians
        ],
        volunteers=list(
            session.scalars(
                select(Volunteer).where(Volunteer.active.is_(True)).order_by(Volunteer.id)
            )
        ),
    )


@dataclass
class Start:
    """Where new rows begin: the next ids, the yearly counters, short references in use."""

    ticket_id: int = 1
    event_id: int = 1
    counters: dict[int, int] = field(default_factory=dict)
    open_refs: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, session: Session) -> Start:
        """After what the database already holds."""
        return cls(
            ticket_id=(session.scalar(select(func.max(Ticket.id))) or 0) + 1,
            event_id=(session.scalar(select(func.max(TicketEvent.id))) or 0) + 1,
            counters={
                year: last
                for year, last in session.execute(select(TicketCounter.year, TicketCounter.last))
            },
            open_refs=set(
                session.scalars(
                    select(Ticket.ref).where(
                        Ticket.ref.is_not(None), Ticket.status.in_(OPEN_STATUSES)
                    )
                )
            ),
        )


@dataclass(frozen=True)
class Period:
    """Tickets created from `start` until `now`, `total` of them, in `timezone`'s hours."""

    start: datetime
    now: datetime
    total: int
    timezone: str = "Asia/Shanghai"
    default_sla_hours: int = 72


@dataclass(frozen=True, slots=True)
class _Kind:
    # A category as the draws need it: plain attributes are much cheaper than the ORM's.
    id: int
    code: str
    urgent: bool
    promised: dict[Priority, timedelta]


@dataclass(frozen=True, slots=True)
class _Place:
    id: int
    name: str


class Generator:
    """Draws the history; `counters` holds each year's last number once it is exhausted."""

    def __init__(self, pool: Pool, period: Period, seed: int, start: Start | None = None):
        if not pool.communities or not pool.categories:
            raise ValueError("history needs communities and categories")
        self.pool = pool
        self.period = period
        # Demo data, not secrets: a seeded generator makes the history reproducible.
        self.rng = random.Random(seed)  # noqa: S311
        self.start = start or Start()
        self.counters = dict(self.start.counters)
        self.taken = set(self.start.open_refs)
        self.next_event = self.start.event_id
        self.tz = ZoneInfo(period.timezone)
        weights = [CATEGORY_WEIGHTS.get(c.code, OTHER_CATEGORY_WEIGHT) for c in pool.categories]
        self.category_cum = list(itertools.accumulate(weights))
        # Some communities are bigger than others: weights 1..4, fixed by the seed.
        self.community_cum = list(
            itertools.accumulate(self.rng.choice((1, 2, 2, 3, 4)) for _ in pool.communities)
        )
        self.hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))
        self.kinds = [
            _Kind(
                c.id,
                c.code,
                c.urgent,
                {
                    p: timedelta(hours=clock.promised_hours(c, p, period.default_sla_hours))
                    for p in Priority
                },
            )
            for c in pool.categories
        ]
        self.places = [_Place(c.id, c.name) for c in pool.communities]
        self.by_skill: dict[tuple[int, int], list[Worker]] = {}
        for category in pool.categories:
            skilled = [t for t in pool.technicians if category.id in t.skills]
            for community in pool.communities:
                near = [t for t in skilled if community.id in t.communities]
                self.by_skill[(category.id, community.id)] = near or skilled

    def _pick(self, cum: list[int]) -> int:
        return bisect.bisect_right(cum, self.rng.random() * cum[-1])

    def _moments(self) -> list[datetime]:
        """`total` creation times between start and now, in order, more by day."""
        period = self.period
        first = period.start.astimezone(self.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        days = max(1, math.ceil((period.now - first).total_seconds() / 86400))
        seconds: list[int] = []
        while len(seconds) < period.total:
            second = (
                self.rng.randrange(days) * 86400
                + self._pick(self.hour_cum) * 3600
                + self.rng.randrange(3600)
            )
            moment = first + timedelta(seconds=second)
            if period.start <= moment < period.now:
                seconds.append(second)
        seconds.sort()
        return [(first + timedelta(seconds=s)).astimezone(UTC) for s in seconds]

    def _ref(self, stays_open: bool) -> str:
        # Unique among tickets still open at the end (the partial unique index); a ticket
        # resolved long ago keeps whatever it was given, as real ones do.
        for length in (4, 5, 6, 7, 8):
            low = 10 ** (length - 1)
            for _ in range(20):
                ref = str(self.rng.randrange(low, 10 * low))
                if not stays_open:
                    return ref
                if ref not in self.taken:
                    self.taken.add(ref)
                    return ref
        raise RuntimeError("no free short reference")

    def __iter__(self) -> Iterator[tuple[Row, list[Row]]]:
        """(ticket row, its event rows) in creation order."""
        for offset, created in enumerate(self._moments()):
            yield self._ticket(self.start.ticket_id + offset, created)

    def _ticket(self, ticket_id: int, created: datetime) -> tuple[Row, list[Row]]:
        rng = self.rng
        category = self.kinds[self._pick(self.category_cum)]
        community = self.places[self._pick(self.community_cum)]
        code = category.code
        urgent = category.urgent or rng.random() < URGENT_SHARE
        priority = Priority.URGENT if urgent else Priority.NORMAL
        # As hotline.tickets.clock.due_at: the promise counts from the call.
        due = created + category.promised[priority]
        year = created.astimezone(self.tz).year
        seq = self.counters.get(year, 0) + 1
        self.counters[year] = seq

        median, sigma = RESOLUTION.get(code, DEFAULT_RESOLUTION)
        hours = min(rng.lognormvariate(math.log(median), sigma), LONGEST_HOURS)
        duplicate = rng.random() < DUPLICATE_SHARE
        if duplicate:
            hours = rng.uniform(0.2, 3.0)
        finished = created + timedelta(hours=hours)
        assignee = self._assignee(category, community)

        events: list[Row] = []
        ticket: Row = {
            "id": ticket_id,
            "number": f"{year}-{seq:06d}",
            "ref": None,
            "year": year,
            "seq": seq,
            "call_id": None,
            "recording_id": None,
            "category_id": category.id,
            "community_id": community.id,
            "priority": priority,
            "status": TicketStatus.OPEN,
            "source": TicketSource.ANSWERED if rng.random() < 0.8 else TicketSource.VOICEMAIL,
            "caller_number": f"+86139{rng.randrange(10**8):08d}",
            "resident_id": None,
            "address": f"{community.name}{rng.randint(1, 30)}号楼"
            f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室",
            "technician_id": None,
            "volunteer_id": None,
            "summary": rng.choice(SUMMARIES.get(code, OTHER_SUMMARIES)),
            "transcript_text": "",
            "created_at": created,
            "due_at": due,
            "resolved_at": None,
            "closed_at": None,
            "sla_warned_at": None,
            "sla_breached_at": None,
            "survey_sent_at": None,
            "satisfaction": None,
            "rated_at": None,
            "updated_at": created,
        }
        state = _Timeline(self, ticket, events)
        state.event(created, EventKind.CREATED, "system")
        if duplicate:
            state.status(finished, TicketStatus.CLOSED, self.pool.dispatcher, DUPLICATE_NOTE)
        else:
            self._work(state, created, hours, assignee, code)
        self._clock(state, created, due)
        ticket["ref"] = self._ref(ticket["status"] in OPEN_STATUSES)
        events.sort(key=lambda e: e["at"])
        for event in events:
            event["id"] = self.next_event
            self.next_event += 1
        ticket["updated_at"] = events[-1]["at"]
        return ticket, events

    def _assignee(self, category: _Kind, community: _Place) -> Worker | Volunteer | None:
        workers = self.by_skill.get((category.id, community.id)) or []
        if workers:
            return self.rng.choice(workers)
        if self.pool.volunteers:
            # Nobody in the talent pool has the skill (complaints): a volunteer follows it up.
            return self.rng.choice(self.pool.volunteers)
        return None

    def _work(
        self,
        state: _Timeline,
        created: datetime,
        hours: float,
        assignee: Worker | Volunteer | None,
        code: str,
    ) -> None:
        """Assigned, started, resolved (perhaps reopened and resolved again), rated."""
        rng = self.rng
        assigned = min(hours * 0.15, rng.uniform(0.05, 2.0))
        started = assigned + (hours - assigned) * rng.uniform(0.2, 0.5)
        dispatcher = self.pool.dispatcher
        worker = assignee.name if assignee is not None else dispatcher
        at = created + timedelta(hours=assigned)
        if assignee is not None:
            if not state.assign(at, assignee, dispatcher):
                return
        start_note = ACCEPT_NOTE if isinstance(assignee, Worker) else START_NOTE
        if not state.status(
            created + timedelta(hours=started), TicketStatus.IN_PROGRESS, worker, start_note
        ):
            return
        note = rng.choice(DONE_NOTES.get(code, OTHER_NOTES))
        score = rng.choices(SCORES, SCORE_WEIGHTS)[0] if rng.random() < RATED_SHARE else None
        low = score in LOW_SCORES
        if low or rng.random() < REOPEN_SHARE:
            # Resolved a first time, then reopened (a low score or the resident calling back);
            # the clock keeps the original start.
            first = started + (hours - started) * rng.uniform(0.3, 0.6)
            if not state.status(
                created + timedelta(hours=first), TicketStatus.RESOLVED, worker, note
            ):
                return
            back = first + (hours - first) * rng.uniform(0.1, 0.4)
            back_at = created + timedelta(hours=back)
            if low and score is not None:
                state.survey(created + timedelta(hours=first))
                if not state.rate(back_at, score):
                    return
                reason = f"satisfaction {score}/5"
                score = None
            else:
                reason = REOPEN_NOTE
            if not state.status(back_at, TicketStatus.IN_PROGRESS, "system", reason):
                return
        done = created + timedelta(hours=hours)
        if not state.status(done, TicketStatus.RESOLVED, worker, note):
            return
        state.survey(done)
        if score is not None:
            state.rate(done + SURVEY_DELAY + timedelta(minutes=rng.randint(5, 600)), score)

    def _clock(self, state: _Timeline, created: datetime, due: datetime) -> None:
        """The clock's warning and breach, where a sweep would have sent them."""
        warn = created + (due - created) * WARN_AT
        ended = state.ticket["resolved_at"] or state.ticket["closed_at"]
        for at, column, what in (
            (warn, "sla_warned_at", "warning"),
            (due, "sla_breached_at", "breach"),
        ):
            if at <= self.period.now and (ended is None or ended > at):
                state.ticket[column] = at
                state.event(at, EventKind.SLA, "system", field="sla", to_value=what)


class _Timeline:
    """One ticket's changes, applied in order and only up to `now` (later ones never happen)."""

    def __init__(self, generator: Generator, ticket: Row, events: list[Row]):
        self.now = generator.period.now
        self.ticket = ticket
        self.events = events

    def event(self, at: datetime, kind: EventKind, actor: str, **values: str) -> None:
        self.events.append(
            {
                "id": 0,
                "ticket_id": self.ticket["id"],
                "at": at,
                "kind": kind,
                "user_id": None,
                "actor": actor,
                "field": values.get("field", ""),
                "from_value": values.get("from_value", ""),
                "to_value": values.get("to_value", ""),
                "note": values.get("note", ""),
            }
        )

    def status(self, at: datetime, to: TicketStatus, actor: str, note: str = "") -> bool:
        if at > self.now:
            return False
        before = self.ticket["status"]
        self.ticket["status"] = to
        if to is TicketStatus.RESOLVED:
            self.ticket["resolved_at"] = at
        elif to is TicketStatus.CLOSED:
            self.ticket["closed_at"] = at
        elif to in OPEN_STATUSES:
            self.ticket["resolved_at"] = self.ticket["closed_at"] = None
            self.ticket["survey_sent_at"] = None
        self.event(
            at,
            EventKind.STATUS,
            actor,
            field="status",
            from_value=before.value,
            to_value=to.value,
            note=note,
        )
        return True

    def assign(self, at: datetime, assignee: Worker | Volunteer, actor: str) -> bool:
        if at > self.now:
            return False
        technician = isinstance(assignee, Worker)
        self.ticket["technician_id" if technician else "volunteer_id"] = assignee.id
        self.event(
            at,
            EventKind.ASSIGNED,
            actor,
            field="technician" if technician else "volunteer",
            to_value=assignee.name,
        )
        return self.status(at, TicketStatus.ASSIGNED, actor)

    def survey(self, resolved: datetime) -> None:
        # Asked once resolved; set even when the ask would fall after now, so that the survey
        # sweep never texts residents of history.
        self.ticket["survey_sent_at"] = min(resolved + SURVEY_DELAY, self.now)

    def rate(self, at: datetime, score: int) -> bool:
        if at > self.now:
            return False
        self.ticket["satisfaction"] = score
        self.ticket["rated_at"] = at
        self.event(at, EventKind.RATED, "resident", to_value=str(score))
        return True


def generate(pool: Pool, period: Period, seed: int, start: Start | None = None) -> Generator:
    """The history's tickets and events; iterate it once (see Generator)."""
    return Generator(pool, period, seed, start)


BATCH = 2000
TICKETS = Base.metadata.tables["ticket"]
EVENTS = Base.metadata.tables["ticket_event"]


def write(session: Session, pool: Pool, period: Period, seed: int) -> int:
    """Insert the history after what the database holds (executemany in batches) and move
    the yearly counters on, so the next call's ticket takes the next number. Returns how many
    tickets were written. The caller commits."""
    history = generate(pool, period, seed, Start.of(session))
    # Core executemany: the ORM's bulk insert costs several times as much per row.
    connection = session.connection()
    written = 0
    rows = iter(history)
    while chunk := list(itertools.islice(rows, BATCH)):
        connection.execute(TICKETS.insert(), [ticket for ticket, _ in chunk])
        connection.execute(EVENTS.insert(), [event for _, events in chunk for event in events])
        written += len(chunk)
    save_counters(session, history.counters)
    advance_ids(session)
    return written


def advance_ids(session: Session) -> None:
    """PostgreSQL: move the id sequences past rows inserted with explicit ids, so the next
    ticket the line opens does not collide with history. (SQLite takes max(id) + 1 anyway.)"""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), max(id)) FROM ticket")
    )
    session.execute(
        text(
            "SELECT setval(pg_get_serial_sequence('ticket_event', 'id'), max(id)) FROM ticket_event"
        )
    )


def save_counters(session: Session, counters: dict[int, int]) -> None:
    """Each year's counter at least at `counters`' value (never moved back)."""
    for year, last in counters.items():
        stmt = (
            upsert(session, TicketCounter)
            .values(year=year, last=last)
            .on_conflict_do_update(
                index_elements=[TicketCounter.year],
                set_={"last": case((TicketCounter.last > last, TicketCounter.last), else_=last)},
            )
        )
        session.execute(stmt)
