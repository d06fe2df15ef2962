"""The audit log's page and what the web side audits: logins, failed logins, exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import audit
from hotline.models import Role, User
from hotline.models.audit import AuditEntry
from tests.factories import UserFactory
from tests.helpers import log_in, page, text


def _entries(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_login_and_a_failed_login_are_audited_with_the_address(
    client: FlaskClient, session: Session
) -> None:
    user: User = UserFactory(username="zhang")
    session.commit()

    assert log_in(client, "zhang", "wrong", address="198.51.100.9").status_code == 200
    assert log_in(client, "nobody", "wrong", address="198.51.100.9").status_code == 200
    assert log_in(client, "zhang", address="198.51.100.10").status_code == 302

    failed = _entries(session, "login.failed")
    assert sorted((e.username, e.user_id, e.address) for e in failed) == [
        ("nobody", None, "198.51.100.9"),
        ("zhang", None, "198.51.100.9"),
    ]
    [ok] = _entries(session, "login")
    assert (ok.username, ok.user_id, ok.address, ok.target) == (
        "zhang",
        user.id,
        "198.51.100.10",
        f"user:{user.id}",
    )


def test_kpi_and_ticket_exports_are_audited(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    me = sign_in(role=Role.SUPERVISOR)
    assert client.get("/kpi/export.csv?kind=month&day=2026-11-17").status_code == 200
    assert client.get("/kpi/tickets.csv?status=open").status_code == 200

    exports = _entries(session, "export")
    assert sorted((e.target, e.detail, e.user_id) for e in exports) == [
        ("export:kpi", "kind=month&day=2026-11-17", me.id),
        ("export:tickets", "status=open", me.id),
    ]


def test_only_administrators_see_the_log(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    sign_in(role=Role.SUPERVISOR)
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient) -> None:
    assert client.get("/audit").status_code == 302


def _seed(session: Session) -> None:
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    for n, (name, action, target) in enumerate(
        [
            ("li", audit.Action.RECORDING_PLAY, "recording:12"),
            ("li", audit.Action.TRANSCRIPT_VIEW, "recording:12"),
            ("wang", audit.Action.RECORDING_PLAY, "recording:120"),
            ("wang", audit.Action.EXPORT, "export:tickets"),
            ("zhao", audit.Action.RECORDING_PLAY, "recording_x"),
        ]
    ):
        audit.record(
            session,
            user_id=None,
            username=name,
            action=action,
            target=target,
            at=at.replace(day=20 + n),
            detail='=HYPERLINK("http://evil")' if name == "wang" else "",
        )
    session.commit()


def test_the_log_filters_by_user_action_target_and_days(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    _seed(session)
    sign_in(role=Role.ADMIN)

    def targets(query: str) -> list[str]:
        html = page(client, f"/audit?{query}")
        return [
            t
            for t in ("recording:12<", "recording:120", "export:tickets", "recording_x")
            if t in html
        ]

    assert targets("user=li") == ["recording:12<"]
    assert targets("action=recording.play") == ["recording:12<", "recording:120", "recording_x"]
    # A target is matched by its start; LIKE's wildcards are taken literally.
    assert targets("target=recording:12") == ["recording:12<", "recording:120"]
    assert targets("target=recording_") == ["recording_x"]
    assert targets("date_from=2026-11-22&date_to=2026-11-23") == ["recording:120", "export:tickets"]
    assert "结束日期早于开始日期" in page(
        client, "/audit?date_from=2026-11-23&date_to=2026-11-22"
    ) or (
        "The end date is before the start date."
        in page(client, "/audit?date_from=2026-11-23&date_to=2026-11-22")
    )


def test_paging_is_clamped_and_bounded(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    _seed(session)
    sign_in(role=Role.ADMIN)
    for query in ("page=999999999999999999999", "page=-3", "page=abc"):
        assert "recording_x" in page(client, f"/audit?{query}")
    too_long = "x" * 200
    response = client.get(f"/audit?user={too_long}")
    assert response.status_code == 200
    assert "recording_x" not in text(response)  # refused, nothing listed


def test_the_csv_download_is_formula_safe_and_audited(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    _seed(session)
    me = sign_in(role=Role.ADMIN)

    response = client.get("/audit/export.csv?user=wang")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    assert [row[3] for row in rows[1:]] == ["export:tickets", "recording:120"]
    assert {row[5] for row in rows[1:]} == {'\'=HYPERLINK("http://evil")'}
    [entry] = [e for e in _entries(session, "export") if e.target == "export:audit"]
    assert (entry.user_id, entry.detail) == (me.id, "user=wang")


def test_the_ticket_page_audits_a_transcript_view(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    from tests.factories import CallFactory, RecordingFactory, TicketFactory

    call = CallFactory()
    recording = RecordingFactory(call=call)
    with_text = TicketFactory(call=call, recording_id=recording.id, transcript_text="楼道漏水")
    without = TicketFactory(call=None, transcript_text="")
    me = sign_in(role=Role.SUPERVISOR)

    page(client, f"/tickets/{with_text.number}")
    page(client, f"/tickets/{without.number}")

    [view] = _entries(session, "transcript.view")
    assert (view.user_id, view.target, view.detail) == (
        me.id,
        f"recording:{recording.id}",
        f"ticket {with_text.number}",
    )
