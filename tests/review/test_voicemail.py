"""The review domain: the queue's order and counts, corrections as versions (the machine's
kept, words carried or realigned, the ticket and triage following), marking reviewed, scope."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.models import (
    AuditEntry,
    Priority,
    RecordingStatus,
    Role,
    Transcript,
    User,
)
from hotline.refusal import Refused
from hotline.review import NotVisible, Scope
from hotline.review import voicemail as vm
from tests import factories
from tests.review.conftest import MACHINE_TEXT, current, stored_voicemail

EVERYTHING = Scope(everything=True)


def actor(user: User) -> vm.Actor:
    return vm.Actor(user.id, user.username, "10.0.0.7")


def test_the_queue_puts_urgent_first_then_the_oldest_and_leaves_out_the_done(
    session: Session,
) -> None:
    old, _ = stored_voicemail(None, age_hours=50)
    new, _ = stored_voicemail(None, age_hours=1)
    by_triage, _ = stored_voicemail(None, age_hours=2, triage_urgent=True)
    by_ticket, _ = stored_voicemail(None, age_hours=3, urgent=True)
    waiting = factories.RecordingFactory(created_at=utcnow())  # awaiting its download
    reviewed, _ = stored_voicemail(None, age_hours=70)
    reviewed.reviewed_at = utcnow()
    factories.RecordingFactory(status=RecordingStatus.EMPTY)
    factories.RecordingFactory(status=RecordingStatus.FAILED)
    session.flush()

    page = vm.review_queue(session)

    assert [row.recording.id for row in page.items] == [
        by_ticket.id,
        by_triage.id,
        old.id,
        new.id,
        waiting.id,
    ]
    assert [row.urgent for row in page.items] == [True, True, False, False, False]
    # Vosk's spaces between Chinese words are left out of the queue's text.
    assert page.items[2].text == MACHINE_TEXT.replace(" ", "") and page.items[4].text is None
    assert vm.queue_counts(session) == vm.QueueCounts(unreviewed=5, urgent=2)
    assert vm.next_in_queue(session) == by_ticket.id
    assert vm.next_in_queue(session, after=by_ticket.id) == by_triage.id


def test_the_queue_pages_keep_the_order_and_a_page_past_the_end_is_the_last(
    session: Session,
) -> None:
    oldest_first = [stored_voicemail(None, age_hours=40 - hours)[0] for hours in range(5)]
    urgent, _ = stored_voicemail(None, age_hours=1, urgent=True)
    session.flush()
    order = [urgent.id] + [recording.id for recording in oldest_first]

    pages = [vm.review_queue(session, number, per_page=2) for number in (1, 2, 3)]
    past_the_end = vm.review_queue(session, 9, per_page=2)

    assert [row.recording.id for page in pages for row in page.items] == order
    assert [page.total for page in pages] == [6, 6, 6] and pages[0].pages == 3
    assert past_the_end.number == 3
    assert [row.recording.id for row in past_the_end.items] == order[4:]
    assert vm.review_queue(session, 1, per_page=4).items[0].urgent is True


def test_a_correction_is_a_new_version_and_the_ticket_shows_it(session: Session) -> None:
    user = factories.UserFactory(role=Role.SUPERVISOR, display_name="王芳")
    recording, ticket = stored_voicemail(None)
    machine = current(session, recording)
    corrected = "欢迎大家来体验达摩院推出的语言识别模型"

    saved = vm.save(
        session,
        EVERYTHING,
        recording.id,
        corrected,
        machine.id,
        actor(user),
        utcnow(),
        mark_reviewed=False,
    )

    assert saved == vm.Saved(recording.id, changed=True, reviewed=False, escalate=False)
    versions = session.scalars(
        select(Transcript).where(Transcript.recording_id == recording.id).order_by(Transcript.id)
    ).all()
    assert [(v.text, v.current, v.model_name, v.edited_by_id) for v in versions] == [
        (MACHINE_TEXT, False, "vosk-model-small-cn-0.22", None),
        (corrected, True, "", user.id),
    ]
    session.refresh(ticket)
    assert ticket.transcript_text == corrected and ticket.summary == corrected
    # Words the supervisor left keep the machine's times and scores; 言 was typed.
    words = {w["word"]: w for w in versions[1].words}
    assert (words["达"]["start"], words["达"]["confidence"]) == (2.2, 0.42)
    assert words["言"]["confidence"] is None
    assert 3.7 <= words["言"]["start"] < words["言"]["end"] <= 4.2
    assert [w["word"] for w in versions[1].words] == list(corrected)
    edit = session.scalars(select(AuditEntry).where(AuditEntry.action == "transcript.edit")).one()
    assert (edit.user_id, edit.target, edit.address) == (
        user.id,
        f"recording:{recording.id}",
        "10.0.0.7",
    )
    assert recording.reviewed_at is None


def test_spacing_alone_keeps_the_machine_words(session: Session) -> None:
    user = factories.UserFactory()
    recording, _ = stored_voicemail(None)
    machine = current(session, recording)

    vm.save(
        session,
        EVERYTHING,
        recording.id,
        MACHINE_TEXT.replace(" ", ""),
        machine.id,
        actor(user),
        utcnow(),
        mark_reviewed=False,
    )

    assert current(session, recording).words == machine.words


def test_saving_the_same_text_marks_reviewed_without_a_new_version(session: Session) -> None:
    user = factories.UserFactory()
    recording, _ = stored_voicemail(None)
    machine = current(session, recording)
    at = utcnow()

    saved = vm.save(
        session,
        EVERYTHING,
        recording.id,
        MACHINE_TEXT + "\n",
        machine.id,
        actor(user),
        at,
        mark_reviewed=True,
    )

    assert saved is not None and (saved.changed, saved.reviewed) == (False, True)
    assert current(session, recording).id == machine.id
    assert (recording.reviewed_at, recording.reviewed_by_id) == (at, user.id)
    assert vm.queue_counts(session).unreviewed == 0
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["recording.review"]


def test_a_correction_over_a_newer_version_is_refused(session: Session) -> None:
    user = factories.UserFactory()
    recording, _ = stored_voicemail(None)
    machine = current(session, recording)
    vm.save(
        session,
        EVERYTHING,
        recording.id,
        "第一个更正",
        machine.id,
        actor(user),
        utcnow(),
        mark_reviewed=False,
    )

    with pytest.raises(Refused, match="Someone else saved"):
        vm.save(
            session,
            EVERYTHING,
            recording.id,
            "第二个更正",
            machine.id,
            actor(user),
            utcnow(),
            mark_reviewed=True,
        )
    assert current(session, recording).text == "第一个更正"


def test_a_corrected_transcript_is_triaged(session: Session) -> None:
    user = factories.UserFactory()
    recording, ticket = stored_voicemail(None)
    machine = current(session, recording)

    saved = vm.save(
        session,
        EVERYTHING,
        recording.id,
        "我家厨房有很大的煤气味，快来人",
        machine.id,
        actor(user),
        utcnow(),
        mark_reviewed=True,
    )

    assert saved is not None and saved.escalate
    assert (recording.triage_priority, recording.triage_phrase) == ("urgent", "煤气")
    session.refresh(ticket)
    assert ticket.priority is Priority.URGENT


def test_volunteers_see_only_their_own_voicemails_and_correct_none(session: Session) -> None:
    mine = factories.VolunteerFactory()
    other = factories.VolunteerFactory()
    user = factories.UserFactory(role=Role.VOLUNTEER, volunteer_id=mine.id)
    own, _ = stored_voicemail(None, call=factories.CallFactory(answered_by_id=mine.id))
    theirs, _ = stored_voicemail(None, call=factories.CallFactory(answered_by_id=other.id))
    assigned, assigned_ticket = stored_voicemail(None)
    assigned_ticket.volunteer_id = mine.id
    session.flush()
    scope = Scope.for_user(Role.VOLUNTEER, mine.id)

    view = vm.voicemail(session, scope, own.id, Path("/nonexistent"), actor(user))
    assert view is not None and not view.edits and not view.audio
    assert vm.voicemail(session, scope, assigned.id, Path("/nonexistent"), None) is not None
    with pytest.raises(NotVisible):
        vm.voicemail(session, scope, theirs.id, Path("/nonexistent"), actor(user))
    with pytest.raises(NotVisible):
        vm.playback(session, scope, theirs.id, Path("/x"), actor(user), download=False)
    with pytest.raises(vm.NotEditable):
        vm.save(session, scope, own.id, "改", None, actor(user), utcnow(), mark_reviewed=True)
    assert vm.voicemail(session, scope, 2**31 - 1, Path("/x"), None) is None


def test_playback_is_audited_and_finds_the_stored_file(session: Session, tmp_path: Path) -> None:
    user = factories.UserFactory()
    recording, _ = stored_voicemail(tmp_path)

    played = vm.playback(session, EVERYTHING, recording.id, tmp_path, actor(user), download=False)
    assert played is not None and played.path == tmp_path / str(recording.local_path)
    vm.playback(
        session, EVERYTHING, recording.id, tmp_path, actor(user), download=False, audited=False
    )
    vm.playback(session, EVERYTHING, recording.id, tmp_path, actor(user), download=True)
    session.flush()
    assert session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all() == [
        "recording.play",
        "recording.download",
    ]

    recording.audio_deleted_at = utcnow()
    gone = vm.playback(session, EVERYTHING, recording.id, tmp_path, actor(user), download=False)
    assert gone is not None and (gone.path, gone.reason) == (None, "deleted")


def test_a_stored_path_outside_the_recordings_directory_is_not_served(
    session: Session, tmp_path: Path
) -> None:
    user = factories.UserFactory()
    recording, _ = stored_voicemail(tmp_path)
    inside = tmp_path / "inside"
    inside.mkdir()
    recording.local_path = "../" + str(recording.local_path)

    played = vm.playback(session, EVERYTHING, recording.id, inside, actor(user), download=False)

    assert played is not None and (played.path, played.reason) == (None, "missing")


def test_the_diff_marks_characters_inserted_and_deleted() -> None:
    # Vosk's spaces between Chinese words are no change; a space between Latin words is.
    assert vm.diff_pieces("燃 气 漏 了 in B", "燃气漏了吗 in  C") == [
        vm.DiffPiece("equal", "燃气漏了"),
        vm.DiffPiece("insert", "吗"),
        vm.DiffPiece("equal", " in "),
        vm.DiffPiece("delete", "B"),
        vm.DiffPiece("insert", " C"),
    ]


def test_realigned_words_cover_latin_runs_and_insertions() -> None:
    old = [
        {"word": "三号", "start": 1.0, "end": 2.0, "confidence": 0.9},
        {"word": "楼", "start": 2.0, "end": 2.5, "confidence": 0.5},
    ]
    words = vm.realign(old, "三号A座楼")
    assert [w["word"] for w in words] == ["三", "号", "A", "座", "楼"]
    assert words[0] == {"word": "三", "start": 1.0, "end": 1.5, "confidence": 0.9}
    assert words[2]["confidence"] is None and words[2]["start"] == 2.0
    assert words[4] == {"word": "楼", "start": 2.0, "end": 2.5, "confidence": 0.5}
    assert vm.realign([], "没有时间") == []


def test_the_review_view_lists_versions_newest_first_with_editors(session: Session) -> None:
    user = factories.UserFactory(display_name="王芳")
    recording, _ = stored_voicemail(None)
    machine = current(session, recording)
    vm.save(
        session,
        EVERYTHING,
        recording.id,
        "更正后的文字",
        machine.id,
        actor(user),
        utcnow(),
        mark_reviewed=True,
    )

    view = vm.voicemail(session, EVERYTHING, recording.id, Path("/x"), actor(user))

    assert view is not None and view.edits and view.reviewed_by == "王芳"
    assert [(v.machine, v.editor) for v in view.versions] == [(False, "王芳"), (True, None)]
    # Typed characters are timed across the machine's words, without a score; 的 was heard.
    assert [w.text for w in view.words] == list("更正后的文字")
    assert [w.confidence for w in view.words] == [None, None, None, 0.99, None, None]
    assert (view.words[3].start, view.words[3].end) == (3.5, 3.7)
    assert view.words[0].start == 0.3 and view.words[-1].end == 5.3
    diff = view.diff()
    assert diff is not None and diff[0].machine and not diff[1].machine
    assert view.diff(machine.id) is None  # the first version has nothing before it
    views = session.scalars(select(AuditEntry.action).where(AuditEntry.action == "transcript.view"))
    assert list(views) == ["transcript.view"]


def test_a_voicemail_without_a_transcript_cannot_be_corrected_yet(session: Session) -> None:
    user = factories.UserFactory()
    waiting = factories.RecordingFactory()

    with pytest.raises(Refused, match="no transcript to correct yet"):
        vm.save(
            session,
            EVERYTHING,
            waiting.id,
            "我听到的",
            None,
            actor(user),
            utcnow(),
            mark_reviewed=True,
        )
    assert (
        session.scalars(select(Transcript).where(Transcript.recording_id == waiting.id)).all() == []
    )
