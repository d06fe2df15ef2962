"""Benchmark search in Chinese: 1,000,000 voicemails on PostgreSQL and 100,000 on SQLite.

    python bench/search.py [--pg-rows 1000000] [--sqlite-rows 100000] [--queries 60]
                           [--seed 2026] [--refill] [--no-sqlite] [--fill-only]

PostgreSQL: the database `hotline_bench_search` on 127.0.0.1:5432 (created beside `test`,
never in it), migrated to head and filled once with COPY: per voicemail a call, a recording,
its transcript and its ticket, and a note on one ticket in five, over three years. The fill is
kept (the database's comment records seed and size) and reused; `--refill` draws it again.
SQLite: a temporary file of `--sqlite-rows` voicemails, drawn the same way, inserted in
batches (the FTS5 triggers index each row as it arrives).

Transcripts are recombined phrases of residents' complaints (leaks, power cuts, lock-outs,
gas, noise, lifts...), with building and room numbers, deterministic with the seed. Queries
are substrings of 2, 4 and 8 characters cut from drawn transcripts, so they match as often as
real words would; each is timed through hotline.search.search (the query, the count and the
snippets of one page of 20), unfiltered and with filters (a community and a status, or a
month and a category), `--queries` times per row after 5 warm-ups. Two-character queries
search the last 90 days only (see hotline/search/query.py).
Target: p95 <= 300 ms on PostgreSQL at 1,000,000. Exit 1 if a PostgreSQL row misses it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.db import Base, make_engine, make_session_factory  # noqa: E402
from hotline.migrate import upgrade  # noqa: E402
from hotline.models import TicketStatus  # noqa: E402
from hotline.review import Scope  # noqa: E402
from hotline.search import SearchFilter, search  # noqa: E402
from hotline.search import schema as search_schema  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASE = "hotline_bench_search"
FORMAT = "search-bench v1"
END = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # noon in Shanghai
YEARS = 3
COMMUNITIES = 28
CATEGORIES = ("water", "power", "lock", "gas", "noise", "lift", "heating", "other")
TIMEZONE = "Asia/Shanghai"
CHUNK = 20_000
TARGET_P95_MS = 300.0
WARMUP = 5

OPENERS = (
    "你好，",
    "喂，你好，",
    "您好，",
    "喂喂，听得到吗，",
    "你好我想反映个问题，",
    "打扰一下，",
    "",
)
WHO = (
    "我是{b}号楼{r}的住户，",
    "我住在{b}栋{u}单元{r}室，",
    "我家在{b}号楼，",
    "我是{b}号楼的老人，",
    "我是小区的租户，",
    "我替我妈妈打的电话，",
    "",
)
PROBLEMS = (
    "楼上的水管爆裂了，厨房天花板一直在漏水",
    "卫生间的下水道堵了，水漫到客厅了",
    "家里停水两天了",
    "从昨天晚上开始停电，冰箱里的东西都坏了",
    "楼道的灯坏了好几天了，晚上黑漆漆的",
    "我被锁在门外了，钥匙落在屋里",
    "孩子一个人在家，门打不开",
    "电梯困人了，有人被困在电梯里",
    "电梯又坏了，老人下不了楼",
    "闻到很重的燃气味，不知道哪里漏气",
    "煤气灶打不着火，好像没有气了",
    "楼下的饭店油烟太大，窗户都不敢开",
    "隔壁装修每天早上七点就开始打钻，噪音太大",
    "晚上广场舞的音响太吵了，孩子睡不着",
    "暖气片不热，家里只有十几度",
    "暖气管道漏水了",
    "垃圾好几天没人清运，臭得不行",
    "小区门口的井盖丢了，很危险",
    "楼道里堆满了杂物，消防通道被堵",
    "有人在楼道里抽烟，烟味飘进家里",
    "窗外的空调外机噪音很大",
    "路灯不亮，晚上走路害怕",
    "家里的电表跳闸了，合不上",
    "车库里积水很深，车都开不出去",
    "有一只流浪狗在小区里咬人",
    "物业的电话一直打不通",
    "外墙的瓷砖掉下来了，差点砸到人",
    "屋顶漏雨，墙上都发霉了",
)
DETAILS = (
    "已经好几天了，",
    "昨天就打过电话了，",
    "家里有老人和孩子，",
    "物业说不归他们管，",
    "邻居也都有这个问题，",
    "我今天下午都在家，",
    "",
    "",
    "",
)
REQUESTS = (
    "麻烦尽快派人来看看。",
    "请你们帮忙联系一下物业。",
    "希望今天能解决。",
    "谢谢你们。",
    "请给我回个电话。",
    "能不能派个师傅来修一下。",
    "拜托了，很着急。",
    "",
)
NOTES = (
    "已联系物业，安排维修工明天上午上门",
    "师傅已到现场，正在维修",
    "居民表示问题已解决，满意",
    "已转燃气公司抢修",
    "已通知供电所，预计今晚恢复供电",
    "电话回访无人接听，明天再联系",
    "已协调开锁师傅上门",
    "电梯维保单位已到场救援",
    "已告知居民装修时间规定",
    "已派保洁清运垃圾",
)


@dataclass(frozen=True)
class Voicemail:
    """One drawn voicemail: the rows of its call, recording, transcript and ticket."""

    id: int
    text: str
    at: datetime
    community: int
    category: int
    status: str
    urgent: bool
    reviewed: bool
    note: str | None


def compose(rng: random.Random) -> str:
    """A resident's voicemail of recombined phrases, building and room numbers."""
    b, u, r = rng.randint(1, 36), rng.randint(1, 6), rng.randint(1, 25) * 100 + rng.randint(1, 4)
    problems = rng.sample(PROBLEMS, rng.choice((1, 1, 1, 2)))
    return (
        rng.choice(OPENERS)
        + rng.choice(WHO).format(b=b, u=u, r=r)
        + "，".join(problems)
        + "，"
        + rng.choice(DETAILS)
        + rng.choice(REQUESTS)
    )


STATUSES = [
    (TicketStatus.OPEN.value, 10), (TicketStatus.ASSIGNED.value, 5),
    (TicketStatus.IN_PROGRESS.value, 5), (TicketStatus.RESOLVED.value, 70),
    (TicketStatus.CLOSED.value, 10),
]  # fmt: skip


def draw(seed: int, size: int) -> Iterator[Voicemail]:
    """`size` voicemails over YEARS years up to END, oldest first, the same for a seed."""
    rng = random.Random(seed)
    span = timedelta(days=365 * YEARS).total_seconds()
    statuses, weights = zip(*STATUSES, strict=True)
    for i in range(1, size + 1):
        at = END - timedelta(seconds=span * (size - i) / size + rng.random() * 600)
        yield Voicemail(
            id=i,
            text=compose(rng),
            at=at,
            community=rng.randint(1, COMMUNITIES),
            category=rng.randint(1, len(CATEGORIES)),
            status=rng.choices(statuses, weights)[0],
            urgent=rng.random() < 0.08,
            reviewed=rng.random() < 0.6,
            note=rng.choice(NOTES) if rng.random() < 0.2 else None,
        )


def rows(v: Voicemail) -> dict[str, dict[str, Any]]:
    """The rows of one voicemail, by table (ids given: the fill links them without RETURNING)."""
    return {
        "call": {
            "id": v.id, "call_sid": f"CAbench{v.id:026d}", "from_number": f"+86138{v.id:08d}",
            "to_number": "+8657100000000", "direction": "inbound", "carrier_status": "completed",
            "outcome": "voicemail", "started_at": v.at, "flow_id": "main", "flow_version": 1,
            "node_id": "", "language": "zh", "attempts": 0, "step": 0, "path": "[]",
            "chain": "[]", "dial_index": -1,
        },
        "recording": {
            "id": v.id, "recording_sid": f"REbench{v.id:025d}", "call_id": v.id,
            "url": f"https://carrier.example/Recordings/{v.id}", "duration_s": 30,
            "carrier_status": "completed", "status": "transcribed", "attempts": 1,
            "truncated": False, "triage_escalate": False, "created_at": v.at, "updated_at": v.at,
            "reviewed_at": v.at + timedelta(hours=2) if v.reviewed else None,
            "triage_priority": "urgent" if v.urgent and v.id % 2 else None,
        },
        "transcript": {
            "id": v.id, "recording_id": v.id, "current": True, "text": v.text, "words": "[]",
            "confidence": 0.8, "audio_duration_s": 30.0, "model_name": "vosk-model-cn-0.22",
            "language": "zh", "decode_seconds": 1.0, "created_at": v.at,
        },
        "ticket": {
            "id": v.id, "number": f"{v.at.year}-{v.id:07d}", "year": v.at.year, "seq": v.id,
            "call_id": v.id, "recording_id": v.id, "category_id": v.category,
            "community_id": v.community, "priority": "urgent" if v.urgent else "normal",
            "status": v.status, "source": "voicemail", "caller_number": f"+86138{v.id:08d}",
            "address": "", "summary": v.text[:80], "transcript_text": v.text,
            "created_at": v.at, "due_at": v.at + timedelta(hours=72), "updated_at": v.at,
        },
    }  # fmt: skip


def note_row(v: Voicemail) -> dict[str, Any]:
    return {
        "ticket_id": v.id, "at": v.at + timedelta(hours=3), "kind": "note", "actor": "bench",
        "field": "", "from_value": "", "to_value": "", "note": v.note,
    }  # fmt: skip


def seed_directory(session: Session) -> None:
    """The communities and categories the voicemails point at (ids 1..n)."""
    communities = Base.metadata.tables["community"]
    categories = Base.metadata.tables["category"]
    session.execute(
        insert(communities),
        [{"id": i, "code": f"c{i:02d}", "name": f"社区{i}"} for i in range(1, COMMUNITIES + 1)],
    )
    session.execute(
        insert(categories),
        [
            {"id": i, "code": c, "name_zh": c, "name_en": c, "urgent": False, "sla_hours": 72}
            for i, c in enumerate(CATEGORIES, start=1)
        ],
    )


TABLES = ("call", "recording", "transcript", "ticket")


def fill_postgresql(engine: Engine, seed: int, size: int) -> None:
    """COPY the voicemails in chunks, then build the trigram indexes once on the whole fill."""
    with engine.begin() as conn:
        search_schema.drop_postgresql(conn)
    with make_session_factory(engine).begin() as session:
        seed_directory(session)
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with connection.cursor() as cursor:
            voicemails = draw(seed, size)
            written = 0
            while chunk := list(itertools.islice(voicemails, CHUNK)):
                drawn = [rows(v) for v in chunk]
                for table in TABLES:
                    columns = list(drawn[0][table])
                    with cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                        for row in drawn:
                            copy.write_row([row[table][c] for c in columns])
                notes = [note_row(v) for v in chunk if v.note]
                columns = list(notes[0])
                with cursor.copy(f"COPY ticket_event ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in notes:
                        copy.write_row([row[c] for c in columns])
                written += len(chunk)
                if written % 200_000 == 0:
                    print(f"  {written:,} voicemails", flush=True)
            for table in (*TABLES, "ticket_event", "community", "category"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f' (SELECT max(id) FROM "{table}"))'
                )
        raw.commit()
    finally:
        raw.close()
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        search_schema.install_postgresql(conn)
    print(f"  trigram indexes built in {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def postgresql(seed: int, size: int, refill: bool) -> Engine:
    """The kept benchmark database, filled for (seed, size), drawn again when they differ."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    marker = f"{FORMAT} seed={seed} rows={size}"
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE})
        comment = conn.scalar(
            text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
            ),
            {"n": DATABASE},
        )
        if exists and (refill or comment != marker):
            conn.execute(text(f'DROP DATABASE "{DATABASE}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = admin.url.set(database=DATABASE).render_as_string(hide_password=False)
    admin.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        # Indexes a later version of hotline.search.schema adds to a kept fill.
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        search_schema.install_postgresql(conn)
    if comment != marker or not exists:
        print(f"filling {DATABASE} with {size:,} voicemails (once; kept for later runs)")
        started = time.perf_counter()
        fill_postgresql(engine, seed, size)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"COMMENT ON DATABASE \"{DATABASE}\" IS '{marker}'"))
        print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)
    return engine


def sqlite(path: Path, seed: int, size: int) -> Engine:
    """A new SQLite file at head with `size` voicemails, inserted in batches."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with make_session_factory(engine).begin() as session:
        seed_directory(session)
    voicemails = draw(seed, size)
    while chunk := list(itertools.islice(voicemails, CHUNK)):
        drawn = [rows(v) for v in chunk]
        with engine.begin() as conn:
            for table in TABLES:
                conn.execute(
                    insert(Base.metadata.tables[table]),
                    [{**row[table], **_json(table)} for row in drawn],
                )
            notes = [note_row(v) for v in chunk if v.note]
            conn.execute(insert(Base.metadata.tables["ticket_event"]), notes)
    print(f"SQLite: {size:,} voicemails inserted in {time.perf_counter() - started:.0f} s")
    return engine


def _json(table: str) -> dict[str, Any]:
    # Through SQLAlchemy the JSON columns take Python values, not COPY's text.
    return {"call": {"path": [], "chain": []}, "transcript": {"words": []}}.get(table, {})


@dataclass(frozen=True)
class Case:
    """A row of the table: queries of `chars` characters, with or without filters."""

    chars: int
    filtered: bool

    @property
    def name(self) -> str:
        return f"{self.chars} characters" + (", filtered" if self.filtered else "")


CASES = [Case(chars, filtered) for chars in (2, 4, 8) for filtered in (False, True)]


def queries(seed: int, size: int, case: Case, count: int) -> list[tuple[str, SearchFilter]]:
    """`count` queries cut from drawn transcripts, with their filters."""
    rng = random.Random(f"{seed}-{case.chars}-{case.filtered}")
    texts = random.Random(seed + 1)
    found: list[tuple[str, SearchFilter]] = []
    while len(found) < count:
        words = compose(texts).replace("，", " ").replace("。", " ").split()
        words = [w for w in words if len(w) >= case.chars]
        if not words:
            continue
        word = rng.choice(words)
        start = rng.randrange(len(word) - case.chars + 1)
        criteria = SearchFilter()
        if case.filtered and rng.random() < 0.5:
            status = rng.choice([TicketStatus.OPEN, TicketStatus.RESOLVED])
            criteria = SearchFilter(community_id=rng.randint(1, COMMUNITIES), status=status)
        elif case.filtered:
            first = (END - timedelta(days=rng.randint(0, 365 * YEARS - 31))).date()
            criteria = SearchFilter(
                date_from=first,
                date_to=first + timedelta(days=30),
                category_id=rng.randint(1, len(CATEGORIES)),
            )
        found.append((word[start : start + case.chars], criteria))
    return found


def timed(engine: Engine, plan: list[tuple[str, SearchFilter]]) -> tuple[list[float], float]:
    """Milliseconds per search (after WARMUP untimed ones) and the mean number of hits counted."""
    sessions = make_session_factory(engine)
    today = END.date()
    scope = Scope(everything=True)
    times: list[float] = []
    totals: list[int] = []
    for n, (query, criteria) in enumerate(plan[:WARMUP] + plan):
        with sessions() as session:
            started = time.perf_counter()
            results = search(session, scope, query, criteria, TIMEZONE, today)
            elapsed = (time.perf_counter() - started) * 1000
        if n >= WARMUP:
            times.append(elapsed)
            totals.append(results.total)
    return times, statistics.mean(totals)


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--fill-only", action="store_true", help="fill (or keep) and stop")
    parser.add_argument(
        "--chars", type=int, nargs="+", choices=(2, 4, 8), help="only these query lengths"
    )
    parser.add_argument(
        "--filtered", choices=("yes", "no"), help="only the filtered (or unfiltered) rows"
    )
    args = parser.parse_args()

    engines: dict[str, Engine] = {"PostgreSQL": postgresql(args.seed, args.pg_rows, args.refill)}
    if args.fill_only:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            engines["SQLite"] = sqlite(Path(tmp) / "search.db", args.seed, args.sqlite_rows)
        sizes = {"PostgreSQL": args.pg_rows, "SQLite": args.sqlite_rows}
        table: list[list[str]] = []
        missed = False
        for case in CASES:
            if args.chars and case.chars not in args.chars:
                continue
            if args.filtered and case.filtered != (args.filtered == "yes"):
                continue
            line = [case.name]
            for name, engine in engines.items():
                plan = queries(args.seed, sizes[name], case, args.queries)
                times, hits = timed(engine, plan)
                p95 = percentile(times, 95)
                line += [f"{percentile(times, 50):.1f}", f"{p95:.1f}", f"{hits:.0f}"]
                if name == "PostgreSQL" and p95 > TARGET_P95_MS:
                    missed = True
                    line[-2] += " !"
            table.append(line)
            print("  " + " | ".join(line), flush=True)
        for engine in engines.values():
            engine.dispose()
    print_table(list(engines), sizes, table)
    print(f"\ntarget: PostgreSQL p95 <= {TARGET_P95_MS:.0f} ms (! marks a miss)")
    return 1 if missed else 0


def print_table(names: list[str], sizes: dict[str, int], table: list[list[str]]) -> None:
    header = ["query"]
    for name in names:
        header += [f"{name} p50 ms", "p95 ms", "hits"]
    print(f"\nsearch: {', '.join(f'{n} {sizes[n]:,} voicemails' for n in names)};"
          " hits = mean counted (stops at 1,001)")  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        print("  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in
                        enumerate(zip(row, widths, strict=True))))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
