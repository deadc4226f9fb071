"""The desk's Qt-free state: enabled actions in every state, the current ticket, the lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from operator_desk.state import (
    TICKET_ACTIONS,
    DeskAction,
    DeskModel,
    DeskStatus,
    WaitLevel,
    wait_level,
)
from queue_protocol.enums import OperatorState, TicketStatus
from queue_protocol.events import Envelope
from queue_protocol.models import DeskState, TicketView
from queue_protocol.payloads import SnapshotData
from queue_server.domain.model import TRANSITIONS, Action
from queue_server.domain.model import TicketStatus as ServerStatus

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
A = DeskAction


def ticket(
    ticket_id: int,
    number: str,
    service: str = "reg",
    status: str = "waiting",
    minutes_ago: float = 0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": ticket_id,
        "number": number,
        "service": service,
        "status": status,
        "ticket_class": "walk_in",
        "issued_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
        **extra,
    }


def snapshot(**lists: Any) -> SnapshotData:
    return SnapshotData.model_validate(
        {
            "office": {"id": "test", "name": {"ru": "Тест"}, "timezone": "UTC"},
            "services": [
                {
                    "service": "reg",
                    "waiting": 0,
                    "estimate_minutes": None,
                    "longest_wait_minutes": 0,
                    "name": {"ru": "Регистрация"},
                    "prefix": "А",
                },
                {
                    "service": "vac",
                    "waiting": 0,
                    "estimate_minutes": None,
                    "longest_wait_minutes": 0,
                    "name": {"ru": "Вакансии"},
                    "prefix": "В",
                },
            ],
            "workplaces": [
                {"id": "1", "name": {"ru": "Окно 1"}},
                {"id": "2", "name": {"ru": "Окно 2"}},
            ],
            **lists,
        }
    )


_seq = iter(range(1, 10_000))


def event(kind: str, data: dict[str, Any]) -> Envelope:
    return Envelope(office="test", seq=next(_seq), type=kind, at=NOW, data=data)


def live_model(**kw: Any) -> DeskModel:
    model = DeskModel("alice", "1", clock=lambda: NOW, **kw)
    model.apply_snapshot(
        snapshot(
            operators=[
                {"operator": "alice", "name": "Алиса", "workplace": "1", "state": "available"}
            ]
        )
    )
    model.set_connected(True)
    return model


def desk(state: str = "available", ticket_status: str | None = None) -> DeskState:
    view = None
    if ticket_status is not None:
        view = TicketView.model_validate(
            ticket(
                7,
                "А007",
                status=ticket_status,
                minutes_ago=12,
                operator="alice",
                workplace="1",
                called_at=NOW.isoformat(),
            )
        )
    return DeskState(operator="alice", workplace="1", state=state, ticket=view)


def test_ticket_actions_mirror_the_server_lifecycle() -> None:
    """Every action enabled for a ticket state is a transition the server's domain allows."""
    names = {
        A.RECALL: Action.RECALL,
        A.START: Action.START,
        A.FINISH: Action.FINISH,
        A.NO_SHOW: Action.NO_SHOW,
        A.RETURN: Action.RETURN,
        A.TRANSFER: Action.TRANSFER,
    }
    expected = {
        (action, status.value)
        for action, server in names.items()
        for (server_action, server_status) in TRANSITIONS
        if server_action is server and server_status is not ServerStatus.WAITING
        for status in [server_status]
    }
    ours = {
        (action, status.value) for status, actions in TICKET_ACTIONS.items() for action in actions
    }
    assert ours == expected


@pytest.mark.parametrize(
    ("state", "ticket_status", "expected", "status"),
    [
        ("available", None, {A.CALL_NEXT, A.CALL_TICKET, A.PAUSE, A.LOGOUT}, DeskStatus.AVAILABLE),
        (
            "available",
            "called",
            {A.RECALL, A.START, A.NO_SHOW, A.RETURN, A.TRANSFER, A.PAUSE},
            DeskStatus.CALLED,
        ),
        ("available", "serving", {A.FINISH, A.TRANSFER, A.PAUSE}, DeskStatus.SERVING),
        ("paused", None, {A.RESUME, A.LOGOUT}, DeskStatus.PAUSED),
        ("paused", "serving", {A.FINISH, A.TRANSFER, A.RESUME}, DeskStatus.PAUSED),
        (
            "paused",
            "called",
            {A.RECALL, A.START, A.NO_SHOW, A.RETURN, A.TRANSFER, A.RESUME},
            DeskStatus.PAUSED,
        ),
        ("offline", None, set(), DeskStatus.SIGNED_OUT),
    ],
)
def test_enabled_actions_in_every_state(
    state: str, ticket_status: str | None, expected: set[DeskAction], status: DeskStatus
) -> None:
    """Only what the server would accept is enabled: a paused desk cannot call, a desk with a
    visitor cannot log out or call another, a serving desk cannot recall."""
    model = live_model()
    model.apply_desk(desk(state, ticket_status))
    assert model.enabled() == expected
    assert model.status is status


def test_offline_disables_everything_and_reconnect_restores() -> None:
    """Without a connection nothing can be pressed; when it is back the actions return."""
    model = live_model()
    model.set_connected(False)
    assert model.enabled() == frozenset()
    assert model.status is DeskStatus.OFFLINE
    model.set_connected(True)
    assert A.CALL_NEXT in model.enabled()


def test_a_command_in_flight_disables_every_action() -> None:
    """A second click while the first command runs cannot send a second command."""
    model = live_model()
    model.begin(A.CALL_NEXT)
    assert model.enabled() == frozenset()
    model.finish_command("Очередь пуста")
    assert model.error == "Очередь пуста"
    assert A.CALL_NEXT in model.enabled()


def test_begin_refuses_an_action_not_enabled() -> None:
    """The app cannot start a command the state does not allow (finish with nobody at the desk)."""
    model = live_model()
    with pytest.raises(ValueError, match="finish"):
        model.begin(A.FINISH)
    assert model.busy is None


def test_the_current_ticket_follows_the_events_of_this_desk() -> None:
    """ticket.called for this operator sets the current ticket; started/finished move it on."""
    model = live_model()
    model.apply_event(event("ticket.issued", ticket(1, "А001", minutes_ago=15)))
    called = ticket(
        1,
        "А001",
        status="called",
        minutes_ago=15,
        operator="alice",
        workplace="1",
        called_at=NOW.isoformat(),
    )
    model.apply_event(event("ticket.called", called))
    assert model.current is not None and model.current.number == "А001"
    assert model.current.waited_minutes(NOW) == pytest.approx(15)
    assert model.status is DeskStatus.CALLED
    assert model.waiting == {}
    model.apply_event(event("ticket.started", {**called, "status": "serving"}))
    assert model.status is DeskStatus.SERVING
    model.apply_event(event("ticket.finished", {**called, "status": "done", "outcome": "resolved"}))
    assert model.current is None
    assert model.status is DeskStatus.AVAILABLE


def test_another_desks_call_does_not_touch_this_desk() -> None:
    """A ticket called by bob leaves the waiting list but is not alice's current ticket."""
    model = live_model()
    model.apply_event(event("ticket.issued", ticket(1, "А001")))
    model.apply_event(
        event("ticket.called", ticket(1, "А001", status="called", operator="bob", workplace="2"))
    )
    assert model.current is None
    assert 1 in model.active and model.waiting == {}


def test_transfer_history_is_shown_with_the_ticket() -> None:
    """A ticket transferred from reg to vac carries "reg" as an earlier step when called."""
    model = live_model()
    model.apply_event(
        event(
            "ticket.transferred",
            ticket(3, "А003", service="vac", from_service="reg", minutes_ago=30),
        )
    )
    assert model.waiting_list("vac")[0].number == "А003"
    called = ticket(3, "А003", service="vac", status="called", operator="alice", workplace="1")
    model.apply_event(event("ticket.called", called))
    assert model.current is not None
    assert model.current.earlier_services == ("reg",)


def test_lines_count_and_colour_the_longest_wait() -> None:
    """Each line has its count and its longest wait, coloured at 10 / 20 / 30 minutes; the
    specialist's own services come first."""
    model = live_model()
    model.my_levels = {"vac": 1, "reg": 2}
    for i, minutes in enumerate((3, 25)):
        model.apply_event(event("ticket.issued", ticket(10 + i, f"А01{i}", minutes_ago=minutes)))
    lines = model.lines()
    assert [line.service for line in lines] == ["vac", "reg"]
    assert lines[0].waiting == 0 and lines[0].level is None
    assert lines[1].waiting == 2
    assert lines[1].longest_wait_minutes == pytest.approx(25)
    assert lines[1].level is WaitLevel.ORANGE


@pytest.mark.parametrize(
    ("minutes", "level"),
    [
        (0, WaitLevel.GREEN),
        (9.9, WaitLevel.GREEN),
        (10, WaitLevel.YELLOW),
        (19.9, WaitLevel.YELLOW),
        (20, WaitLevel.ORANGE),
        (30, WaitLevel.RED),
        (300, WaitLevel.RED),
    ],
)
def test_wait_level_thresholds(minutes: float, level: WaitLevel) -> None:
    """Green under 10 minutes, yellow to 20, orange to 30, red beyond (DESIGN §1)."""
    assert wait_level(minutes) is level


def test_pause_and_resume_by_operator_status() -> None:
    """operator.status of this operator pauses the desk (with its reason) and resumes it."""
    model = live_model()
    status = {"operator": "alice", "name": "Алиса", "workplace": "1"}
    model.apply_event(event("operator.status", {**status, "state": "paused", "reason": "обед"}))
    assert model.status is DeskStatus.PAUSED and model.pause_reason == "обед"
    assert model.enabled() == {A.RESUME, A.LOGOUT}
    model.apply_event(event("operator.status", {**status, "state": "available"}))
    assert model.status is DeskStatus.AVAILABLE and model.pause_reason is None


def test_signed_in_elsewhere_ends_this_desk() -> None:
    """When alice signs in at another workplace, this desk allows nothing."""
    model = live_model()
    model.apply_event(
        event(
            "operator.status",
            {"operator": "alice", "name": "Алиса", "workplace": "2", "state": "available"},
        )
    )
    assert model.enabled() == frozenset()
    assert model.status is DeskStatus.SIGNED_OUT


def test_call_this_ticket_only_for_own_services() -> None:
    """ "Call this ticket" is offered for waiting tickets of services the specialist serves."""
    model = live_model()
    model.my_levels = {"reg": 1}
    model.apply_event(event("ticket.issued", ticket(1, "А001")))
    model.apply_event(event("ticket.issued", ticket(2, "В001", service="vac")))
    assert model.can_call(1) and not model.can_call(2) and not model.can_call(99)
    model.apply_desk(desk("paused"))
    assert not model.can_call(1)


def test_snapshot_restores_the_desk_after_a_reconnect() -> None:
    """A snapshot with alice serving a ticket gives the serving desk and the hall view."""
    model = DeskModel("alice", "1", clock=lambda: NOW)
    serving = ticket(
        5,
        "А005",
        status="serving",
        minutes_ago=20,
        operator="alice",
        workplace="1",
        called_at=(NOW - timedelta(minutes=4)).isoformat(),
    )
    model.apply_snapshot(
        snapshot(
            active=[serving],
            waiting=[ticket(6, "А006", minutes_ago=2)],
            operators=[
                {
                    "operator": "alice",
                    "name": "Алиса",
                    "workplace": "1",
                    "state": "available",
                    "current_ticket": 5,
                },
                {"operator": "bob", "name": "Борис", "workplace": "2", "state": "paused"},
                {"operator": "carol", "name": "Кира", "workplace": None, "state": "offline"},
            ],
        )
    )
    model.set_connected(True)
    assert model.status is DeskStatus.SERVING
    assert model.current is not None and model.current.number == "А005"
    hall = model.hall()
    assert [row.operator for row in hall] == ["alice", "bob"]
    assert hall[0].ticket_number == "А005" and hall[0].minutes_at_desk == pytest.approx(4)
    assert hall[0].workplace_name == "Окно 1"
    assert hall[1].state is OperatorState.PAUSED and hall[1].ticket_number is None


def test_day_reset_clears_closed_tickets() -> None:
    """day.reset removes the tickets it closed from the lists."""
    model = live_model()
    model.apply_event(event("ticket.issued", ticket(1, "А001")))
    model.apply_event(event("day.reset", {"day": "2026-03-10", "closed": [1]}))
    assert model.waiting == {}


def test_unknown_event_types_are_ignored() -> None:
    """An event of a newer server's type changes nothing."""
    model = live_model()
    model.apply_event(event("desk.future", {"x": 1}))
    assert model.status is DeskStatus.AVAILABLE


def test_finish_answer_clears_the_ticket_and_keeps_the_outcome() -> None:
    """The answer to finish has no ticket and the outcome: the desk is free again."""
    model = live_model()
    model.apply_desk(desk("available", "serving"))
    model.apply_desk(
        DeskState(operator="alice", workplace="1", state="available", outcome="resolved")
    )
    assert model.current is None and model.last_outcome == "resolved"
    assert model.status is DeskStatus.AVAILABLE
    assert TicketStatus.SERVING in TICKET_ACTIONS
