"""Benchmark the rota: on_duty latency and the 30-day coverage report, on SQLite and PostgreSQL.

    python bench/rota.py [--instants 5000]

The county's size: 1,000 volunteers in 113 teams across 28 communities. A year of rotations,
one team-week each (52 weeks x 4: a day rotation and a night rotation on layer 1, a backup on
layer 2, a weekend backup on layer 3, all daily turns handing off at 08:00 Beijing time),
2,000 overrides (5% cancelled) and 300 leaves. on_duty runs at random instants of the year
(it runs on every incoming call: target p99 <= 5 ms); the coverage report runs for 30 days
from random days (target <= 1 s). Each database is new: a temporary SQLite file, and a
temporary PostgreSQL database on the local server, created, migrated and dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline import rota  # noqa: E402
from hotline.db import make_engine, make_session_factory  # noqa: E402
from hotline.migrate import upgrade  # noqa: E402
from hotline.models import (  # noqa: E402
    Community,
    Leave,
    Override,
    Rotation,
    RotationMember,
    Team,
    Volunteer,
)
from hotline.rota.cadence import weekday_mask  # noqa: E402
from hotline.rota.reports import coverage_report, fairness_report  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
YEAR = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # Monday 08:00 Beijing time
TARGET_ON_DUTY_P99_MS = 5.0
TARGET_COVERAGE_MS = 1000.0


def populate(session: Session, rng: random.Random) -> None:
    """The county's rota for a year."""
    communities = [Community(code=f"c{i:02d}", name=f"社区{i}") for i in range(28)]
    session.add_all(communities)
    session.flush()
    teams = [Team(name=f"服务队{i:03d}", community_id=communities[i % 28].id) for i in range(113)]
    session.add_all(teams)
    session.flush()
    volunteers = [
        Volunteer(
            name=f"志愿者{i:04d}",
            mobile=f"+86138{i:08d}",
            team_id=teams[i % 113].id,
            community_id=teams[i % 113].community_id,
        )
        for i in range(1000)
    ]
    session.add_all(volunteers)
    session.flush()
    members: dict[int, list[int]] = {}
    for v in volunteers:
        members.setdefault(v.team_id or 0, []).append(v.id)
    team_ids = [t.id for t in teams]
    shapes = [
        (1, None, (clock(8), clock(20))),  # day
        (1, None, (clock(20), clock(8))),  # night
        (2, None, None),  # backup
        (3, weekday_mask([5, 6]), None),  # weekend backup
    ]
    for week in range(52):
        for index, (layer, weekdays, hours) in enumerate(shapes):
            team = team_ids[(week * len(shapes) + index) % len(team_ids)]
            session.add(
                Rotation(
                    name=f"w{week:02d}-{index}",
                    layer=layer,
                    shift_hours=24,
                    handoff_time=clock(8),
                    timezone="Asia/Shanghai",
                    starts_at=YEAR + timedelta(weeks=week),
                    ends_at=YEAR + timedelta(weeks=week + 1),
                    weekdays=weekdays,
                    hours_from=hours[0] if hours else None,
                    hours_to=hours[1] if hours else None,
                    members=[
                        RotationMember(position=p, volunteer_id=v)
                        for p, v in enumerate(members[team])
                    ],
                )
            )
    ids = [v.id for v in volunteers]
    for _ in range(2000):
        start = YEAR + timedelta(minutes=rng.randrange(0, 365 * 24 * 60, 30))
        session.add(
            Override(
                volunteer_id=rng.choice(ids),
                layer=rng.choice([1, 1, 2]),
                starts_at=start,
                ends_at=start + timedelta(hours=rng.randint(1, 24)),
                cancelled_at=start if rng.random() < 0.05 else None,
            )
        )
    for _ in range(300):
        start = YEAR + timedelta(days=rng.randrange(0, 365))
        session.add(
            Leave(
                volunteer_id=rng.choice(ids),
                starts_at=start,
                ends_at=start + timedelta(days=rng.randint(1, 14)),
            )
        )
    session.flush()


def timed(call: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    begin = time.perf_counter()
    call()
    return (time.perf_counter() - begin) * 1000


def measure(url: str, instants: int) -> dict[str, float]:
    """Build the rota at `url` (already migrated) and time the queries."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    rng = random.Random(2026)
    with sessions.begin() as session:
        populate(session, rng)
    moments = [YEAR + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(instants)]
    days = [YEAR + timedelta(days=rng.randrange(330)) for _ in range(10)]
    latencies: list[float] = []
    # This process's CPU time alone: the wall-clock tail also counts waiting for a CPU.
    cpu_times: list[float] = []
    lengths: list[int] = []
    with sessions() as session:
        for t in moments[:200]:  # warm the statement cache and the connection
            rota.on_duty(session, t)
        for t in moments:
            begin, cpu = time.perf_counter(), time.thread_time()
            lengths.append(len(rota.on_duty(session, t)))
            latencies.append((time.perf_counter() - begin) * 1000)
            cpu_times.append((time.thread_time() - cpu) * 1000)
        coverage = [timed(lambda d=d: coverage_report(session, d, 30)) for d in days]
        fairness = timed(lambda: fairness_report(session, YEAR, YEAR + timedelta(days=365)))
    engine.dispose()
    return {
        "on_duty p50 (ms)": statistics.median(latencies),
        "on_duty p99 (ms)": statistics.quantiles(latencies, n=100)[98],
        "on_duty max (ms)": max(latencies),
        "on_duty p99, own CPU (ms)": statistics.quantiles(cpu_times, n=100)[98],
        "chain length, mean": statistics.mean(lengths),
        "coverage 30 d, median (ms)": statistics.median(coverage),
        "coverage 30 d, max (ms)": max(coverage),
        "fairness 365 d (ms)": fairness,
    }


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/rota.db"
        upgrade(url)
        yield url


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"hotline_bench_rota_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instants", type=int, default=5000, help="on_duty calls to time")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for label, database in (("SQLite", sqlite_database), ("PostgreSQL", postgres_database)):
        with database() as url:
            results[label] = measure(url, args.instants)
    targets = {
        "on_duty p99 (ms)": f"<= {TARGET_ON_DUTY_P99_MS:g}",
        "coverage 30 d, max (ms)": f"<= {TARGET_COVERAGE_MS:g}",
    }
    # Latency tails on a shared machine follow its load; print it beside the numbers.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"rota: {args.instants} on_duty calls at random instants; 10 coverage reports")
    print(f"load average {load} on {os.cpu_count()} CPUs\n")
    print(f"{'':<28}{'SQLite':>12}{'PostgreSQL':>12}{'target':>10}")
    for metric in results["SQLite"]:
        row = "".join(f"{results[db][metric]:>12.2f}" for db in results)
        print(f"{metric:<28}{row}{targets.get(metric, ''):>10}")
    missed = [
        f"{db} {metric}"
        for db in results
        for metric, limit in (
            ("on_duty p99 (ms)", TARGET_ON_DUTY_P99_MS),
            ("coverage 30 d, max (ms)", TARGET_COVERAGE_MS),
        )
        if results[db][metric] > limit
    ]
    if missed:
        print("\nmissed targets: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
