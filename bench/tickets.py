"""Benchmark the tickets at the county's scale: 1,000,000 tickets over 3 years, on PostgreSQL.

    python bench/tickets.py [--tickets 1000000] [--requests 100] [--seed 2026] [--refill]
                            [--no-compare]

Fills the database `hotline_bench` on 127.0.0.1:5432 (created beside the `test` database, never
in it) with the county's 28 communities, a talent pool, volunteers and `--tickets` tickets over
three years with their events, drawn by hotline/devtools/history.py (the demo seed's generator)
and written with COPY. The fill is kept: a later run with the same seed and size reuses it
(the database's comment records them); `--refill` draws it again.

Then times requests through the Flask test client, logged in as a supervisor (and as a
volunteer for "assigned to me"): the ticket list unfiltered and with each filter, the ticket
page, the KPI page for a month and for a year, and the signed SMS webhook; and as residents
verified on the public page (their session's marker set, no SMS code): a web report submitted
(its tickets are deleted after the row) and My tickets of a number from the fill. A row whose route
does not exist yet says "not built". Once the migration adding the ticket indexes exists
(*_ticket_indexes.py), every row is timed before it and at head, side by side, in one run.
Targets: list, ticket page, submit and My tickets p95 <= 100 ms, KPI p95 <= 200 ms, SMS webhook
p99 <= 20 ms.
Exit 1 if a built row misses one.
"""

from __future__ import annotations

import argparse
import enum
import itertools
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402

from hotline import accounts, create_app, tickets  # noqa: E402
from hotline.db import make_engine, make_session_factory  # noqa: E402
from hotline.devtools import demo, history  # noqa: E402
from hotline.migrate import alembic_config, upgrade  # noqa: E402
from hotline.models import (  # noqa: E402
    AuditEntry,
    Category,
    Community,
    InboundSms,
    Resident,
    Role,
    Technician,
    Ticket,
    TicketEvent,
    TicketSource,
    TicketStatus,
    Volunteer,
)
from hotline.settings import Settings  # noqa: E402
from hotline.web.online.routes import VERIFIED  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # only to create the database
DATABASE = "hotline_bench"
FORMAT = 1  # bump when the fill changes: a kept database of another format is refilled
BASE_URL = "https://hotline.example.org"
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
PASSWORD = "bench password, not a secret"  # noqa: S105
YEARS = 3
TECHNICIANS = 60
VOLUNTEERS = 40
CHUNK = 20_000  # tickets per COPY round
INDEXES_MIGRATION = "_ticket_indexes.py"  # timed before and after
TIMEZONE = "Asia/Shanghai"

LIST_P95_MS = 100.0
KPI_P95_MS = 200.0
SMS_P99_MS = 20.0


def database_url() -> str:
    return make_engine(ADMIN_URL).url.set(database=DATABASE).render_as_string(hide_password=False)


def marker(seed: int, size: int) -> str:
    return f"hotline tickets bench format={FORMAT} seed={seed} tickets={size}"


def kept_fill(admin: Engine) -> str | None:
    """The comment of the kept database, or None if there is none."""
    with admin.connect() as conn:
        return conn.execute(
            text(
                "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
                "WHERE datname = :name"
            ),
            {"name": DATABASE},
        ).scalar()


def fill(seed: int, size: int, refill: bool) -> None:
    """Create and fill the bench database unless it already holds this seed and size."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    wanted = marker(seed, size)
    if not refill and kept_fill(admin) == wanted:
        print(f"{DATABASE}: kept ({wanted})")
        admin.dispose()
        return
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = database_url()
    upgrade(url)
    begin = time.perf_counter()
    engine = make_engine(url)
    people(engine)
    written = copy_history(engine, seed, size)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE ticket, ticket_event")
        )
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"COMMENT ON DATABASE \"{DATABASE}\" IS '{wanted}'"))
    admin.dispose()
    print(f"{DATABASE}: filled {written:,} tickets in {time.perf_counter() - begin:.0f} s")


def people(engine: Engine) -> None:
    """Communities, categories, the talent pool, volunteers and the two logins."""
    with make_session_factory(engine).begin() as session:
        tickets.ensure_categories(session)
        communities = [Community(code=code, name=name) for code, name in demo.COMMUNITIES]
        session.add_all(communities)
        session.flush()
        skilled = [c for c in session.scalars(select(Category)) if c.code != "complaint"]
        session.add_all(
            Technician(
                name=f"师傅{i:02d}",
                mobile=f"+86139{i:08d}",
                skills=[skilled[i % len(skilled)]],
                communities=communities[i % 4 :: 4],
            )
            for i in range(TECHNICIANS)
        )
        volunteers = [
            Volunteer(name=f"志愿者{i:02d}", mobile=f"+86138{i:08d}") for i in range(VOLUNTEERS)
        ]
        session.add_all(volunteers)
        session.flush()
        accounts.create_user(session, "bench-supervisor", PASSWORD, Role.SUPERVISOR)
        accounts.create_user(
            session, "bench-volunteer", PASSWORD, Role.VOLUNTEER, volunteer_id=volunteers[0].id
        )


def plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def copy_history(engine: Engine, seed: int, size: int) -> int:
    """The history's rows through COPY, a chunk of tickets and then their events at a time."""
    sessions = make_session_factory(engine)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with sessions() as session:
        generator = history.generate(
            history.load_pool(session),
            history.Period(
                start=now - timedelta(days=365 * YEARS), now=now, total=size, timezone=TIMEZONE
            ),
            seed,
            history.Start.of(session),
        )
    ticket_columns = [c.name for c in history.TICKETS.columns]
    event_columns = [c.name for c in history.EVENTS.columns]
    rows = iter(generator)
    written = 0
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with connection.cursor() as cursor:
            while chunk := list(itertools.islice(rows, CHUNK)):
                with cursor.copy(f"COPY ticket ({', '.join(ticket_columns)}) FROM STDIN") as copy:
                    for ticket, _ in chunk:
                        # Columns the history does not draw (the visit window) stay NULL.
                        copy.write_row([plain(ticket.get(c)) for c in ticket_columns])
                with cursor.copy(
                    f"COPY ticket_event ({', '.join(event_columns)}) FROM STDIN"
                ) as copy:
                    for _, events in chunk:
                        for event in events:
                            copy.write_row([plain(event[c]) for c in event_columns])
                written += len(chunk)
                if written % 200_000 == 0:
                    print(f"  {written:,} tickets", flush=True)
        raw.commit()
    finally:
        raw.close()
    with sessions.begin() as session:
        history.save_counters(session, generator.counters)
        history.advance_ids(session)
    return written


@dataclass(frozen=True)
class Case:
    """One row of the table: requests to time, which route they need, and the target."""

    name: str
    route: str
    requests: Callable[[int], list[tuple[str, str, dict[str, str]]]]
    target_ms: float
    percentile: int = 95
    # Whose client: "supervisor", "volunteer" or "resident" (verified on the public page).
    who: str = "supervisor"
    # The answer that counts as success (a submitted report redirects to its confirmation).
    ok: int = 200


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float
    p99: float
    errors: int


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return statistics.median(latencies), cuts[94], cuts[98]


class Fixtures:
    """What the requests are drawn from: ids, numbers, dates and the technicians' tickets."""

    def __init__(self, engine: Engine, rng: random.Random) -> None:
        self.rng = rng
        with make_session_factory(engine)() as session:
            self.categories = [str(i) for i in session.scalars(select(Category.id))]
            self.active_categories = [
                str(i) for i in session.scalars(select(Category.id).where(Category.active))
            ]
            self.communities = [str(i) for i in session.scalars(select(Community.id))]
            top = session.scalar(select(func.max(Ticket.id))) or 0
            ids = [rng.randint(1, top) for _ in range(500)]
            self.numbers = list(session.scalars(select(Ticket.number).where(Ticket.id.in_(ids))))
            # Residents of the fill, by their tickets' numbers (calls' and web reports').
            self.residents = list(
                session.scalars(select(Ticket.caller_number).where(Ticket.id.in_(ids)))
            )
            first = session.scalar(select(func.min(Ticket.created_at)))
            self.first_day = (first or datetime.now(UTC)).astimezone(ZoneInfo(TIMEZONE)).date()
            # A technician's reply about a ticket they are working on.
            self.working = list(
                session.execute(
                    select(Technician.mobile, Ticket.ref)
                    .join(Ticket, Ticket.technician_id == Technician.id)
                    .where(Ticket.status == TicketStatus.IN_PROGRESS)
                    .limit(200)
                )
            )
        self.today = datetime.now(UTC).astimezone(ZoneInfo(TIMEZONE)).date()

    def day(self, span_days: int) -> date:
        """A random local day with `span_days` of history after it."""
        days = (self.today - self.first_day).days - span_days
        return self.first_day + timedelta(days=self.rng.randrange(max(1, days)))


def cases(fx: Fixtures) -> list[Case]:
    rng = fx.rng
    statuses = [s.value for s in TicketStatus]

    def gets(paths: Callable[[], str]) -> Callable[[int], list[tuple[str, str, dict[str, str]]]]:
        return lambda n: [("GET", paths(), {}) for _ in range(n)]

    def week() -> str:
        start = fx.day(7)
        return f"/tickets?date_from={start}&date_to={start + timedelta(days=6)}"

    def month_kpi() -> str:
        return f"/kpi/?kind=month&day={fx.day(31)}"

    def year_kpi() -> str:
        return f"/kpi/?kind=year&day={fx.day(365)}"

    def sms(n: int) -> list[tuple[str, str, dict[str, str]]]:
        requests = []
        for i in range(n):
            if fx.working and i % 2 == 0:
                mobile, ref = rng.choice(fx.working)
                body = f"接 {ref}"
            else:
                mobile, body = f"+86139{rng.randrange(10**8):08d}", "你好"
            requests.append(
                (
                    "POST",
                    "/sms/incoming",
                    {
                        "MessageSid": "SM" + secrets.token_hex(16),
                        "AccountSid": ACCOUNT_SID,
                        "From": mobile,
                        "To": "+8657100000000",
                        "Body": body,
                    },
                )
            )
        return requests

    def report(n: int) -> list[tuple[str, str, dict[str, str]]]:
        return [
            (
                "POST",
                "/r/new",
                {
                    "category": rng.choice(fx.active_categories),
                    "community": rng.choice(fx.communities),
                    "address": f"{rng.randint(1, 30)}栋{rng.randint(101, 1802)}",
                    "description": "厨房水管漏水，地上都是水，请尽快派人来看看",
                },
            )
            for _ in range(n)
        ]

    return [
        Case("list, unfiltered", "/tickets", gets(lambda: "/tickets"), LIST_P95_MS),
        Case(
            "list, page 40",
            "/tickets",
            gets(lambda: f"/tickets?page={rng.randint(2, 40)}"),
            LIST_P95_MS,
        ),
        Case(
            "list, by status",
            "/tickets",
            gets(lambda: f"/tickets?status={rng.choice(statuses)}"),
            LIST_P95_MS,
        ),
        Case(
            "list, by category",
            "/tickets",
            gets(lambda: f"/tickets?category={rng.choice(fx.categories)}"),
            LIST_P95_MS,
        ),
        Case(
            "list, by community",
            "/tickets",
            gets(lambda: f"/tickets?community={rng.choice(fx.communities)}"),
            LIST_P95_MS,
        ),
        Case("list, a week's dates", "/tickets", gets(week), LIST_P95_MS),
        Case(
            "list, mine (volunteer)",
            "/tickets",
            gets(lambda: "/tickets?mine=1"),
            LIST_P95_MS,
            who="volunteer",
        ),
        Case(
            "ticket page",
            "/tickets/<number>",
            gets(lambda: f"/tickets/{rng.choice(fx.numbers)}"),
            LIST_P95_MS,
        ),
        Case("KPI, a month", "/kpi/", gets(month_kpi), KPI_P95_MS),
        Case("KPI, a year", "/kpi/", gets(year_kpi), KPI_P95_MS),
        Case("SMS webhook (signed)", "/sms/incoming", sms, SMS_P99_MS, percentile=99),
        Case("submit (web report)", "/r/new", report, LIST_P95_MS, who="resident", ok=302),
        Case("My tickets", "/r/mine", gets(lambda: "/r/mine"), LIST_P95_MS, who="resident"),
    ]


def signature(path: str, params: dict[str, str]) -> str:
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(AUTH_TOKEN).compute_signature(BASE_URL + path, params))


Results = dict[str, tuple[float, int, Timing | None]]


def measure(url: str, requests: int, seed: int, only: list[str] | None = None) -> Results:
    """Time every case against the database at `url`: its target, percentile and timing
    (None for a route not built yet)."""
    settings = Settings(
        secret_key=secrets.token_hex(32),
        database_url=url,
        broker_url="memory://",
        public_base_url=BASE_URL,
        carrier_account_sid=ACCOUNT_SID,
        carrier_auth_token=AUTH_TOKEN,
        timezone=TIMEZONE,
        log_level="WARNING",
    )
    app = create_app(settings)
    app.config.update(WTF_CSRF_ENABLED=False)
    # A page that fails is counted in its row; its traceback, once per request, is noise here.
    app.logger.disabled = True
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    engine = make_engine(url)
    fx = Fixtures(engine, random.Random(seed))
    clients = {}
    for who, username in (("supervisor", "bench-supervisor"), ("volunteer", "bench-volunteer")):
        client = app.test_client()
        answer = client.post("/login", data={"username": username, "password": PASSWORD})
        if answer.status_code != 302:
            raise SystemExit(f"cannot log in as {username}: {answer.status_code}")
        clients[who] = client
    clients["resident"] = app.test_client()
    with make_session_factory(engine)() as session:
        first_sms = session.scalar(select(func.max(InboundSms.id))) or 0
        first_ticket = session.scalar(select(func.max(Ticket.id))) or 0
        first_audit = session.scalar(select(func.max(AuditEntry.id))) or 0
        first_resident = session.scalar(select(func.max(Resident.id))) or 0
    results: Results = {}
    for case in cases(fx):
        if only and not any(word in case.name for word in only):
            continue
        if case.route not in routes:
            results[case.name] = (case.target_ms, case.percentile, None)
            continue
        client = clients[case.who]
        latencies, errors = [], 0
        batch = case.requests(requests + 5)
        for index, (method, path, data) in enumerate(batch):
            headers = {"X-Twilio-Signature": signature(path, data)} if method == "POST" else {}
            environ = {}
            if case.who == "resident":
                verify(client, rng_number(fx))
                # A resident per address: the public page's limiter counts POSTs per address.
                environ = {
                    "REMOTE_ADDR": f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"
                }
            begin = time.perf_counter()
            answer = client.open(
                path, method=method, data=data or None, headers=headers, environ_base=environ
            )
            elapsed = (time.perf_counter() - begin) * 1000
            if answer.status_code != case.ok:
                errors += 1
            if index >= 5:  # the first few warm caches and plans
                latencies.append(elapsed)
        results[case.name] = (
            case.target_ms,
            case.percentile,
            Timing(*percentiles(latencies), errors),
        )
    # The SMS rows and the web reports the bench made are not part of the fill.
    with make_session_factory(engine).begin() as session:
        session.execute(delete(InboundSms).where(InboundSms.id > first_sms))
        session.execute(delete(TicketEvent).where(TicketEvent.ticket_id > first_ticket))
        web = (Ticket.id > first_ticket) & (Ticket.source == TicketSource.WEB)
        session.execute(delete(Ticket).where(web))
        # The bench's own entries in its own database (the application never deletes one).
        session.execute(delete(AuditEntry).where(AuditEntry.id > first_audit))
        session.execute(delete(Resident).where(Resident.id > first_resident))
    engine.dispose()
    return results


def rng_number(fx: Fixtures) -> str:
    """A resident of the fill."""
    return fx.rng.choice(fx.residents)


def verify(client: Any, number: str) -> None:
    """Mark the client's session as having proved `number` (what the SMS code step does)."""
    with client.session_transaction() as session:
        session[VERIFIED] = {"number": number, "until": time.time() + 3600}


def revisions(url: str) -> list[str]:
    """The revision before the ticket indexes, and head; just head before they exist."""
    for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions():
        if script.path.endswith(INDEXES_MIGRATION) and isinstance(script.down_revision, str):
            return [script.down_revision, "head"]
    return ["head"]


def migrate_to(url: str, revision: str) -> float:
    """Move the schema to `revision`; seconds it took (building indexes on the fill)."""
    begin = time.perf_counter()
    if revision == "head":
        upgrade(url)
    else:
        command.downgrade(alembic_config(url), revision)
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("ANALYZE ticket, ticket_event")
        )
    engine.dispose()
    return time.perf_counter() - begin


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per row")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--refill", action="store_true", help="draw the fill again")
    parser.add_argument("--no-compare", action="store_true", help="time at head only")
    parser.add_argument("--fill-only", action="store_true", help="fill (or keep), time nothing")
    parser.add_argument(
        "--rows",
        nargs="+",
        metavar="WORD",
        help='time only the rows whose name contains one of these (e.g. list "ticket page" SMS)',
    )
    args = parser.parse_args()
    fill(args.seed, args.tickets, args.refill)
    if args.fill_only:
        return 0
    url = database_url()
    columns = ["head"] if args.no_compare else revisions(url)
    results: dict[str, Results] = {}
    for revision in columns:
        took = migrate_to(url, revision)
        print(f"schema at {revision} ({took:.0f} s to migrate)", flush=True)
        results[revision] = measure(url, args.requests, args.seed, args.rows)
    upgrade(url)  # leave the kept database at head
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\ntickets: {args.tickets:,} over {YEARS} years, 28 communities; "
        f"{args.requests} requests per row through the test client (ms)"
    )
    print(f"load average {load} on {os.cpu_count()} CPUs\n")
    header = f"{'':<26}" + "".join(f"{c + ': p50  p95  p99':>24}" for c in columns)
    print(header + f"{'target':>14}")
    missed = []
    for name, (target, percentile, _) in results[columns[0]].items():
        row = f"{name:<26}"
        for revision in columns:
            timing = results[revision][name][2]
            if timing is None:
                row += f"{'not built':>24}"
                continue
            errors = f" ({timing.errors} not 200)" if timing.errors else ""
            row += f"{timing.p50:>8.1f}{timing.p95:>8.1f}{timing.p99:>8.1f}{errors}"
        print(row + f"{f'p{percentile} <= {target:g}':>14}")
        final = results[columns[-1]][name][2]
        if final is not None:
            value = final.p99 if percentile == 99 else final.p95
            if value > target or final.errors:
                missed.append(name)
    if missed:
        print("\nmissed targets (at head): " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
