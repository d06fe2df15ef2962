"""Who sees what, and lists in pages: the scope of a user and the paging every list shares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from hotline.models import Call, Role, Ticket
from hotline.phone import mask_number

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
PER_PAGE = 25
# A list counts at most this many rows: past it the page says "more than" and pages stop
# there (counting every one of a million tickets took longer than showing a page).
MAX_COUNTED = 10_000


class NotVisible(LookupError):
    """The row exists but the user's scope does not include it."""


@dataclass(frozen=True)
class Scope:
    """Which calls and tickets a user may see: everything, or one volunteer's: the calls they
    answered, and the tickets of those calls or assigned to them."""

    everything: bool
    volunteer_id: int | None = None

    @classmethod
    def for_user(cls, role: Role, volunteer_id: int | None) -> Scope:
        """Supervisors and admins see all; a volunteer sees the calls they answered."""
        return cls(everything=role in (Role.ADMIN, Role.SUPERVISOR), volunteer_id=volunteer_id)

    def allows(self, call: Call | None) -> bool:
        """Whether a call (or a ticket's call; None when it has none) is visible."""
        if self.everything:
            return True
        return (
            call is not None
            and self.volunteer_id is not None
            and (call.answered_by_id == self.volunteer_id)
        )

    def calls(self, stmt: Select[*Ts]) -> Select[*Ts]:
        """Restrict a statement over Call (or joined to it) to the visible calls."""
        if self.everything:
            return stmt
        if self.volunteer_id is None:
            # A volunteer login not linked to a volunteer sees nothing; `== None` would
            # become IS NULL and show every unanswered call.
            return stmt.where(false())
        return stmt.where(Call.answered_by_id == self.volunteer_id)

    @property
    def edits_details(self) -> bool:
        """Whether the user may change a ticket's details (community, address, category,
        priority, name): supervisors and admins. Anyone who sees a ticket may note it and
        move its status."""
        return self.everything

    def allows_ticket(self, ticket: Ticket) -> bool:
        """Whether a ticket is visible: its call is, or it is assigned to this volunteer."""
        if self.allows(ticket.call):
            return True
        return self.volunteer_id is not None and ticket.volunteer_id == self.volunteer_id

    def sees_number(self, *, call: Call | None = None, ticket: Ticket | None = None) -> bool:
        """Whether the caller's number of this call or ticket is shown whole: to supervisors
        and admins, and to a volunteer on a call they took or a ticket assigned to them (or
        whose call they took). Everyone else sees it masked."""
        if self.everything:
            return True
        if self.volunteer_id is None:
            return False
        if ticket is not None:
            if ticket.volunteer_id == self.volunteer_id:
                return True
            call = ticket.call
        return call is not None and call.answered_by_id == self.volunteer_id

    def caller_number(
        self, number: str | None, *, call: Call | None = None, ticket: Ticket | None = None
    ) -> str:
        """A caller's number as this user may see it (the one place pages decide it): whole
        where `sees_number`, else masked; "" when there is none."""
        if not number:
            return ""
        return number if self.sees_number(call=call, ticket=ticket) else mask_number(number)

    def tickets(self, stmt: Select[*Ts]) -> Select[*Ts]:
        """Restrict a statement over Ticket outer-joined to its Call to the visible tickets."""
        if self.everything:
            return stmt
        if self.volunteer_id is None:
            return stmt.where(false())
        return stmt.where(
            or_(Call.answered_by_id == self.volunteer_id, Ticket.volunteer_id == self.volunteer_id)
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, numbered from 1."""

    items: list[T]
    number: int
    per_page: int
    # Rows counted; with `capped`, counting stopped there and the list has more.
    total: int
    capped: bool = False

    @property
    def pages(self) -> int:
        """How many pages the counted rows take (at least one, even when empty)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages


def count_rows(session: Session, stmt: Select[*tuple[Any, ...]], at_most: int | None = None) -> int:
    """How many rows `stmt` returns, whatever its ordering; with `at_most`, counting stops
    after at_most + 1 rows (so more than `at_most` means "more")."""
    counted = stmt.order_by(None)
    if at_most is not None:
        counted = counted.limit(at_most + 1)
    return session.scalar(select(func.count()).select_from(counted.subquery())) or 0


def capped_page(
    session: Session,
    stmt: Select[*Ts],
    number: int,
    per_page: int,
    *,
    counting: Select[*tuple[Any, ...]] | None = None,
    at_most: int | None = None,
) -> Page[Any]:
    """Page `number` of `stmt` with its rows counted up to `at_most` (MAX_COUNTED unless
    given): past that the page is `capped`, its total is `at_most` and its pages end there.
    `counting` is counted instead of `stmt` when given: the same rows with fewer columns (a
    constant lets PostgreSQL count from an index without reading the table)."""
    at_most = MAX_COUNTED if at_most is None else at_most
    counted = count_rows(session, stmt if counting is None else counting, at_most)
    items = list(session.scalars(page_of(stmt, number, per_page)))
    return Page(items, number, per_page, min(counted, at_most), capped=counted > at_most)


def page_of(stmt: Select[*Ts], number: int, per_page: int) -> Select[*Ts]:
    """`stmt` narrowed to page `number` (from 1) of `per_page` rows."""
    return stmt.limit(per_page).offset((number - 1) * per_page)
