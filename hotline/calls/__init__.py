"""A call from ring to ticket: IVR navigation, forwarding to the rota, voicemail, settling.

Each public function handles one carrier webhook. All of them are idempotent: the webhook is
logged with a dedupe key first, and a redelivered one changes no row and gets the current
state's reply again. Callbacks that may arrive in any order (call status, recording status,
recording action) only add facts; `settle` derives the outcome from the facts, so any order
of the same facts gives the same rows.

Modules: `line` (policy, event log, prompts), `navigation` (IVR and the hunt), `screening`
(the volunteer accepts), `outcome` (recordings, final status, the ticket), `sweeps` (beat jobs),
`enquiry` ("check my ticket"), `notify` (the caller's SMS), `callback` (call back through the
line), `reconcile` (what the carrier's records hold and the webhooks missed, replayed through
the same handlers).
"""

from hotline.calls.line import (
    CallUpdate,
    LinePolicy,
    RecordingFacts,
    find_call,
    record_event,
    spell_digits,
)
from hotline.calls.navigation import (
    current_reply,
    dial_result,
    error_reply,
    gather,
    incoming,
    reference,
)
from hotline.calls.outcome import call_status, recording_action, recording_status, settle
from hotline.calls.screening import screen, screen_result
from hotline.calls.sweeps import UNSTAFFED_ALERT_WINDOW, alert_unstaffed, settle_stale

__all__ = [
    "UNSTAFFED_ALERT_WINDOW",
    "CallUpdate",
    "LinePolicy",
    "RecordingFacts",
    "alert_unstaffed",
    "call_status",
    "current_reply",
    "dial_result",
    "error_reply",
    "find_call",
    "gather",
    "incoming",
    "record_event",
    "recording_action",
    "recording_status",
    "reference",
    "screen",
    "screen_result",
    "settle",
    "settle_stale",
    "spell_digits",
]
