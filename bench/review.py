"""Benchmark the voicemail review pages on a large database.

    python bench/review.py [--rows 100000] [--requests 100] [--seed 2026] [--pg-rows 0]

SQLite: a temporary file migrated to head and filled with `--rows` voicemails (per voicemail a
call, a recording, its machine transcript with timed words, and its ticket over a year; all
but half of the last fortnight's reviewed, one in twenty urgent), inserted in batches. With
`--pg-rows N` also PostgreSQL: the database `hotline_bench_review` on 127.0.0.1:5432 (beside
`test`, never in it), dropped and filled the same way.

Each case is requested `--requests` times through the Flask test client as a signed-in
supervisor after 5 warm-ups (the whole response: the header's review counts, the audit entry a
review page writes, the template): the queue's first and a deep page, a voicemail's review
page, and the ticket page with its player. Prints p50/p95 per case.
Target: the review page's p95 <= 100 ms. Exit 1 if a review page row misses it.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline import accounts, create_app  # noqa: E402
from hotline.db import make_engine, make_session_factory  # noqa: E402
from hotline.migrate import upgrade  # noqa: E402
from hotline.models import (  # noqa: E402
    Call,
    Priority,
    Recording,
    RecordingStatus,
    Role,
    Ticket,
    Transcript,
)
from hotline.settings import Settings  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASE = "hotline_bench_review"
END = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
DAYS = 365
CHUNK = 5_000
TARGET_P95_MS = 100.0
WARMUP = 5
PASSWORD = "bench-password-not-secret"
PHRASES = (
    "你好",
    "我是",
    "三号楼",
    "二单元",
    "的住户",
    "楼上",
    "水管",
    "漏水",
    "厨房",
    "天花板",
    "一直",
    "滴水",
    "麻烦",
    "尽快",
    "派人",
    "来看看",
    "电梯",
    "停了",
    "谢谢",
)


def words(rng: random.Random) -> list[dict[str, Any]]:
    """A voicemail's machine words: 12-30 phrases, timed one after another."""
    at, out = 0.4, []
    for _ in range(rng.randint(12, 30)):
        length = rng.uniform(0.2, 0.7)
        out.append(
            {
                "word": rng.choice(PHRASES),
                "start": round(at, 2),
                "end": round(at + length, 2),
                "confidence": round(rng.uniform(0.3, 1.0), 2),
            }
        )
        at += length + rng.uniform(0.0, 0.2)
    return out


def fill(url: str, rows: int, seed: int) -> None:
    """Migrate `url` to head and write `rows` voicemails and a supervisor login."""
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    begin = time.perf_counter()
    with engine.begin() as conn:
        for first in range(0, rows, CHUNK):
            ids = range(first + 1, min(first + CHUNK, rows) + 1)
            calls, recordings, transcripts, tickets = [], [], [], []
            for n in ids:
                at = END - timedelta(seconds=rng.uniform(0, DAYS * 86400))
                spoken = words(rng)
                body = " ".join(w["word"] for w in spoken)
                # Supervisors keep up: older voicemails are reviewed, the last fortnight's
                # half of them.
                reviewed = at < END - timedelta(days=14) or rng.random() < 0.5
                urgent = rng.random() < 0.05
                calls.append(
                    {
                        "id": n,
                        "call_sid": f"CA{n:032x}",
                        "from_number": "+8613800000000",
                        "started_at": at,
                    }
                )
                recordings.append(
                    {
                        "id": n,
                        "recording_sid": f"RE{n:032x}",
                        "call_id": n,
                        "url": f"https://carrier.example/{n}",
                        "status": RecordingStatus.TRANSCRIBED,
                        "created_at": at,
                        "reviewed_at": at + timedelta(hours=2) if reviewed else None,
                        "triage_priority": "urgent" if urgent else None,
                        "triage_phrase": "燃气" if urgent else None,
                        "triage_escalate": False,
                    }
                )
                transcripts.append(
                    {
                        "recording_id": n,
                        "current": True,
                        "text": body,
                        "words": spoken,
                        "model_name": "vosk-model-small-cn-0.22",
                        "created_at": at,
                    }
                )
                tickets.append(
                    {
                        "id": n,
                        "number": f"{at.year}-{n:07d}",
                        "year": at.year,
                        "seq": n,
                        "call_id": n,
                        "recording_id": n,
                        "transcript_text": body,
                        "summary": body[:80],
                        "created_at": at,
                        "due_at": at + timedelta(hours=72),
                        "priority": Priority.URGENT if urgent else Priority.NORMAL,
                    }
                )
            for model, batch in (
                (Call, calls),
                (Recording, recordings),
                (Transcript, transcripts),
                (Ticket, tickets),
            ):
                conn.execute(insert(model.__table__), batch)
    with make_session_factory(engine).begin() as session:
        accounts.create_user(session, "bench-supervisor", PASSWORD, Role.SUPERVISOR)
    engine.dispose()
    print(f"filled {rows:,} voicemails in {time.perf_counter() - begin:.0f} s")


def percentiles(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return statistics.median(latencies), cuts[94]


def measure(url: str, requests: int, seed: int) -> list[tuple[str, float, float, int]]:
    """(case, p50 ms, p95 ms, non-200 answers) for each case against the database at `url`."""
    app = create_app(
        Settings(
            secret_key=secrets.token_hex(32),
            database_url=url,
            broker_url="memory://",
            public_base_url="https://hotline.example",
            carrier_account_sid="AC" + "0" * 32,
            carrier_auth_token="bench",
            timezone="Asia/Shanghai",
            log_level="WARNING",
        )
    )
    app.config.update(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    if (
        client.post(
            "/login", data={"username": "bench-supervisor", "password": PASSWORD}
        ).status_code
        != 302
    ):
        raise SystemExit("cannot log in as bench-supervisor")
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        pool = list(
            session.scalars(select(Recording.id).where(Recording.reviewed_at.is_(None)).limit(5000))
        )
        numbers = list(session.scalars(select(Ticket.number).limit(5000)))
    engine.dispose()
    rng = random.Random(seed)
    cases: list[tuple[str, Callable[[], str]]] = [
        ("review queue, page 1", lambda: "/review"),
        ("review queue, page 200", lambda: "/review?page=200"),
        ("review page", lambda: f"/review/{rng.choice(pool)}"),
        ("ticket page with the player", lambda: f"/tickets/{rng.choice(numbers)}"),
    ]
    results = []
    for name, path in cases:
        latencies, errors = [], 0
        for index in range(requests + WARMUP):
            begin = time.perf_counter()
            answer = client.get(path())
            elapsed = (time.perf_counter() - begin) * 1000
            errors += answer.status_code != 200
            if index >= WARMUP:
                latencies.append(elapsed)
        p50, p95 = percentiles(latencies)
        results.append((name, p50, p95, errors))
    return results


def postgres(rows: int, seed: int) -> str:
    """A fresh `hotline_bench_review` database filled with `rows` voicemails; its URL."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = admin.url.set(database=DATABASE).render_as_string(hide_password=False)
    admin.dispose()
    fill(url, rows, seed)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return url


def report(title: str, results: list[tuple[str, float, float, int]]) -> bool:
    print(f"\n{title}")
    print(f"{'case':32} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    ok = True
    for name, p50, p95, errors in results:
        flag = ""
        if name == "review page" and (p95 > TARGET_P95_MS or errors):
            ok, flag = False, f"  > {TARGET_P95_MS:.0f} ms target" if p95 > TARGET_P95_MS else ""
        print(f"{name:32} {p50:8.1f} {p95:8.1f} {errors:7d}{flag}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="voicemails on SQLite")
    parser.add_argument("--pg-rows", type=int, default=0, help="voicemails on PostgreSQL (0: skip)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'review.db'}"
        fill(url, args.rows, args.seed)
        ok &= report(f"SQLite, {args.rows:,} voicemails", measure(url, args.requests, args.seed))
    if args.pg_rows:
        url = postgres(args.pg_rows, args.seed)
        ok &= report(
            f"PostgreSQL, {args.pg_rows:,} voicemails", measure(url, args.requests, args.seed)
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
