"""Search in Chinese on SQLite and PostgreSQL: short and long queries, mixed scripts,
corrections, filters, paging and scope."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from hotline.models import Priority, Role, TicketStatus
from hotline.review import Scope
from hotline.search import SHORT_WINDOW_DAYS, HitKind, Results, SearchFilter, search, terms_of
from hotline.search import query as search_query
from hotline.tickets import workflow
from tests import factories
from tests.search.conftest import TODAY, correct, days_ago, voicemail

TZ = "Asia/Shanghai"
ALL = Scope(everything=True)


def find(
    db: Session,
    query: str,
    criteria: SearchFilter | None = None,
    scope: Scope = ALL,
    number: int = 1,
    per_page: int = 20,
) -> Results:
    return search(db, scope, query, criteria or SearchFilter(), TZ, TODAY, number, per_page)


def numbers(results: Results) -> list[str]:
    return [hit.ticket.number for hit in results.hits]


def marked(results: Results) -> set[str]:
    return {p.text for hit in results.hits for p in hit.pieces if p.hit}


@pytest.fixture
def archive(db: Session) -> dict[str, str]:
    """Four voicemails, newest first in the dict's order of days."""
    tickets = {
        "leak": voicemail(
            "你好，我家楼上的水管爆裂了，厨房天花板一直在漏水，请尽快派人来修", days=1
        ),
        "power": voicemail("三号楼从昨天晚上开始停电，电梯也停了，老人下不了楼", days=2),
        "lock": voicemail("我被锁在门外了，钥匙落在屋里，孩子还在家里", days=3),
        "wifi": voicemail("3号楼302的WiFi和有线电视都没有信号，打了电话也没人接", days=4),
    }
    return {key: t.number for key, t in tickets.items()}


@pytest.mark.parametrize(
    ("query", "expected", "mark"),
    [
        ("漏", ["leak"], "漏"),  # one character
        ("停电", ["power"], "停电"),  # two characters
        ("水管爆", ["leak"], "水管爆"),  # three: the trigram index
        ("天花板一直在漏水", ["leak"], "天花板一直在漏水"),  # eight
        ("楼", ["leak", "power", "wifi"], "楼"),  # several tickets, newest first
    ],
)
def test_queries_of_one_to_eight_characters_find_their_text(
    db: Session, archive: dict[str, str], query: str, expected: list[str], mark: str
) -> None:
    results = find(db, query)
    assert numbers(results) == [archive[k] for k in expected]
    assert all(kind == HitKind.TRANSCRIPT for kind in (h.kind for h in results.hits))
    assert marked(results) == {mark}
    assert results.total == len(expected)


def test_mixed_chinese_english_and_digits(db: Session, archive: dict[str, str]) -> None:
    # Terms are ANDed; English is matched whatever its case.
    assert numbers(find(db, "3号楼 wifi")) == [archive["wifi"]]
    assert numbers(find(db, "302")) == [archive["wifi"]]
    assert numbers(find(db, "WIFI 停电")) == []
    hit = find(db, "wifi 302").hits[0]
    assert [p.text for p in hit.pieces if p.hit] == ["302", "WiFi"]


def test_a_query_that_matches_nothing_and_an_empty_query(
    db: Session, archive: dict[str, str]
) -> None:
    assert find(db, "燃气泄漏").hits == []
    assert find(db, "燃").total == 0
    assert find(db, "   ").terms == []


def test_like_wildcards_in_a_query_are_literal(db: Session) -> None:
    voicemail("电费涨了100%，太贵了", days=1)
    voicemail("门口的路灯坏了", days=1)
    assert len(find(db, "%").hits) == 1
    assert len(find(db, "_").hits) == 0
    assert len(find(db, "100%").hits) == 1


def test_short_queries_search_a_window_of_recent_days(db: Session) -> None:
    recent = voicemail("楼道里好冷", days=SHORT_WINDOW_DAYS - 2)
    old = voicemail("楼道里好冷啊", days=SHORT_WINDOW_DAYS + 5)
    short = find(db, "好冷")
    assert numbers(short) == [recent.number]
    assert short.window is not None and short.window[1] == TODAY
    # Three characters use the index: the whole archive, no window.
    long = find(db, "楼道里")
    assert numbers(long) == [recent.number, old.number]
    assert long.window is None
    # The window ends where the date filter does.
    earlier = find(db, "好冷", SearchFilter(date_to=days_ago(SHORT_WINDOW_DAYS).date()))
    assert numbers(earlier) == [old.number]


def test_a_correction_is_found_and_the_machine_text_only_as_history(db: Session) -> None:
    ticket = voicemail("我家的燃汽灶打不着火", days=1)
    correct(ticket, "我家的燃气灶打不着火，闻到燃气味")
    assert numbers(find(db, "燃气味")) == [ticket.number]
    assert [h.kind for h in find(db, "燃气灶").hits] == [HitKind.TRANSCRIPT]
    # The machine's wrong word is history: hidden unless asked for.
    assert find(db, "燃汽灶").hits == []
    history = find(db, "燃汽灶", SearchFilter(history=True))
    assert [(h.ticket.number, h.kind) for h in history.hits] == [(ticket.number, HitKind.EARLIER)]


def test_notes_and_summaries_are_searched(db: Session) -> None:
    ticket = voicemail("请回电话", days=1)
    workflow.add_note(db, ticket, workflow.SYSTEM, days_ago(0), "已联系物业，明天上午维修水泵")
    answered = factories.TicketFactory(summary="来电已接听：咨询垃圾分类", created_at=days_ago(2))
    hits = find(db, "维修水泵").hits
    assert [(h.ticket.number, h.kind) for h in hits] == [(ticket.number, HitKind.NOTE)]
    assert [(h.ticket.number, h.kind) for h in find(db, "垃圾分类").hits] == [
        (answered.number, HitKind.SUMMARY)
    ]
    # A voicemail's summary is its transcript's start: one hit, not two.
    assert [h.kind for h in find(db, "请回电话").hits] == [HitKind.TRANSCRIPT]


def test_filters(db: Session) -> None:
    north, south = factories.CommunityFactory.create_batch(2)
    water, power = factories.CategoryFactory.create_batch(2)
    reviewer = factories.UserFactory()
    a = voicemail("水管漏水 甲", days=1, community=north, category=water)
    b = voicemail("水管漏水 乙", days=2, community=south, category=water, priority=Priority.URGENT)
    c = voicemail(
        "水管漏水 丙", days=3, community=north, category=power, status=TicketStatus.RESOLVED
    )
    d = voicemail("水管漏水 丁", days=40, community=south)
    assert c.recording is not None and d.recording is not None
    c.recording.triage_priority = "urgent"
    d.recording.reviewed_at = days_ago(39)
    d.recording.reviewed_by_id = reviewer.id
    db.flush()

    def only(**criteria: object) -> list[str]:
        return numbers(find(db, "水管漏水", SearchFilter(**criteria)))  # type: ignore[arg-type]

    assert only() == [a.number, b.number, c.number, d.number]
    assert only(community_id=north.id) == [a.number, c.number]
    assert only(category_id=water.id) == [a.number, b.number]
    assert only(status=TicketStatus.RESOLVED) == [c.number]
    assert only(urgent=True) == [b.number, c.number]  # a ticket's priority or triage's
    assert only(reviewed=True) == [d.number]
    assert only(reviewed=False) == [a.number, b.number, c.number]
    assert only(date_from=days_ago(3).date(), date_to=days_ago(2).date()) == [b.number, c.number]
    assert only(date_to=days_ago(30).date()) == [d.number]


def test_results_paginate_and_clamp_the_page(db: Session) -> None:
    tickets = [voicemail(f"第{i}号楼门口积水", days=i / 10) for i in range(45)]
    newest_first = [t.number for t in tickets]
    pages = [find(db, "门口积水", number=n, per_page=20) for n in (1, 2, 3)]
    assert [numbers(p) for p in pages] == [
        newest_first[:20],
        newest_first[20:40],
        newest_first[40:],
    ]
    assert pages[0].total == 45 and pages[0].pages == 3
    assert pages[0].has_next and not pages[0].has_previous and not pages[2].has_next
    # Past the end: the last page; before the start: the first.
    assert numbers(find(db, "门口积水", number=99, per_page=20)) == newest_first[40:]
    assert find(db, "门口积水", number=99, per_page=20).number == 3
    assert find(db, "门口积水", number=-3, per_page=20).number == 1


def test_a_volunteer_finds_only_tickets_in_scope(db: Session) -> None:
    mine, other = factories.VolunteerFactory.create_batch(2)
    answered = voicemail("电梯困人了", call=factories.CallFactory(answered_by_id=mine.id))
    assigned = voicemail("电梯困人了 二", volunteer_id=mine.id)
    voicemail("电梯困人了 三", call=factories.CallFactory(answered_by_id=other.id))
    scope = Scope.for_user(Role.VOLUNTEER, mine.id)
    assert set(numbers(find(db, "电梯困人", scope=scope))) == {answered.number, assigned.number}
    assert find(db, "电梯困人", scope=Scope.for_user(Role.VOLUNTEER, None)).hits == []
    assert len(find(db, "电梯困人").hits) == 3


def test_terms_are_bounded_and_distinct() -> None:
    assert terms_of("漏水 WiFi wifi 漏水") == ["漏水", "WiFi"]
    assert terms_of("一 二 三 四 五 六 七") == ["一", "二", "三", "四", "五"]
    assert terms_of("水" * 500) == ["水" * 100]


def test_a_common_word_gives_the_same_hits_without_the_index(
    db: Session, archive: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past COMMON candidates a column is searched without its trigram index (newest first,
    # stopping after a page): the hits must be the same either way.
    queries = ["水管爆", "3号楼 wifi", "WIFI", "天花板一直在漏水", "号楼", "100%"]
    indexed = [(q, numbers(find(db, q))) for q in queries]
    monkeypatch.setattr(search_query, "COMMON", 1)
    assert [(q, numbers(find(db, q))) for q in queries] == indexed
    assert indexed[1][1] == [archive["wifi"]] and indexed[2][1] == [archive["wifi"]]


def test_short_queries_find_notes_by_their_ticket_date_recent_or_old(db: Session) -> None:
    # A short query's window is on the tickets' dates; notes are read by their own date for
    # a recent window and through the window's tickets for an older one: same rule.
    def noted(days: float, note_days: float, text: str) -> str:
        ticket = voicemail("请回电话", days=days)
        workflow.add_note(db, ticket, workflow.SYSTEM, days_ago(note_days), text)
        return ticket.number

    inside = noted(10, 9, "暖气不热")
    late_note = noted(SHORT_WINDOW_DAYS - 3, 1, "暖气片漏")  # written long after its ticket
    before = noted(SHORT_WINDOW_DAYS + 3, 2, "暖气又坏")  # ticket older than the window
    assert numbers(find(db, "暖气")) == [inside, late_note]
    old_day = days_ago(400).date()
    old = noted(400, 399, "暖气管冻")
    older = noted(405, 300, "暖气阀门")
    assert numbers(find(db, "暖气", SearchFilter(date_to=old_day))) == [old, older]
    recent_filtered = find(db, "暖气", SearchFilter(date_from=days_ago(20).date()))
    assert numbers(recent_filtered) == [inside]
    assert [h.kind for h in recent_filtered.hits] == [HitKind.NOTE]
    assert before not in numbers(find(db, "暖气", SearchFilter(date_to=TODAY)))


def test_short_queries_find_summaries_in_their_window(db: Session) -> None:
    recent = factories.TicketFactory(summary="来电：停水三天", created_at=days_ago(3))
    factories.TicketFactory(summary="来电：停水一天", created_at=days_ago(SHORT_WINDOW_DAYS + 3))
    hits = find(db, "停水").hits
    assert [(h.ticket.number, h.kind) for h in hits] == [(recent.number, HitKind.SUMMARY)]


def test_counting_adds_up_every_kind_and_stops_past_the_cap(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for days in (1, 2):
        voicemail(f"热水器坏了{days}", days=days)
    noted = voicemail("请回电话", days=3)
    workflow.add_note(db, noted, workflow.SYSTEM, days_ago(2), "热水器已修好")
    factories.TicketFactory(summary="来电：热水器漏水", created_at=days_ago(4))
    results = find(db, "热水器")
    assert (results.total, results.capped, len(results.hits)) == (4, False, 4)
    monkeypatch.setattr(search_query, "MAX_COUNTED", 2)
    capped = find(db, "热水器", per_page=1)
    assert capped.capped and capped.total == 3 and capped.pages == 2


def test_a_word_common_in_the_archive_but_rare_under_the_filters(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page decides per kind from the filtered count whether the index serves it.
    north, south = factories.CommunityFactory.create_batch(2)
    for days in (1, 2, 3):
        voicemail("楼道灯不亮了", days=days, community=north)
    lone = voicemail("楼道灯坏了", days=4, community=south)
    monkeypatch.setattr(search_query, "COMMON", 2)
    assert numbers(find(db, "楼道灯", SearchFilter(community_id=south.id))) == [lone.number]
    assert len(find(db, "楼道灯").hits) == 4
