"""Drill: 1,000 webhooks of whole calls, each delivered one to four times, in shuffled order,
from several connections at once: exactly one call, one ticket and one transcript each."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import func, select

from hotline import create_app
from hotline.db import utcnow
from hotline.devtools import stack
from hotline.devtools.simulator import (
    Caller,
    Post,
    Simulator,
    http_post,
    in_process_post,
    serve_file,
)
from hotline.models import Call, Recording, RecordingStatus, Ticket, Transcript
from hotline.settings import Settings
from tests.drills.conftest import DRILL, Drill, eventually
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, SHORT_ZH

pytestmark = DRILL

WEBHOOKS = 1000
SEED = 12
CALLERS = (
    [Caller(presses=["0"], volunteers=["no-answer"], voicemail=SHORT_ZH)] * 15
    + [Caller(presses=["0"], volunteers=["answer"])] * 30
    + [Caller(presses=[], hang_up_in_menu=True)] * 25
    + [Caller(presses=["4", "2"])] * 10
)

Webhook = tuple[str, dict[str, str]]


def scripts(workdir: Path, public_base_url: str, voicemail_url: str) -> tuple[list[Webhook], int]:
    """Every webhook the carrier sends for CALLERS, in order, played against a scratch line
    (SQLite, in-process) with the same public URL; and how many tickets those calls opened."""
    url = f"sqlite:///{workdir / 'scratch.db'}"
    stack.prepare(url, utcnow())
    app: Flask = create_app(
        Settings(
            secret_key="scratch",
            database_url=url,
            broker_url="memory://",
            public_base_url=public_base_url,
            carrier_account_sid=ACCOUNT_SID,
            carrier_auth_token=AUTH_TOKEN,
            caller_sms=False,
        )
    )
    sent: list[Webhook] = []
    deliver = in_process_post(app, AUTH_TOKEN)

    def record(url: str, params: dict[str, str]) -> str:
        sent.append((url, dict(params)))
        return deliver(url, params)

    simulator = Simulator(record, public_base_url)
    for number, caller in enumerate(CALLERS):
        voicemail = voicemail_url if caller.voicemail else None
        simulator.run(replace(caller, from_number=f"+86138{number:08d}", voicemail_url=voicemail))
    with app.extensions["hotline.db"].sessions() as session:
        tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
    app.extensions["hotline.db"].engine.dispose()
    return sent, tickets


def deliveries(webhooks: list[Webhook]) -> list[Webhook]:
    """Each webhook once, then repeats of random ones up to WEBHOOKS, shuffled."""
    rng = random.Random(SEED)
    sent = list(webhooks) + [rng.choice(webhooks) for _ in range(WEBHOOKS - len(webhooks))]
    rng.shuffle(sent)
    return sent


def test_duplicated_shuffled_webhooks_make_one_of_everything(drill: Drill) -> None:
    line = drill.start()
    line.web(workers=2, threads=2)
    line.worker("drill")
    voicemail_url = f"http://127.0.0.1:{drill.media_port}/{SHORT_ZH.stem}"
    webhooks, tickets = scripts(drill.workdir, line.base_url, voicemail_url)
    assert len(webhooks) < WEBHOOKS

    statuses: list[int] = []
    with requests.Session() as http, serve_file(SHORT_ZH, drill.media_port):
        post: Post = http_post(line.base_url, line.base_url, AUTH_TOKEN, http)

        def send(webhook: Webhook) -> None:
            try:
                post(*webhook)
                statuses.append(200)
            except requests.HTTPError as exc:
                statuses.append(exc.response.status_code)

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(send, deliveries(webhooks)))
        voicemails = sum(1 for c in CALLERS if c.voicemail)
        eventually(lambda: drill.count(Transcript) >= voicemails, f"{voicemails} transcripts", 240)

    assert statuses == [200] * WEBHOOKS
    with drill.session() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == len(CALLERS)
        per_call = session.execute(
            select(Ticket.call_id, func.count()).group_by(Ticket.call_id)
        ).all()
        assert len(per_call) == tickets and {n for _, n in per_call} == {1}
        recordings = session.scalars(select(Recording)).all()
        assert len([r for r in recordings if r.duration_s]) == voicemails
        assert {r.status for r in recordings if r.duration_s} == {RecordingStatus.TRANSCRIBED}
        per_recording = session.execute(
            select(Transcript.recording_id, func.count()).group_by(Transcript.recording_id)
        ).all()
        assert len(per_recording) == voicemails and {n for _, n in per_recording} == {1}
