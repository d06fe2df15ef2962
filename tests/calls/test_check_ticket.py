"""'Check my ticket' (menu key 5): whole calls driven by the simulator through signed webhooks.
The caller's latest open ticket is said by itself; otherwise the caller keys a reference."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.devtools.simulator import Caller, Conversation, Simulator
from hotline.models import Call, CallOutcome, Ticket, TicketStatus, Volunteer
from tests import factories

ME = "+8613800000001"


def heard(conversation: Conversation, words: str) -> list[str]:
    return [line for line in conversation.lines if words in line]


def ticket(number: str, ref: str, status: TicketStatus, **fields: object) -> Ticket:
    row: Ticket = factories.TicketFactory(caller_number=number, ref=ref, status=status, **fields)
    return row


@pytest.fixture
def staffed(session: Session, on_duty: Callable[[int], list[Volunteer]]) -> None:
    on_duty(1)


def test_the_callers_latest_open_ticket_is_said_without_asking(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    older = ticket(ME, "1111", TicketStatus.OPEN)
    ticket(ME, "4821", TicketStatus.IN_PROGRESS, created_at=older.created_at.replace(year=2027))
    ticket(ME, "7777", TicketStatus.RESOLVED, created_at=older.created_at.replace(year=2028))
    session.commit()

    talk = simulator.run(Caller(from_number=ME, presses=["5"], hang_up_in_menu=True))

    (said,) = heard(talk, "您最近的工单")
    assert "工单号 四，八，二，一，正在处理中。" in said
    assert not heard(talk, "请输入工单号")
    # Then the main menu again, where the caller hangs up.
    assert "查询工单进度，请按5" in talk.lines[-3]  # then the offer of English, the hang-up


def test_an_enquiry_that_hangs_up_opens_no_ticket_of_its_own(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    told = ticket(ME, "4821", TicketStatus.ASSIGNED)
    session.commit()

    simulator.run(Caller(from_number=ME, presses=["5"], hang_up_in_menu=True))

    session.expire_all()
    call = session.scalars(select(Call)).one()
    assert call.outcome is CallOutcome.ABANDONED
    assert [step["found"] for step in call.path if "found" in step] == [[told.number]]
    assert [t.ref for t in session.scalars(select(Ticket))] == ["4821"]


def test_in_english_the_status_is_said_in_english(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    ticket(ME, "4821", TicketStatus.ASSIGNED)
    session.commit()

    talk = simulator.run(Caller(from_number=ME, presses=["9", "5"], hang_up_in_menu=True))

    (said,) = heard(talk, "Your latest ticket")
    assert said.startswith("  line says [en-US]:")
    assert "number 4, 8, 2, 1, has been given to someone who will handle it." in said


def test_without_open_tickets_the_caller_keys_a_reference(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    ticket(ME, "1234", TicketStatus.RESOLVED)  # not open: not said by itself
    ticket("+8613900000009", "5678", TicketStatus.OPEN)  # e.g. keyed for a neighbour
    session.commit()

    talk = simulator.run(
        Caller(from_number=ME, presses=["5"], keyed=["5678"], hang_up_in_menu=True)
    )

    assert heard(talk, "请输入工单号，输完请按井号键。")
    (said,) = heard(talk, "工单号 五，六，七，八")
    assert said.endswith("已经登记，正在安排处理人员。")


def test_an_unknown_reference_is_said_not_found_and_the_caller_tries_again(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    ticket(ME, "1234", TicketStatus.RESOLVED)
    session.commit()

    talk = simulator.run(
        Caller(from_number=ME, presses=["5"], keyed=["9999", "1234"], hang_up_in_menu=True)
    )

    lines = talk.lines
    missing = lines.index(heard(talk, "没有找到这个工单号")[0])
    found = lines.index(heard(talk, "工单号 一，二，三，四")[0])
    assert missing < found
    assert "已经解决" in lines[found]
    # Asked twice: once at first, once after the wrong number.
    assert len(heard(talk, "请输入工单号")) == 2


def test_an_unknown_reference_in_english(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    talk = simulator.run(
        Caller(from_number=ME, presses=["9", "5"], keyed=["99999"], hang_up_in_menu=True)
    )

    assert heard(talk, "Please key in your ticket number, then press the hash key.")
    assert heard(talk, "Sorry, we could not find that ticket number.")


def test_three_wrong_references_go_back_to_the_main_menu(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    talk = simulator.run(
        Caller(from_number=ME, presses=["5"], keyed=["1", "22", "333"], hang_up_in_menu=True)
    )

    assert len(heard(talk, "没有找到这个工单号")) == 2  # the third failure leaves the node
    assert "查询工单进度，请按5" in talk.lines[-3]  # then the offer of English, the hang-up


def test_a_withheld_number_is_never_matched_to_tickets(
    session: Session, simulator: Simulator, staffed: None
) -> None:
    ticket("anonymous", "4821", TicketStatus.OPEN)
    session.commit()

    talk = simulator.run(Caller(from_number="anonymous", presses=["5"], hang_up_in_menu=True))

    assert not heard(talk, "您最近的工单")
    assert heard(talk, "请输入工单号")
