"""The review pages: the queue and its header counts, the review page's player and timed
words, saving a correction (diff, save-and-next), the audio with HTTP Range, 403 outside the
scope, audit rows, the ticket page's player."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import AuditEntry, Recording, Role, User
from tests import factories
from tests.helpers import page, text
from tests.review.conftest import MACHINE_TEXT, SPEECH, current, stored_voicemail


def audit_actions(session: Session) -> list[str]:
    """The review pages' audit entries (logins are audited too), oldest first."""
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("recording.%") | AuditEntry.action.like("transcript.%"))
            .order_by(AuditEntry.id)
        )
    )


def test_the_queue_lists_urgent_first_and_the_header_counts_them(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    older, older_ticket = stored_voicemail(None, age_hours=30)
    urgent, urgent_ticket = stored_voicemail(None, age_hours=1, triage_urgent=True)
    sign_in(role=Role.SUPERVISOR)

    html = page(client, "/review")

    numbers = re.findall(r'href="/review/(\d+)"', html)
    assert numbers == [str(urgent.id), str(older.id)]
    assert urgent_ticket.number in html and older_ticket.number in html
    assert "听到：燃气" in html
    assert re.search(r'id="review-unreviewed"[^>]*>2<', html)
    assert re.search(r'id="review-urgent"[^>]*>1<', html)


def test_volunteers_get_no_queue_and_no_counts(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    stored_voicemail(None)
    sign_in(role=Role.VOLUNTEER)
    assert client.get("/review").status_code == 403
    assert "review-unreviewed" not in page(client, "/tickets")


def test_the_review_page_times_every_word_and_marks_the_doubtful(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], recordings_dir: Path
) -> None:
    recording, ticket = stored_voicemail(recordings_dir)
    sign_in(role=Role.SUPERVISOR)

    html = page(client, f"/review/{recording.id}")

    assert f'src="/review/{recording.id}/audio"' in html
    assert '<script src="/static/review.js"' in html
    spans = re.findall(
        r'<span class="word([^"]*)"\s+data-start="([\d.]+)" data-end="([\d.]+)"', html
    )
    assert len(spans) == 10
    assert spans[4] == (" low", "2.200", "3.000")
    assert 'title="不确定：42%"' in html
    assert ticket.number in html
    assert [m for m in re.findall(r'data-rate="([\d.]+)"', html)] == ["0.75", "1", "1.5"]
    assert audit_actions(session) == ["transcript.view"]


def test_saving_a_correction_shows_the_new_version_and_its_diff(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], recordings_dir: Path
) -> None:
    recording, ticket = stored_voicemail(recordings_dir)
    base = current(session, recording)
    sign_in(role=Role.SUPERVISOR, display_name="王芳")

    response = client.post(
        f"/review/{recording.id}",
        data={
            "text": "欢迎大家来体验<b>达摩院</b>推出的模型",
            "base": str(base.id),
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/review/{recording.id}"

    new = current(session, recording)
    html = page(client, f"/review/{recording.id}?diff={new.id}")
    assert "由 王芳 更正" in html
    # The diff is escaped text: only <ins>/<del> are markup.
    assert "<ins>&lt;b&gt;</ins>" in html
    assert "<del>语音识别</del>" in html
    assert "<b>达摩院" not in html
    assert page(client, f"/tickets/{ticket.number}").count("&lt;b&gt;达摩院&lt;/b&gt;") >= 1


def test_save_and_next_marks_reviewed_and_opens_the_next(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    first, _ = stored_voicemail(None, age_hours=5)
    second, _ = stored_voicemail(None, age_hours=1)
    user = sign_in(role=Role.SUPERVISOR)
    base = current(session, first)

    response = client.post(
        f"/review/{first.id}", data={"text": MACHINE_TEXT, "base": str(base.id), "action": "next"}
    )

    assert response.headers["Location"] == f"/review/{second.id}"
    session.expire_all()
    assert first.reviewed_by_id == user.id and first.reviewed_at is not None
    assert current(session, first).id == base.id  # same text: no new version
    last = client.post(
        f"/review/{second.id}",
        data={"text": "好", "base": str(current(session, second).id), "action": "next"},
    )
    assert last.headers["Location"] == "/review"


def test_a_stale_or_oversized_correction_is_refused(
    client: FlaskClient, session: Session, sign_in: Callable[..., User]
) -> None:
    recording, _ = stored_voicemail(None)
    sign_in(role=Role.SUPERVISOR)
    stale = client.post(
        f"/review/{recording.id}", data={"text": "改", "base": "999999", "action": "save"}
    )
    assert stale.status_code == 409 and "别人" in text(stale)
    big = client.post(
        f"/review/{recording.id}",
        data={"text": "长" * 5001, "base": str(current(session, recording).id)},
    )
    assert big.status_code == 400
    odd = client.post(f"/review/{recording.id}", data={"text": "改", "action": "delete"})
    assert odd.status_code == 400
    assert current(session, recording).text == MACHINE_TEXT


def test_the_audio_is_served_with_ranges_and_each_play_audited(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], recordings_dir: Path
) -> None:
    recording, _ = stored_voicemail(recordings_dir)
    sign_in(role=Role.SUPERVISOR)
    size = SPEECH.stat().st_size
    url = f"/review/{recording.id}/audio"

    whole = client.get(url)
    assert whole.status_code == 200
    assert whole.headers["Content-Type"] == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Cache-Control"] == "no-store"
    assert whole.data == SPEECH.read_bytes()

    first = client.get(url, headers={"Range": "bytes=0-"})
    assert first.status_code == 206
    seek = client.get(url, headers={"Range": "bytes=1000-1999"})
    assert seek.status_code == 206
    assert seek.headers["Content-Range"] == f"bytes 1000-1999/{size}"
    assert seek.data == SPEECH.read_bytes()[1000:2000]

    download = client.get(url + "?download=1")
    assert (
        download.headers["Content-Disposition"]
        == f"attachment; filename={recording.recording_sid}.wav"
    )
    # The plain GET and the range from 0 start plays; the seek is the same play.
    assert audit_actions(session) == ["recording.play", "recording.play", "recording.download"]


def test_audio_is_refused_outside_the_scope_and_gone_when_deleted(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], recordings_dir: Path
) -> None:
    mine, other = factories.VolunteerFactory(), factories.VolunteerFactory()
    own, own_ticket = stored_voicemail(
        recordings_dir, call=factories.CallFactory(answered_by_id=mine.id)
    )
    theirs, theirs_ticket = stored_voicemail(
        recordings_dir, call=factories.CallFactory(answered_by_id=other.id)
    )
    sign_in(role=Role.VOLUNTEER, volunteer_id=mine.id)

    assert client.get(f"/review/{theirs.id}/audio").status_code == 403
    assert client.get(f"/review/{theirs.id}").status_code == 403
    assert client.get(f"/review/{2**31 - 1}/audio").status_code == 404
    assert client.get(f"/review/{own.id}/audio").status_code == 200
    # Read-only for a volunteer: the player, no form; no correction accepted.
    html = page(client, f"/review/{own.id}")
    assert "correction-form" not in html and "player-audio" in html
    assert client.post(f"/review/{own.id}", data={"text": "改"}).status_code == 403
    assert "player-audio" in page(client, f"/tickets/{own_ticket.number}")

    own.audio_deleted_at = utcnow()
    session.commit()
    assert client.get(f"/review/{own.id}/audio").status_code == 410
    assert "音频已于" in page(client, f"/review/{own.id}")


def test_signed_out_visitors_are_sent_to_log_in(client: FlaskClient, session: Session) -> None:
    recording, _ = stored_voicemail(None)
    session.commit()
    response = client.get(f"/review/{recording.id}/audio")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_ticket_page_plays_its_voicemail_and_links_to_review(
    client: FlaskClient, session: Session, sign_in: Callable[..., User], recordings_dir: Path
) -> None:
    recording, ticket = stored_voicemail(recordings_dir)
    sign_in(role=Role.SUPERVISOR)
    html = page(client, f"/tickets/{ticket.number}")
    assert f'src="/review/{recording.id}/audio"' in html
    assert f'href="/review/{recording.id}"' in html
    assert html.count("data-start=") == 10


def test_a_correction_that_names_gas_queues_the_alert(
    client: FlaskClient,
    session: Session,
    sign_in: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recording, ticket = stored_voicemail(None)
    sign_in(role=Role.SUPERVISOR)
    queued: list[tuple[int, str | None]] = []

    def enqueue(recording_id: int) -> bool:
        # What the task will read: the recording's triage from the correction.
        with session_factory() as other:
            found = other.get(Recording, recording_id)
            queued.append((recording_id, found.triage_phrase if found else None))
        return True

    session_factory = client.application.extensions["hotline.db"].sessions
    monkeypatch.setattr("hotline.web.review.routes.enqueue_escalation", enqueue)
    response = client.post(
        f"/review/{recording.id}",
        data={"text": "厨房里一股煤气味", "base": str(current(session, recording).id)},
    )

    assert response.status_code == 302
    assert queued == [(recording.id, "煤气")]
    session.refresh(ticket)
    assert ticket.priority.value == "urgent"
