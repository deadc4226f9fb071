"""Command handlers: each runs inside one serialized office transaction (see `bus.py`).

A handler reads what it needs through the `Tx`, applies the domain rules, writes the changes
and records the events; when it raises, the transaction rolls back and nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from queue_protocol import payloads as p
from queue_protocol.events import EventType
from queue_protocol.models import DeskState, IssuedTicket, TicketView
from queue_server.domain import errors
from queue_server.domain.hours import describe, is_open, parse_hours
from queue_server.domain.model import (
    Action,
    Operator,
    OperatorState,
    Outcome,
    Ticket,
    TicketClass,
    TicketStatus,
    next_status,
)
from queue_server.domain.numbering import service_day
from queue_server.service import commands as c
from queue_server.service.bookings import book_slot, cancel_booking, mark_missed, move_booking
from queue_server.service.checkin import check_in
from queue_server.service.devices import report_device_alert
from queue_server.service.issuing import issue_new
from queue_server.service.ratings import rate_step, rating_requested
from queue_server.service.tx import Tx
from queue_server.service.views import ticket_payload, ticket_view
from queue_server.storage.checkin import CheckInStore

# -- the operator at the desk ------------------------------------------------------------------


def _operator(tx: Tx, cmd: c.DeskCommand) -> Operator:
    for op in tx.repo.operators(tx.office.id):
        if op.id == cmd.operator:
            if op.workplace != cmd.workplace:
                raise errors.NotFound(
                    "unknown_workplace",
                    "Вы не вошли на это рабочее место",
                    "You are not signed in at this workplace",
                )
            return op
    raise errors.NotFound(
        "unknown_operator", "Специалист не найден", f"Unknown operator '{cmd.operator}'"
    )


def _current(tx: Tx, op: Operator) -> Ticket:
    if op.current_ticket is None:
        raise errors.NoCurrentTicket(
            "Сейчас у вас нет вызванного посетителя", "There is no called visitor at your desk"
        )
    ticket = tx.repo.ticket(tx.office.id, op.current_ticket)
    assert ticket is not None, "current ticket refers to a missing row"
    return ticket


def _desk_state(tx: Tx, op_id: str, ticket: Ticket | None, outcome: str | None = None) -> DeskState:
    row = tx.repo.operator_row(op_id)
    assert row is not None
    current = ticket if ticket is not None and row.current_ticket == ticket.id else None
    return DeskState(
        operator=op_id,
        workplace=row.workplace or "",
        state=row.state,
        ticket=ticket_view(current) if current else None,
        outcome=outcome,
    )


def _apply(ticket: Ticket, action: Action) -> None:
    ticket.status = next_status(action, ticket.status, ticket.number)


def _call(tx: Tx, op: Operator, ticket: Ticket) -> DeskState:
    _apply(ticket, Action.CALL)
    ticket.operator, ticket.workplace = op.id, op.workplace
    ticket.called_at = tx.now
    ticket.calls = 1
    ticket.not_before = None
    ticket.target_operator = ticket.target_workplace = None
    tx.repo.save_ticket(ticket)
    tx.repo.update_open_step(
        ticket.id, operator=op.id, workplace=op.workplace, called_at=tx.now, calls=1
    )
    tx.repo.set_operator(op.id, current_ticket=ticket.id, busy_since=tx.now)
    tx.emit(EventType.TICKET_CALLED, ticket_payload(tx, ticket, p.TicketCalled))
    tx.queue_touched = True
    return _desk_state(tx, op.id, ticket)


def _ready_to_call(tx: Tx, op: Operator) -> None:
    if op.state is OperatorState.PAUSED:
        raise errors.OperatorPaused(
            "Вы на перерыве: сначала продолжите работу", "You are paused: resume first"
        )
    if op.current_ticket is not None:
        current = tx.repo.ticket(tx.office.id, op.current_ticket)
        number = current.number if current else ""
        raise errors.TicketInProgress(
            f"Сначала завершите работу с талоном {number}",
            f"Finish ticket {number} first",
            ticket=op.current_ticket,
        )


def call_next(tx: Tx, cmd: c.CallNext) -> DeskState:
    op = _operator(tx, cmd)
    _ready_to_call(tx, op)
    ticket = tx.next_for(op)
    if ticket is None:
        raise errors.QueueEmpty("Очередь пуста", "Nobody is waiting for you")
    return _call(tx, op, ticket)


def call_ticket(tx: Tx, cmd: c.CallTicket) -> DeskState:
    op = _operator(tx, cmd)
    _ready_to_call(tx, op)
    ticket = _ticket(tx, cmd.ticket)
    if ticket.status is TicketStatus.WAITING:
        if ticket.service not in op.levels:
            raise errors.NotServedHere(
                f"Вы не обслуживаете услугу талона {ticket.number}",
                f"You do not serve the service of ticket {ticket.number}",
            )
        if ticket.target_operator not in (None, op.id) or ticket.target_workplace not in (
            None,
            op.workplace,
        ):
            raise errors.NotServedHere(
                f"Талон {ticket.number} направлен к другому специалисту",
                f"Ticket {ticket.number} was sent to another specialist",
            )
    return _call(tx, op, ticket)


def _ticket(tx: Tx, ticket_id: int) -> Ticket:
    ticket = tx.repo.ticket(tx.office.id, ticket_id)
    if ticket is None:
        raise errors.NotFound(
            "unknown_ticket", f"Талон {ticket_id} не найден", f"Unknown ticket {ticket_id}"
        )
    return ticket


def recall(tx: Tx, cmd: c.Recall) -> DeskState:
    op = _operator(tx, cmd)
    ticket = _current(tx, op)
    _apply(ticket, Action.RECALL)
    ticket.calls += 1
    tx.repo.save_ticket(ticket)
    tx.repo.update_open_step(ticket.id, calls=ticket.calls)
    tx.emit(EventType.TICKET_RECALLED, ticket_payload(tx, ticket, p.TicketRecalled))
    return _desk_state(tx, op.id, ticket)


def start_service(tx: Tx, cmd: c.StartService) -> DeskState:
    op = _operator(tx, cmd)
    ticket = _current(tx, op)
    _apply(ticket, Action.START)
    ticket.started_at = tx.now
    tx.repo.save_ticket(ticket)
    tx.repo.update_open_step(ticket.id, started_at=tx.now)
    tx.repo.set_operator(op.id, busy_since=tx.now)
    tx.emit(EventType.TICKET_STARTED, ticket_payload(tx, ticket, p.TicketStarted))
    return _desk_state(tx, op.id, ticket)


def _release(tx: Tx, op: Operator) -> None:
    tx.repo.set_operator(op.id, current_ticket=None, busy_since=None)


def finish(tx: Tx, cmd: c.Finish) -> DeskState:
    op = _operator(tx, cmd)
    ticket = _current(tx, op)
    outcome = Outcome(cmd.outcome)
    _apply(ticket, Action.FINISH)
    tx.repo.save_ticket(ticket)
    tx.repo.update_open_step(ticket.id, finished_at=tx.now, outcome=outcome.value)
    CheckInStore(tx.repo.conn).mark_served(ticket.id, tx.now)
    _release(tx, op)
    tx.emit(
        EventType.TICKET_FINISHED,
        ticket_payload(tx, ticket, p.TicketFinished, outcome=outcome.value),
    )
    tx.emit(EventType.RATING_REQUESTED, rating_requested(tx, ticket, op.id))
    tx.queue_touched = True
    return _desk_state(tx, op.id, None, outcome.value)


def no_show(tx: Tx, cmd: c.NoShow) -> DeskState:
    op = _operator(tx, cmd)
    ticket = _current(tx, op)
    _apply(ticket, Action.NO_SHOW)
    tx.repo.save_ticket(ticket)
    tx.repo.update_open_step(ticket.id, finished_at=tx.now, outcome=Outcome.NO_SHOW.value)
    _release(tx, op)
    tx.emit(EventType.TICKET_NO_SHOW, ticket_payload(tx, ticket, p.TicketNoShow))
    tx.queue_touched = True
    return _desk_state(tx, op.id, None, Outcome.NO_SHOW.value)


def _requeue(tx: Tx, ticket: Ticket, service: str) -> None:
    """Put `ticket` back to waiting in `service` with a fresh step."""
    ticket.service = service
    ticket.operator = ticket.workplace = None
    ticket.called_at = ticket.started_at = None
    ticket.calls = 0
    tx.repo.save_ticket(ticket)
    tx.repo.open_step(tx.office.id, ticket.id, service, tx.now)


def return_to_queue(tx: Tx, cmd: c.ReturnToQueue) -> DeskState:
    op = _operator(tx, cmd)
    ticket = _current(tx, op)
    _apply(ticket, Action.RETURN)
    tx.repo.update_open_step(ticket.id, finished_at=tx.now, outcome=Outcome.RETURNED.value)
    # Due at its not-before time (DESIGN §4 rule 3) also after 0 minutes: the visitor goes
    # behind those already waiting, not back to the place that was just called.
    back_at = tx.now + timedelta(minutes=cmd.minutes)
    ticket.due_at = back_at
    if cmd.minutes > 0:
        ticket.not_before = back_at
    _requeue(tx, ticket, ticket.service)
    _release(tx, op)
    tx.emit(
        EventType.TICKET_RETURNED,
        ticket_payload(tx, ticket, p.TicketReturned),
    )
    tx.queue_touched = True
    return _desk_state(tx, op.id, None, Outcome.RETURNED.value)


def transfer(tx: Tx, cmd: c.Transfer) -> DeskState:
    op = _operator(tx, cmd)
    ticket = _current(tx, op)
    tx.service(cmd.service)
    if cmd.to_operator is not None:
        target = next((o for o in tx.repo.operators(tx.office.id) if o.id == cmd.to_operator), None)
        if target is None:
            raise errors.NotFound(
                "unknown_operator",
                f"Специалист «{cmd.to_operator}» не найден",
                f"Unknown operator '{cmd.to_operator}'",
            )
        if cmd.service not in target.levels:
            raise errors.NotServedHere(
                f"Специалист «{cmd.to_operator}» не оказывает эту услугу",
                f"Operator '{cmd.to_operator}' does not serve this service",
            )
    if cmd.to_workplace is not None and cmd.to_workplace not in tx.workplaces:
        raise errors.NotFound(
            "unknown_workplace",
            f"Рабочее место «{cmd.to_workplace}» не найдено",
            f"Unknown workplace '{cmd.to_workplace}'",
        )
    from_service = ticket.service
    _apply(ticket, Action.TRANSFER)
    tx.repo.update_open_step(ticket.id, finished_at=tx.now, outcome=Outcome.TRANSFERRED.value)
    ticket.target_operator = cmd.to_operator
    ticket.target_workplace = cmd.to_workplace
    ticket.not_before = None
    # To the head: due at the original issue time; to the tail: due now.
    ticket.due_at = ticket.issued_at if cmd.to_head else tx.now
    # A booked slot gives its priority in the service it was booked for, not in the next one:
    # there the visitor queues by the due time above (still an appointment, for the figures).
    ticket.slot_at = None
    _requeue(tx, ticket, cmd.service)
    _release(tx, op)
    tx.emit(
        EventType.TICKET_TRANSFERRED,
        ticket_payload(
            tx,
            ticket,
            p.TicketTransferred,
            from_service=from_service,
            to_operator=cmd.to_operator,
            to_workplace=cmd.to_workplace,
            to_head=cmd.to_head,
        ),
    )
    tx.queue_touched = True
    return _desk_state(tx, op.id, None, Outcome.TRANSFERRED.value)


def _set_state(tx: Tx, op_id: str, state: OperatorState, reason: str | None, **values: Any) -> None:
    tx.repo.set_operator(op_id, state=state.value, pause_reason=reason, **values)
    row = tx.repo.operator_row(op_id)
    assert row is not None
    tx.emit(
        EventType.OPERATOR_STATUS,
        p.OperatorStatus(
            operator=op_id, name=row.name, workplace=row.workplace, state=state, reason=reason
        ),
    )
    tx.queue_touched = True


def pause(tx: Tx, cmd: c.Pause) -> DeskState:
    op = _operator(tx, cmd)
    if op.state is not OperatorState.PAUSED:
        _set_state(tx, op.id, OperatorState.PAUSED, cmd.reason)
    current = tx.repo.ticket(tx.office.id, op.current_ticket) if op.current_ticket else None
    return _desk_state(tx, op.id, current)


def resume(tx: Tx, cmd: c.Resume) -> DeskState:
    op = _operator(tx, cmd)
    if op.state is not OperatorState.AVAILABLE:
        _set_state(tx, op.id, OperatorState.AVAILABLE, None)
    current = tx.repo.ticket(tx.office.id, op.current_ticket) if op.current_ticket else None
    return _desk_state(tx, op.id, current)


def sign_in(tx: Tx, cmd: c.SignIn) -> DeskState:
    """Put the operator at `cmd.workplace`; whoever sat there is moved off it."""
    if cmd.workplace not in tx.workplaces:
        raise errors.NotFound(
            "unknown_workplace",
            f"Рабочее место «{cmd.workplace}» не найдено",
            f"Unknown workplace '{cmd.workplace}'",
        )
    row = tx.repo.operator_row(cmd.operator)
    assert row is not None
    if row.current_ticket is not None and row.workplace != cmd.workplace:
        _refuse_ticket_in_progress(tx, row.current_ticket, "у вас на другом рабочем месте")
    others = [
        op
        for op in tx.repo.operators(tx.office.id)
        if op.workplace == cmd.workplace and op.id != cmd.operator
    ]
    for other in others:
        if other.current_ticket is not None:
            _refuse_ticket_in_progress(tx, other.current_ticket, "на этом рабочем месте")
    for other in others:
        _set_state(tx, other.id, OperatorState.OFFLINE, None, workplace=None)
    tx.repo.set_operator(cmd.operator, workplace=cmd.workplace)
    if cmd.session_token_hash is not None and cmd.session_expires_at is not None:
        tx.repo.open_session(
            cmd.session_token_hash,
            cmd.operator,
            tx.office.id,
            cmd.workplace,
            cmd.session_expires_at,
            tx.now,
        )
    if row.state == OperatorState.OFFLINE.value or row.workplace != cmd.workplace:
        _set_state(tx, cmd.operator, OperatorState.AVAILABLE, None)
    current = tx.repo.ticket(tx.office.id, row.current_ticket) if row.current_ticket else None
    return _desk_state(tx, cmd.operator, current)


def sign_out(tx: Tx, cmd: c.SignOut) -> DeskState:
    """The operator leaves the workplace (log out): offline, out of the estimates."""
    op = _operator(tx, cmd)
    if op.current_ticket is not None:
        _refuse_ticket_in_progress(tx, op.current_ticket, "у вас")
    _set_state(tx, op.id, OperatorState.OFFLINE, None, workplace=None)
    return _desk_state(tx, op.id, None)


def _refuse_ticket_in_progress(tx: Tx, ticket_id: int, where_ru: str) -> None:
    ticket = tx.repo.ticket(tx.office.id, ticket_id)
    number = ticket.number if ticket else str(ticket_id)
    raise errors.TicketInProgress(
        f"Сначала завершите работу с талоном {number}: он {where_ru}",
        f"Ticket {number} is still in progress: finish it first",
        ticket=ticket_id,
    )


class HousekeepingReport(BaseModel):
    closed: list[str]
    signed_out: list[str]


class Summarized(BaseModel):
    pass


def summarize(tx: Tx, cmd: c.Summarize) -> Summarized:
    """The queue as it stands now (the bus sends `queue.changed` for a command that touched it)."""
    tx.queue_touched = True
    return Summarized()


def housekeep(tx: Tx, cmd: c.Housekeep) -> HousekeepingReport:
    """Close earlier service days: their waiting tickets are cancelled and their called (never
    started) tickets are no-shows; operators without a live session are signed out. A ticket
    still being served is left to its operator."""
    today = service_day(tx.now, tx.tz)
    mark_missed(tx)  # bookings of earlier days never checked in
    stale = [t for t in tx.repo.waiting(tx.office.id) if service_day(t.issued_at, tx.tz) < today]
    for ticket in stale:
        _apply(ticket, Action.CANCEL)
        tx.repo.save_ticket(ticket)
        tx.repo.update_open_step(ticket.id, finished_at=tx.now, outcome=Outcome.CANCELLED.value)
    # A visitor called yesterday and never started is gone: a no-show, and the desk is free.
    for op in tx.repo.operators(tx.office.id):
        current = tx.repo.ticket(tx.office.id, op.current_ticket) if op.current_ticket else None
        if (
            current is not None
            and current.status is TicketStatus.CALLED
            and current.called_at is not None
            and service_day(current.called_at, tx.tz) < today
        ):
            _apply(current, Action.NO_SHOW)
            tx.repo.save_ticket(current)
            tx.repo.update_open_step(current.id, finished_at=tx.now, outcome=Outcome.NO_SHOW.value)
            _release(tx, op)
            tx.emit(EventType.TICKET_NO_SHOW, ticket_payload(tx, current, p.TicketNoShow))
            stale.append(current)
    signed_in = tx.repo.operators_signed_in(tx.office.id, tx.now)
    gone = [
        op.id
        for op in tx.repo.operators(tx.office.id)
        if op.state is not OperatorState.OFFLINE
        and op.id not in signed_in
        and op.current_ticket is None
    ]
    for op_id in gone:
        _set_state(tx, op_id, OperatorState.OFFLINE, None, workplace=None)
    if stale:
        tx.emit(
            EventType.DAY_RESET,
            p.DayReset(day=today, closed=[t.id for t in stale]),
        )
        tx.queue_touched = True
    return HousekeepingReport(closed=[t.number for t in stale], signed_out=gone)


def cancel_ticket(tx: Tx, cmd: c.CancelTicket) -> TicketView:
    ticket = _ticket(tx, cmd.ticket)
    _apply(ticket, Action.CANCEL)
    tx.repo.save_ticket(ticket)
    tx.repo.update_open_step(ticket.id, finished_at=tx.now, outcome=Outcome.CANCELLED.value)
    tx.emit(EventType.TICKET_CANCELLED, ticket_payload(tx, ticket, p.TicketCancelled))
    tx.queue_touched = True
    return ticket_view(ticket)


# -- the kiosk ---------------------------------------------------------------------------------


def issue_ticket(tx: Tx, cmd: c.IssueTicket) -> IssuedTicket:
    service = tx.service(cmd.service)
    name_ru, name_en = service.name.get("ru", service.id), service.name.get("en") or service.id
    if cmd.by_kiosk and not service.kiosk:
        raise errors.NotOnKiosk(
            f"Талон на услугу «{name_ru}» выдаёт только сотрудник: обратитесь к администратору",
            f"Tickets for '{name_en}' are issued by staff only: please ask at the desk",
        )
    if cmd.by_kiosk and cmd.note:
        raise errors.NoteNotOnKiosk(
            "Заметку для специалиста добавляет только сотрудник, не киоск",
            "A note for the specialist is added by staff only, not by a kiosk",
        )
    if service.hours is not None:
        week = parse_hours(service.hours)
        if not is_open(week, tx.now.astimezone(tx.tz)):
            raise errors.ServiceUnavailable(
                "service_closed",
                f"Услуга «{name_ru}» сейчас не оказывается. Часы приёма: {describe(week)}",
                f"'{name_en}' is not available now. Opening hours: {describe(week, 'en')}",
            )
    day = service_day(tx.now, tx.tz).isoformat()
    if (
        service.daily_limit is not None
        and tx.repo.count_issued(tx.office.id, day, service.id) >= service.daily_limit
    ):
        raise errors.ServiceUnavailable(
            "daily_limit_reached",
            f"На сегодня талоны на услугу «{service.name.get('ru', service.id)}» закончились",
            f"No more tickets today for '{service.name.get('en') or service.id}'",
        )
    ticket_class = TicketClass.PRIORITY if cmd.priority else TicketClass.WALK_IN
    _, issued = issue_new(tx, service, ticket_class, cmd.lang, note=cmd.note or None)
    return issued


HANDLERS: dict[type, Callable[[Tx, Any], Any]] = {
    c.IssueTicket: issue_ticket,
    c.CallNext: call_next,
    c.CallTicket: call_ticket,
    c.Recall: recall,
    c.StartService: start_service,
    c.Finish: finish,
    c.NoShow: no_show,
    c.ReturnToQueue: return_to_queue,
    c.Transfer: transfer,
    c.Pause: pause,
    c.Resume: resume,
    c.SignIn: sign_in,
    c.SignOut: sign_out,
    c.Housekeep: housekeep,
    c.Summarize: summarize,
    c.CancelTicket: cancel_ticket,
    c.RateStep: rate_step,
    c.ReportDeviceAlert: report_device_alert,
    c.CheckIn: check_in,
    c.BookSlot: book_slot,
    c.CancelBooking: cancel_booking,
    c.MoveBooking: move_booking,
}
