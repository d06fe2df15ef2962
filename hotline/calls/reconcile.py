"""Reconciliation with the carrier: what its records hold that our webhooks never told us.

The carrier's REST API lists the calls and recordings of a window, all of it before the first
write, so no transaction is open across its I/O. Each missing fact is then replayed through the
webhook handler that would have recorded it, with the parameters its callback would have
carried, in a short transaction of its own: a call we never saw gets its row and its ticket, a
final status we never got settles the call, a recording we never heard of is stored and queued
for download. Without call screening, a volunteer's leg the carrier lists as answered stands for
the <Dial> action a carrier may not send when the caller hangs up first: the call is answered.
A replay logs the same event (the same dedupe key) as the callback it stands in for, so
whichever comes second, the run or the real callback, changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hotline.calls.line import LinePolicy, find_call, new_call
from hotline.calls.navigation import dial_result, group_positions
from hotline.calls.outcome import (
    FINAL_CALL_STATUSES,
    RECORDING_STATUS_RANK,
    call_status,
    recording_status,
    to_enqueue,
)
from hotline.ivr.model import Flow
from hotline.models import Recording
from hotline.telephony import CarrierCall, CarrierRecording, Telephony, TelephonyError

logger = logging.getLogger(__name__)

# The carrier's callbacks get this long after a call or recording ends to arrive first.
GRACE = timedelta(minutes=2)
# A caller whose call ended longer ago than this is not texted its reference any more.
TEXT_WINDOW = timedelta(hours=1)


@dataclass
class Reconciliation:
    """What one run found at the carrier and changed here."""

    calls_listed: int = 0
    recordings_listed: int = 0
    calls_created: int = 0
    calls_settled: int = 0
    recordings_added: int = 0
    # Recordings of calls that are not ours (or not known yet): left alone.
    recordings_skipped: int = 0
    # Items whose write failed (a webhook for the same call at the same moment): the next
    # run takes them again.
    failed: int = 0
    # Why the carrier's recordings could not be listed ("" when they were).
    recordings_unlisted: str = ""
    enqueue_recordings: list[int] = field(default_factory=list)
    text_callers: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """One line for logs and the command line."""
        return (
            f"carrier listed {self.calls_listed} calls and {self.recordings_listed} recordings;"
            f" {self.calls_created} calls created, {self.calls_settled} settled,"
            f" {self.recordings_added} recordings added,"
            f" {len(self.enqueue_recordings)} queued for download,"
            f" {self.recordings_skipped} recordings of unknown calls skipped,"
            f" {self.failed} failed"
            + (
                f"; recordings not listed: {self.recordings_unlisted}"
                if self.recordings_unlisted
                else ""
            )
        )


def reconcile(
    session: Session,
    flow: Flow,
    policy: LinePolicy,
    carrier: Telephony,
    since: datetime,
    until: datetime,
    now: datetime,
    *,
    commit: Callable[[], None],
    progress: Callable[[str], None] = lambda line: None,
) -> Reconciliation:
    """Fill in what the webhooks missed in [since, until): calls, final statuses, recordings.
    The caller queues `enqueue_recordings` and `text_callers` once this returns (committed)."""
    listed = carrier.list_calls(since, until)
    calls = [c for c in listed if _to_the_line(c)]
    # With screening, an answered leg may be a volunteer who declined: only a 1 says yes.
    legs = [] if policy.carrier_screening else [c for c in listed if _bridged_leg(c, now)]
    try:
        recordings = carrier.list_recordings(since, until)
        unlisted = ""
    except TelephonyError as exc:
        # Calls are worth reconciling on their own (Somleng lists recordings per call only).
        logger.warning("recordings not reconciled: %s", exc)
        recordings, unlisted = [], str(exc)
    result = Reconciliation(
        calls_listed=len(calls), recordings_listed=len(recordings), recordings_unlisted=unlisted
    )
    progress(f"carrier lists {len(calls)} calls to the line and {len(recordings)} recordings")
    steps = [
        *((c.sid, _replay_call(flow, policy, c, now)) for c in calls if _call_over(c, now)),
        *((leg.sid, _replay_bridge(flow, policy, leg)) for leg in legs),
        *(
            (r.sid, _replay_recording(flow, policy, r))
            for r in recordings
            if _recording_over(r, now)
        ),
    ]
    for sid, step in steps:
        _apply(session, commit, result, sid, progress, step)
    return result


Step = Callable[[Session, Reconciliation], str | None]


def _apply(
    session: Session,
    commit: Callable[[], None],
    result: Reconciliation,
    sid: str,
    progress: Callable[[str], None],
    step: Step,
) -> None:
    """Run one replay in its own transaction; its change is counted once committed."""
    staged = Reconciliation()
    try:
        change = step(session, staged)
        commit()
    except SQLAlchemyError:
        session.rollback()
        logger.exception("reconciling %s failed; the next run takes it again", sid)
        result.failed += 1
        return
    result.calls_created += staged.calls_created
    result.calls_settled += staged.calls_settled
    result.recordings_added += staged.recordings_added
    result.recordings_skipped += staged.recordings_skipped
    result.enqueue_recordings.extend(staged.enqueue_recordings)
    result.text_callers.extend(staged.text_callers)
    if change:
        logger.info("reconciled %s: %s", sid, change)
        progress(f"  {sid}: {change}")


def _to_the_line(listed: CarrierCall) -> bool:
    """A caller ringing the line; not a leg our Dial rang, nor a call we placed ourselves
    (call backs, surveys and alerts keep their own records)."""
    return listed.direction == "inbound" and not listed.parent_sid


def _bridged_leg(listed: CarrierCall, now: datetime) -> bool:
    """A leg some <Dial> rang that was answered and talked, and is over."""
    return (
        bool(listed.parent_sid)
        and listed.status == "completed"
        and bool(listed.duration_s)
        and _call_over(listed, now)
    )


def _ended_at(listed: CarrierCall) -> datetime | None:
    if listed.ended_at is not None:
        return listed.ended_at
    if listed.started_at is not None:
        return listed.started_at + timedelta(seconds=listed.duration_s or 0)
    return None


def _call_over(listed: CarrierCall, now: datetime) -> bool:
    """Final at the carrier, and long enough ago that its own callback had its chance."""
    ended = _ended_at(listed)
    return listed.status in FINAL_CALL_STATUSES and ended is not None and ended <= now - GRACE


def _recording_over(recording: CarrierRecording, now: datetime) -> bool:
    ended = recording.created_at + timedelta(seconds=recording.duration_s)
    return recording.status in RECORDING_STATUS_RANK and ended <= now - GRACE


def _replay_call(flow: Flow, policy: LinePolicy, listed: CarrierCall, now: datetime) -> Step:
    """The final status callback, as the carrier would have sent it when the call ended."""

    def step(session: Session, result: Reconciliation) -> str | None:
        call = find_call(session, listed.sid)
        if call is not None and call.ended_at is not None:
            return None
        ended = _ended_at(listed)
        assert ended is not None  # noqa: S101  (only calls over are replayed)
        params = {
            "CallSid": listed.sid,
            "From": listed.from_number,
            "To": listed.to_number,
            "Direction": listed.direction,
            "CallStatus": listed.status,
            "CallDuration": str(listed.duration_s or 0),
        }
        if call is None:
            # Started when the carrier says, not when the status callback would have come.
            session.add(new_call(listed.sid, params, listed.started_at or ended))
            session.flush()
        update = call_status(session, flow, policy, params, ended)
        if ended >= now - TEXT_WINDOW:
            result.text_callers.extend(update.text_callers)
        if call is None:
            result.calls_created += 1
            return f"call created and settled ({listed.status})"
        result.calls_settled += 1
        return f"settled ({listed.status})"

    return step


def _replay_bridge(flow: Flow, policy: LinePolicy, leg: CarrierCall) -> Step:
    """The <Dial> action of an answered volunteer's leg, as the carrier would have sent it."""

    def step(session: Session, result: Reconciliation) -> str | None:
        call = find_call(session, leg.parent_sid)
        if call is None or call.accepted_index is not None or call.dial_index < 0:
            return None
        group = call.dial_index
        if all(call.chain[i]["number"] != leg.to_number for i in group_positions(call, group)):
            return None  # not the phone the hunt was ringing (the action for it came)
        params = {
            "CallSid": call.call_sid,
            "CallStatus": "completed",
            "DialCallStatus": "completed",
            "DialCallSid": leg.sid,
            "DialCallDuration": str(leg.duration_s),
        }
        ended = _ended_at(leg)
        assert ended is not None  # noqa: S101  (only legs over are replayed)
        dial_result(session, flow, policy, params, ended, group)
        if call.accepted_index is None:
            return None
        result.calls_settled += 1
        return f"answered by volunteer {call.accepted_index} (its leg {leg.sid})"

    return step


def _replay_recording(flow: Flow, policy: LinePolicy, listed: CarrierRecording) -> Step:
    """The recording status callback, as the carrier would have sent it."""

    def step(session: Session, result: Reconciliation) -> str | None:
        if find_call(session, listed.call_sid) is None:
            result.recordings_skipped += 1
            return None
        known = session.scalars(
            select(Recording).where(Recording.recording_sid == listed.sid)
        ).one_or_none()
        if (
            known is not None
            and RECORDING_STATUS_RANK[listed.status]
            <= RECORDING_STATUS_RANK.get(known.carrier_status, -1)
            and not to_enqueue(known)
        ):
            return None
        params = {
            "CallSid": listed.call_sid,
            "RecordingSid": listed.sid,
            "RecordingUrl": listed.url,
            "RecordingDuration": str(listed.duration_s),
            "RecordingStatus": listed.status,
        }
        update = recording_status(session, flow, policy, params, listed.created_at)
        result.enqueue_recordings.extend(update.enqueue_recordings)
        if known is None:
            result.recordings_added += 1
            return f"recording added ({listed.status}, {listed.duration_s} s)"
        return "recording queued for download" if update.enqueue_recordings else None

    return step
