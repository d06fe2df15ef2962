"""Reconciliation with the carrier fills in what the webhooks missed, and only that: replayed
twice, or among the real callbacks in any order, it leaves the rows the callbacks alone leave."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline import tickets
from hotline.calls import reconcile
from hotline.db import utcnow
from hotline.models import (
    Call,
    CallOutcome,
    Recording,
    RecordingStatus,
    SweepLock,
    Ticket,
    TicketSource,
    Volunteer,
)
from hotline.recordings import job
from hotline.tasks.calls import reconcile_recent, reconcile_window
from hotline.telephony import CarrierCall, CarrierRecording, FakeTelephony, TelephonyError
from tests.calls.test_idempotency import (
    ASYNC_HOOKS,
    SCENARIOS,
    Request,
    deliver,
    record_requests,
    snapshot,
)
from tests.conftest import PUBLIC_BASE_URL, sign, wipe
from tests.helpers import VOICEMAIL, configure, queued_jobs, recordings_host, tools
from transcripts import LoadedModel

LINE = "+8657100000000"
CALLER = "+8613800000009"


def carrier_call(
    sid: str, *, status: str = "completed", ago: timedelta = timedelta(minutes=10), **fields: object
) -> CarrierCall:
    """A call as the carrier lists it: started `ago` plus a minute, ended `ago`."""
    ended = utcnow() - ago
    values: dict[str, object] = {
        "sid": sid,
        "from_number": CALLER,
        "to_number": LINE,
        "direction": "inbound",
        "status": status,
        "started_at": ended - timedelta(seconds=60),
        "ended_at": ended,
        "duration_s": 60,
    }
    values.update(fields)
    return CarrierCall(**values)  # type: ignore[arg-type]


def run(app: Flask, since: timedelta = timedelta(hours=2)) -> reconcile.Reconciliation:
    """The command's and the beat job's run over the last `since`, in a session of its own."""
    with app.app_context(), app.extensions["hotline.db"].sessions() as session:
        at = utcnow()
        return reconcile_window(session, at - since, at)


def only_call(session: Session) -> Call:
    session.expire_all()
    return session.scalars(select(Call)).one()


def ticket_of(session: Session, call: Call) -> Ticket:
    return session.scalars(select(Ticket).where(Ticket.call_id == call.id)).one()


def test_a_call_we_never_saw_becomes_a_call_and_a_ticket(
    app: Flask, session: Session, telephony: FakeTelephony, categories: None
) -> None:
    listed = carrier_call("CA" + "1" * 32)
    telephony.carrier_calls.append(listed)

    result = run(app)

    call = only_call(session)
    assert (call.from_number, call.to_number, call.carrier_status) == (CALLER, LINE, "completed")
    assert (call.started_at, call.ended_at, call.duration_s) == (
        listed.started_at,
        listed.ended_at,
        60,
    )
    assert call.outcome is CallOutcome.ABANDONED
    assert ticket_of(session, call).source is TicketSource.ABANDONED
    assert (result.calls_created, result.calls_settled) == (1, 0)

    before = snapshot(session)
    again = run(app)
    assert snapshot(session) == before
    assert (again.calls_created, again.calls_settled, again.calls_listed) == (0, 0, 1)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("completed", CallOutcome.ABANDONED), ("no-answer", CallOutcome.FAILED)],
)
def test_a_final_status_we_never_got_settles_the_call(
    app: Flask,
    session: Session,
    telephony: FakeTelephony,
    twilio_post: Callable[..., TestResponse],
    categories: None,
    status: str,
    outcome: CallOutcome,
) -> None:
    sid = "CA" + "2" * 32
    twilio_post("/voice/incoming", {"CallSid": sid, "From": CALLER, "To": LINE})
    assert only_call(session).ended_at is None
    listed = carrier_call(sid, status=status)
    telephony.carrier_calls.append(listed)

    result = run(app)

    call = only_call(session)
    assert (call.ended_at, call.carrier_status, call.outcome) == (listed.ended_at, status, outcome)
    assert ticket_of(session, call) is not None
    assert (result.calls_created, result.calls_settled) == (0, 1)
    # The status callback comes after all: nothing changes.
    before = snapshot(session)
    twilio_post("/voice/status", {"CallSid": sid, "CallStatus": status, "CallDuration": "60"})
    assert snapshot(session) == before


def test_calls_not_to_the_line_not_over_or_too_recent_are_left_to_the_webhooks(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    telephony.carrier_calls.extend(
        [
            carrier_call("CA" + "3" * 32, direction="outbound-dial", parent_sid="CA" + "4" * 32),
            carrier_call("CA" + "5" * 32, direction="outbound-api"),
            carrier_call("CA" + "6" * 32, status="in-progress", ended_at=None),
            carrier_call("CA" + "7" * 32, ago=reconcile.GRACE / 2),
        ]
    )

    result = run(app)

    assert session.scalars(select(Call)).all() == []
    assert result.calls_listed == 2  # the two inbound calls, neither over long enough
    assert (result.calls_created, result.calls_settled) == (0, 0)


def test_recordings_of_calls_we_do_not_know_are_skipped(
    app: Flask, session: Session, telephony: FakeTelephony
) -> None:
    telephony.carrier_recordings.append(
        CarrierRecording(
            "RE" + "1" * 32,
            "CA" + "8" * 32,
            "https://x/y",
            9,
            "completed",
            utcnow() - timedelta(hours=1),
        )
    )

    result = run(app)

    assert session.scalars(select(Recording)).all() == []
    assert (result.recordings_skipped, result.recordings_added) == (1, 0)


@pytest.fixture
def served(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """Publishes the 5-second Mandarin voicemail at a recordings host the app trusts, as
    `served(sid)`, which returns its RecordingUrl."""
    with recordings_host() as host:
        configure(
            app, monkeypatch, carrier_media_hosts=(host.netloc,), carrier_media_allow_http=True
        )
        yield lambda sid: host.publish(sid, VOICEMAIL.read_bytes())


def test_a_recording_we_never_fetched_is_fetched_and_transcribed_once(
    app: Flask,
    session: Session,
    telephony: FakeTelephony,
    twilio_post: Callable[..., TestResponse],
    categories: None,
    model: LoadedModel,
    served: Callable[[str], str],
) -> None:
    queued_jobs(app)  # jobs earlier tests left on the in-memory queue
    sid, recording_sid = "CA" + "9" * 32, "RE" + "9" * 32
    call = {"CallSid": sid, "From": CALLER, "To": LINE}
    twilio_post("/voice/incoming", call)
    twilio_post("/voice/gather?step=0", {**call, "Digits": "0"})  # nobody on duty: voicemail
    twilio_post("/voice/status", {**call, "CallStatus": "completed", "CallDuration": "60"})
    # Neither the recording's action nor its status callback ever reached us.
    assert session.scalars(select(Recording)).all() == []
    url = served(recording_sid)
    recorded_at = utcnow() - timedelta(minutes=5)
    telephony.carrier_recordings.append(
        CarrierRecording(recording_sid, sid, url, 5, "completed", recorded_at)
    )

    result = run(app)

    recording = session.scalars(select(Recording)).one()
    assert (recording.url, recording.duration_s, recording.status) == (
        url,
        5,
        RecordingStatus.AWAITING_DOWNLOAD,
    )
    assert result.recordings_added == 1
    assert queued_jobs(app) == [recording.id]
    done = job.process(
        session, recording.id, utcnow, tools(app, model), last_try=False, commit=session.commit
    )
    session.commit()  # as the task does
    assert done.status is RecordingStatus.TRANSCRIBED
    session.expire_all()
    assert ticket_of(session, only_call(session)).source is TicketSource.VOICEMAIL
    assert ticket_of(session, only_call(session)).transcript_text

    # Again, and then the late callbacks: nothing more is queued, nothing changes.
    before = snapshot(session)
    run(app)
    late = {**call, "RecordingSid": recording_sid, "RecordingUrl": url, "RecordingDuration": "5"}
    twilio_post("/voice/recording-status", {**late, "RecordingStatus": "completed"})
    assert queued_jobs(app) == []
    assert snapshot(session) == before
    assert len(recording.transcripts) == 1


def carrier_records(
    requests: list[Request], ended: datetime
) -> tuple[list[CarrierCall], list[CarrierRecording]]:
    """What the carrier's REST API lists for the call these requests made."""
    params = requests[0][1]
    calls = [carrier_call(params["CallSid"], ago=utcnow() - ended, from_number=params["From"])]
    recordings = [
        CarrierRecording(
            p["RecordingSid"],
            p["CallSid"],
            p["RecordingUrl"],
            int(p["RecordingDuration"]),
            p["RecordingStatus"],
            ended - timedelta(seconds=30),
        )
        for url, p in requests
        if url.endswith("/voice/recording-status")
    ]
    return calls, recordings


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_reconciling_among_shuffled_callbacks_changes_nothing_they_do(
    app: Flask,
    session: Session,
    telephony: FakeTelephony,
    on_duty: Callable[[int], list[Volunteer]],
    scenario: str,
    seed: int,
) -> None:
    queued_jobs(app)  # jobs earlier tests left on the in-memory queue
    on_duty(2)
    requests = record_requests(app, SCENARIOS[scenario])
    expected = snapshot(session)
    queued = len(queued_jobs(app))
    wipe(app)
    on_duty(2)
    calls, recordings = carrier_records(requests, utcnow() - timedelta(minutes=5))
    telephony.carrier_calls.extend(calls)
    telephony.carrier_recordings.extend(recordings)

    # The call itself goes as it went (the carrier waits for our TwiML); its asynchronous
    # callbacks come in any order, with two reconciliation runs anywhere among them.
    rng = random.Random(seed)
    interactive = [r for r in requests if not r[0].endswith(ASYNC_HOOKS)]
    callbacks: list[Request | None] = [r for r in requests if r[0].endswith(ASYNC_HOOKS)]
    callbacks += [None, None]
    rng.shuffle(callbacks)
    deliver(app, interactive)
    for request in callbacks:
        if request is None:
            run(app)
        else:
            deliver(app, [request])

    assert snapshot(session) == expected
    assert len(queued_jobs(app)) == queued  # each voicemail queued once, by whoever came first
    run(app)
    assert snapshot(session) == expected
    assert queued_jobs(app) == []


def test_the_beat_job_reconciles_the_last_two_hours_under_its_lease(
    app: Flask, session: Session, telephony: FakeTelephony, categories: None
) -> None:
    telephony.carrier_calls.append(carrier_call("CA" + "a" * 32))
    telephony.carrier_calls.append(carrier_call("CA" + "b" * 32, ago=timedelta(hours=3)))

    with app.app_context():
        reconcile_recent()

    assert [c.call_sid for c in session.scalars(select(Call))] == ["CA" + "a" * 32]
    lease = session.get(SweepLock, "calls.reconcile")
    assert lease is not None and lease.expires_at <= utcnow()  # given back


def test_the_beat_job_waits_for_a_carrier_it_cannot_reach(
    app: Flask, session: Session, telephony: FakeTelephony, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(since: datetime, until: datetime) -> list[CarrierCall]:
        raise TelephonyError("listing Calls failed: HTTP 503")

    monkeypatch.setattr(telephony, "list_calls", unreachable)

    with app.app_context():
        reconcile_recent()  # logged; the next run (every 5 minutes) tries again

    assert session.scalars(select(Call)).all() == []


@pytest.mark.postgres
def test_reconciliation_on_postgresql_and_the_late_callback(
    make_app: Callable[..., Flask], postgres_url: str, telephony: FakeTelephony
) -> None:
    app = make_app(database_url=postgres_url)
    with app.extensions["hotline.db"].sessions() as pg:
        tickets.ensure_categories(pg)
        pg.commit()
        sid = "CA" + "c" * 32
        listed = carrier_call(sid, status="busy")
        telephony.carrier_calls.append(listed)

        assert run(app).calls_created == 1
        late = {"CallSid": sid, "CallStatus": "busy"}
        signature = sign(PUBLIC_BASE_URL + "/voice/status", late)
        response = app.test_client().post(
            "/voice/status", data=late, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200
        assert run(app).calls_created == 0

        call = pg.scalars(select(Call)).one()
        assert (call.ended_at, call.outcome) == (listed.ended_at, CallOutcome.FAILED)
        assert ticket_of(pg, call).source is TicketSource.FAILED
