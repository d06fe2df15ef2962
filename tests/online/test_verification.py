"""One-time SMS codes: texted through the outbox and kept hashed, 5 minutes, 5 tries, single
use; sends limited per number and per address; a blocked number refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Notification, NotificationKind, VerificationCode
from hotline.online import blocking, verification
from hotline.review.voicemail import Actor
from hotline.telephony import FakeTelephony
from tests.factories import UserFactory
from tests.online.conftest import NOW, NUMBER, SECRET, texted_code


def send(
    session: Session,
    telephony: FakeTelephony,
    number: str = "138 0013 8000",
    address: str = "10.0.0.1",
    at: object = NOW,
) -> verification.Sent:
    return verification.send_code(
        session,
        number,
        address,
        at,  # type: ignore[arg-type]
        secret=SECRET,
        send_sms=telephony.send_sms,
        commit=session.commit,
    )


def test_a_code_is_texted_and_only_its_hash_kept(
    session: Session, telephony: FakeTelephony
) -> None:
    sent = send(session, telephony)

    code = texted_code(telephony)
    assert sent.number == NUMBER and sent.delivered
    assert len(code) == 6
    row = session.get(VerificationCode, sent.code_id)
    assert row is not None and code not in row.code_hash
    assert row.expires_at == NOW + timedelta(minutes=5) and row.address == "10.0.0.1"
    kept = session.scalars(select(Notification).where(Notification.key == f"code:{row.id}")).one()
    assert kept.kind is NotificationKind.VERIFICATION and code not in kept.body


def test_the_right_code_proves_the_number_once(session: Session, telephony: FakeTelephony) -> None:
    send(session, telephony)
    code = texted_code(telephony)

    assert verification.check_code(session, "13800138000", code, NOW, secret=SECRET) == NUMBER
    with pytest.raises(verification.CodeRefused, match="already used"):
        verification.check_code(session, NUMBER, code, NOW, secret=SECRET)


def test_a_code_expires_after_5_minutes(session: Session, telephony: FakeTelephony) -> None:
    send(session, telephony)
    code = texted_code(telephony)
    late = NOW + timedelta(minutes=5)

    with pytest.raises(verification.CodeRefused, match="expired"):
        verification.check_code(session, NUMBER, code, late, secret=SECRET)
    at_4_59 = NOW + timedelta(minutes=4, seconds=59)
    assert verification.check_code(session, NUMBER, code, at_4_59, secret=SECRET) == NUMBER


def test_five_wrong_tries_kill_the_code(session: Session, telephony: FakeTelephony) -> None:
    send(session, telephony)
    code = texted_code(telephony)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for left in (4, 3, 2, 1):
        with pytest.raises(verification.CodeRefused) as refused:
            verification.check_code(session, NUMBER, wrong, NOW, secret=SECRET)
        assert refused.value.params == {"left": left}
    with pytest.raises(verification.CodeRefused, match="too many"):
        verification.check_code(session, NUMBER, wrong, NOW, secret=SECRET)
    # The right code no longer helps: a new one must be asked for.
    with pytest.raises(verification.CodeRefused, match="too many"):
        verification.check_code(session, NUMBER, code, NOW, secret=SECRET)


def test_only_the_latest_code_counts(session: Session, telephony: FakeTelephony) -> None:
    send(session, telephony)
    first = texted_code(telephony)
    send(session, telephony, at=NOW + timedelta(seconds=30))
    second = texted_code(telephony)
    if first == second:
        pytest.skip("the two random codes happened to be equal")

    with pytest.raises(verification.CodeRefused):
        verification.check_code(session, NUMBER, first, NOW + timedelta(minutes=1), secret=SECRET)
    at = NOW + timedelta(minutes=1)
    assert verification.check_code(session, NUMBER, second, at, secret=SECRET) == NUMBER


def test_sends_are_limited_per_number(session: Session, telephony: FakeTelephony) -> None:
    for i in range(verification.SENDS_PER_NUMBER):
        send(session, telephony, address=f"10.0.0.{i}", at=NOW + timedelta(minutes=i))
    with pytest.raises(verification.TooManySends, match="this number"):
        send(session, telephony, address="10.0.1.1", at=NOW + timedelta(minutes=10))
    # Once the first is over an hour old, one more may go.
    send(session, telephony, address="10.0.1.1", at=NOW + timedelta(minutes=61))
    assert len(telephony.sms) == verification.SENDS_PER_NUMBER + 1


def test_sends_are_limited_per_address(session: Session, telephony: FakeTelephony) -> None:
    for i in range(verification.SENDS_PER_ADDRESS):
        send(session, telephony, number=f"+86139{i:08d}", at=NOW + timedelta(seconds=i))
    with pytest.raises(verification.TooManySends, match="this connection"):
        send(session, telephony, number="+8613700000000", at=NOW + timedelta(minutes=1))
    assert len(telephony.sms) == verification.SENDS_PER_ADDRESS


def test_a_blocked_number_gets_no_code(session: Session, telephony: FakeTelephony) -> None:
    user = UserFactory()
    blocking.block(session, "13800138000", "abuse", Actor(user.id, "u"))

    with pytest.raises(verification.NumberBlocked):
        send(session, telephony)
    assert telephony.sms == []


def test_a_number_blocked_after_its_code_was_sent_cannot_use_it(
    session: Session, telephony: FakeTelephony
) -> None:
    send(session, telephony)
    user = UserFactory()
    blocking.block(session, NUMBER, "", Actor(user.id, "u"))

    with pytest.raises(verification.NumberBlocked):
        verification.check_code(session, NUMBER, texted_code(telephony), NOW, secret=SECRET)


@pytest.mark.parametrize("raw", ["12345", "abc", "+86 123"])
def test_a_number_that_cannot_be_texted_is_refused(
    session: Session, telephony: FakeTelephony, raw: str
) -> None:
    with pytest.raises(verification.BadNumber):
        send(session, telephony, number=raw)
