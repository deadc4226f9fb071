"""Board state: event sequences → contents, blinking, speech order, zones, replays, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from display_board.state import OFFLINE_MARK_AFTER, BoardConfig, BoardState, Zone, ZoneError
from queue_protocol.client import ConnectionState
from queue_protocol.enums import TicketStatus
from queue_protocol.events import Envelope
from tests.display_board.factories import FakeBoardClock, Office


def live_board(config: BoardConfig | None = None, speech: bool = True) -> tuple[BoardState, Office]:
    clock = FakeBoardClock()
    office = Office(clock)
    board = BoardState(config or BoardConfig(), clock, speech=speech)
    board.set_connection(ConnectionState.CONNECTING)
    board.apply_snapshot(office.snapshot(waiting={"reg": 3}))
    board.set_connection(ConnectionState.LIVE)
    return board, office


def speak_all(board: BoardState) -> list[str]:
    """Take every pending announcement in turn, as the voice driver does."""
    said = []
    while (announcement := board.start_next_announcement()) is not None:
        said.append(announcement.number)
        board.announcement_done()
    return said


def numbers(board: BoardState) -> list[str]:
    return [row.number for row in board.current]


# -- contents ---------------------------------------------------------------------------------


def test_snapshot_fills_the_board() -> None:
    """A snapshot gives the office name, services with counts, and the tickets at desks."""
    clock = FakeBoardClock()
    office = Office(clock)
    board = BoardState(BoardConfig(), clock)
    snapshot = office.snapshot(
        active=[
            office.ticket(2, "А002", "2", "called", calls=1),
            office.ticket(1, "А001", "5", "serving", calls=1),
        ],
        waiting={"reg": 4},
    )
    board.apply_snapshot(snapshot)
    assert board.office_name.ru == "Тестовый ЦЗН"
    assert numbers(board) == ["А002", "А001"]
    assert board.current[1].place("ru") == "Кабинет 12"
    assert [(s.service, s.waiting, s.estimate_minutes) for s in board.services] == [
        ("reg", 4, 10),
        ("vac", 0, None),
        ("ben", 0, None),
    ]
    assert board.has_data


def test_calls_come_first_and_leave_to_history() -> None:
    """A call goes to the top; a finished ticket moves to the history, newest first."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.apply_event(office.call(2, "В001", "2", service="vac"))
    assert numbers(board) == ["В001", "А001"]
    board.apply_event(office.left("ticket.finished", 1, "А001", outcome="resolved"))
    board.apply_event(office.left("ticket.no_show", 2, "В001"))
    assert numbers(board) == []
    assert [h.number for h in board.history] == ["В001", "А001"]
    assert board.history[0].place("ru") == "Окно 2"


def test_started_ticket_stays_but_stops_blinking() -> None:
    """The visitor came: the row stays (serving) and is no longer highlighted."""
    board, office = live_board(speech=False)
    board.apply_event(office.call(1, "А001", "1"))
    assert board.highlighted() is not None
    board.apply_event(office.started(1, "А001", "1"))
    assert board.current[0].status is TicketStatus.SERVING
    assert board.highlighted() is None


def test_a_new_call_at_a_workplace_replaces_its_old_ticket() -> None:
    """A workplace serves one visitor: its previous ticket goes to the history."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "3"))
    board.apply_event(office.call(2, "А002", "3"))
    assert numbers(board) == ["А002"]
    assert [h.number for h in board.history] == ["А001"]


def test_history_is_bounded() -> None:
    """The history keeps the last `history_size` calls."""
    board, office = live_board(BoardConfig(history_size=3))
    for n in range(1, 7):
        board.apply_event(office.call(n, f"А{n:03d}", "1"))
    assert [h.number for h in board.history] == ["А005", "А004", "А003"]


def test_queue_changed_updates_counts_and_estimates() -> None:
    """`queue.changed` sets each service's waiting count and estimate; names stay."""
    board, office = live_board()
    board.apply_event(office.queue({"reg": (7, 25), "vac": (0, None)}))
    lines = {s.service: s for s in board.services}
    assert (lines["reg"].waiting, lines["reg"].estimate_minutes) == (7, 25)
    assert lines["reg"].name.ru == "Регистрация" and lines["reg"].prefix == "А"
    assert (lines["vac"].waiting, lines["vac"].estimate_minutes) == (0, None)


def test_a_new_service_is_shown_and_named_later() -> None:
    """A service unknown to the snapshot is listed by id until its names are read again."""
    board, office = live_board()
    board.apply_event(office.queue({"new": (2, 5)}))
    assert board.services[-1].service == "new" and board.needs_service_names
    from queue_protocol.models import LocalizedText

    board.update_service_names({"new": (LocalizedText(ru="Новая", en="New"), "Н")})
    assert board.services[-1].name.ru == "Новая" and not board.needs_service_names


def test_unknown_event_type_is_ignored() -> None:
    """An event of a newer server changes nothing on the board and is counted."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    before = (numbers(board), list(board.pending), board.revision)
    board.apply_event(office.envelope("ticket.teleported", {"id": 1, "to": "moon"}))
    board.apply_event(office.envelope("filtered", {}))
    assert (numbers(board), list(board.pending), board.revision) == before
    assert board.ignored_events == 2


def test_unreadable_data_of_a_known_type_is_ignored() -> None:
    """A `ticket.called` whose data this board cannot read changes nothing and is not spoken."""
    board, office = live_board()
    board.apply_event(office.envelope("ticket.called", {"id": "x", "number": None}))
    assert numbers(board) == [] and not board.pending


def test_day_reset_clears_history() -> None:
    """`day.reset` starts the day afresh: no history of yesterday's calls."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.apply_event(office.left("ticket.finished", 1, "А001", outcome="resolved"))
    board.apply_event(office.envelope("day.reset", {"day": "2026-03-09", "closed": [5, 6]}))
    assert list(board.history) == []


def test_snapshot_rebuilds_and_keeps_history() -> None:
    """A later snapshot replaces the current calls; the history of calls that left stays."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.apply_event(office.left("ticket.finished", 1, "А001", outcome="resolved"))
    board.apply_event(office.call(2, "А002", "2"))
    board.apply_snapshot(office.snapshot(active=[office.ticket(3, "Б001", "4", "serving")]))
    assert numbers(board) == ["Б001"]
    assert [h.number for h in board.history] == ["А001"]


def test_ticker_joins_configured_messages() -> None:
    """The ticker shows the configured messages, blank ones left out."""
    board, _ = live_board(BoardConfig(ticker=("Обед 13–14", " ", "Wi-Fi: okno")))
    assert board.ticker_text() == "Обед 13–14   •   Wi-Fi: okno"


# -- blinking ---------------------------------------------------------------------------------


def test_newest_call_blinks_for_the_configured_time() -> None:
    """Without speech the newest call is highlighted and blinks for `blink_seconds`."""
    board, office = live_board(BoardConfig(blink_seconds=4, blink_period=0.5), speech=False)
    board.apply_event(office.call(1, "А001", "1"))
    board.clock.advance(1)  # type: ignore[attr-defined]
    board.apply_event(office.call(2, "А002", "2"))
    row = board.highlighted()
    assert row is not None and row.number == "А002"
    phases = []
    for _ in range(8):
        phases.append(board.blink_on())
        board.clock.advance(0.5)  # type: ignore[attr-defined]
    assert phases == [True, False, True, False, True, False, True, False]
    board.clock.advance(10)  # type: ignore[attr-defined]
    assert board.highlighted() is None and not board.blink_on()


def test_highlight_follows_the_call_being_spoken() -> None:
    """While the older call is spoken it is highlighted, although a newer one arrived."""
    board, office = live_board(BoardConfig(blink_seconds=2))
    board.apply_event(office.call(1, "А001", "1"))
    board.apply_event(office.call(2, "А002", "2"))
    first = board.start_next_announcement()
    assert first is not None and first.number == "А001"
    board.clock.advance(5)  # type: ignore[attr-defined]  # past the blink time, still speaking
    row = board.highlighted()
    assert row is not None and row.number == "А001"
    board.announcement_done()
    second = board.start_next_announcement()
    assert second is not None
    row = board.highlighted()
    assert row is not None and row.number == "А002" and board.blink_on()


# -- speech -----------------------------------------------------------------------------------


def test_ten_calls_in_one_second_are_all_spoken_in_order() -> None:
    """Ten calls within a second: ten announcements, in call order, one at a time."""
    board, office = live_board()
    for n in range(1, 11):
        board.apply_event(office.call(n, f"А{n:03d}", str(1 + n % 5), service="reg"))
        board.clock.advance(0.1)  # type: ignore[attr-defined]
    # workplaces repeat (5 desks): each desk's earlier ticket left it, so it is not spoken
    said = speak_all(board)
    assert said == ["А006", "А007", "А008", "А009", "А010"]


def test_ten_desks_calling_at_once_are_all_spoken() -> None:
    """Ten workplaces call within one second: all ten spoken, in order, none twice."""
    board, office = live_board()
    from tests.display_board import factories

    for n in range(6, 11):
        factories.WORKPLACES[str(n)] = (f"Окно {n}", f"Window {n}", "window")
    try:
        for n in range(1, 11):
            board.apply_event(office.call(n, f"В{n:03d}", str(n), service="vac"))
            board.clock.advance(0.09)  # type: ignore[attr-defined]
        assert board.start_next_announcement() is not None
        assert board.start_next_announcement() is None  # one at a time
        board.announcement_done()
        assert [a.number for a in board.spoken] == ["В001"]
        said = speak_all(board)
        assert said == [f"В{n:03d}" for n in range(2, 11)]
        assert speak_all(board) == []
    finally:
        for n in range(6, 11):
            del factories.WORKPLACES[str(n)]


def test_each_call_spoken_once_recall_again() -> None:
    """A call is spoken once even if its event arrives again; a recall is spoken again."""
    board, office = live_board()
    call = office.call(1, "А001", "1")
    board.apply_event(call)
    board.apply_event(call)
    assert speak_all(board) == ["А001"]
    recall = office.call(1, "А001", "1", recall=True)
    board.apply_event(recall)
    announcement = board.start_next_announcement()
    assert announcement is not None and announcement.recall
    board.announcement_done()
    board.apply_snapshot(office.snapshot(active=[recall.data]))  # same call in a snapshot
    assert speak_all(board) == []


def test_recall_before_the_first_is_spoken_is_spoken_once() -> None:
    """A recall while the first call still waits replaces it: the visitor hears one call."""
    board, office = live_board()
    board.apply_event(office.call(9, "А009", "4"))  # busy speaking this one
    board.start_next_announcement()
    board.apply_event(office.call(1, "А001", "1"))
    board.apply_event(office.call(1, "А001", "1", recall=True))
    board.announcement_done()
    assert speak_all(board) == ["А001"]


def test_visitor_who_came_is_not_called_any_more() -> None:
    """A call waiting to be spoken is dropped when the visitor is already at the desk."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.start_next_announcement()
    board.apply_event(office.call(2, "А002", "2"))
    board.apply_event(office.call(3, "А003", "3"))
    board.apply_event(office.started(2, "А002", "2"))
    board.apply_event(office.left("ticket.cancelled", 3, "А003"))
    board.announcement_done()
    assert speak_all(board) == []
    assert {why for _, why in board.skipped} >= {"the visitor came", "left the desk"}


def test_english_when_the_ticket_is_english_or_the_board_says_so() -> None:
    """Russian always; English too for an English ticket, or for every call when configured."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.apply_event(office.call(2, "А002", "2", lang="en"))
    first, second = list(board.pending)
    assert first.languages == ("ru",) and second.languages == ("ru", "en")
    bilingual, office2 = live_board(BoardConfig(speak_english=True))
    bilingual.apply_event(office2.call(1, "А001", "1"))
    assert bilingual.pending[0].languages == ("ru", "en")


def test_burst_of_100_calls_is_bounded() -> None:
    """100 calls at once: the queue stays within `max_pending`, the newest are kept, no
    announcement is repeated, and every call is on screen or in the history."""
    board, office = live_board(BoardConfig(max_pending=12, history_size=200))
    from tests.display_board import factories

    for n in range(6, 101):
        factories.WORKPLACES[str(n)] = (f"Окно {n}", f"Window {n}", "window")
    try:
        for n in range(1, 101):
            board.apply_event(office.call(n, f"А{n:03d}", str(n)))
        assert len(board.pending) == 12
        said = speak_all(board)
        assert said == [f"А{n:03d}" for n in range(89, 101)]
        assert len(set(said)) == len(said)
        assert len(board.current) == 100
    finally:
        for n in range(6, 101):
            del factories.WORKPLACES[str(n)]


def test_sound_off_shows_calls_and_speaks_nothing() -> None:
    """With the sound off calls are shown and highlighted; nothing is queued to speak."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.set_sound_off("no audio device")
    board.apply_event(office.call(2, "А002", "2"))
    assert board.sound_off == "no audio device"
    assert numbers(board) == ["А002", "А001"]
    assert board.start_next_announcement() is None
    row = board.highlighted()
    assert row is not None and row.number == "А002"


# -- replay after a reconnection --------------------------------------------------------------


def test_replayed_old_calls_are_shown_not_spoken() -> None:
    """After a reconnection, replayed calls older than `speak_max_age` are not spoken;
    fresh ones are, and live calls always are."""
    board, office = live_board(BoardConfig(speak_max_age=60))
    board.apply_event(office.queue({"reg": (1, 5)}))  # a live event: the server's time is known
    board.set_connection(ConnectionState.RECONNECTING)
    board.clock.advance(120)  # type: ignore[attr-defined]
    start = board.clock.wall()
    board.apply_event(office.call(1, "А001", "1", at=start - timedelta(seconds=100)))
    board.apply_event(office.call(2, "А002", "2", at=start - timedelta(seconds=30)))
    board.set_connection(ConnectionState.LIVE)
    board.apply_event(office.call(3, "А003", "3"))
    assert numbers(board) == ["А003", "А002", "А001"]
    assert speak_all(board) == ["А002", "А003"]
    assert any(a.number == "А001" and why.startswith("old") for a, why in board.skipped)


def test_board_wall_clock_jump_does_not_silence_replays() -> None:
    """The board's wall clock jumps an hour ahead during the outage: a fresh replayed call is
    still spoken (ages come from the server's times and the monotonic clock)."""
    board, office = live_board(BoardConfig(speak_max_age=60))
    board.apply_event(office.queue({"reg": (1, 5)}))
    board.set_connection(ConnectionState.RECONNECTING)
    clock = board.clock
    assert isinstance(clock, FakeBoardClock)
    clock.advance(20)
    server_time = clock.wall_time
    clock.wall_time += timedelta(hours=1)  # NTP correction, a bad RTC, …
    board.apply_event(office.call(1, "А001", "1", at=server_time - timedelta(seconds=5)))
    assert [a.number for a in board.pending] == ["А001"]


def test_clock_jump_backwards_keeps_old_replays_silent() -> None:
    """The wall clock jumps back an hour: an old replayed call is still recognised as old."""
    board, office = live_board(BoardConfig(speak_max_age=60))
    board.apply_event(office.queue({"reg": (1, 5)}))
    board.set_connection(ConnectionState.RECONNECTING)
    clock = board.clock
    assert isinstance(clock, FakeBoardClock)
    clock.advance(300)
    server_time = clock.wall_time
    clock.wall_time -= timedelta(hours=1)
    board.apply_event(office.call(1, "А001", "1", at=server_time - timedelta(seconds=200)))
    assert not board.pending


def test_restart_replay_without_live_reference_uses_the_wall_clock() -> None:
    """A restarted board replaying from its saved seq skips calls older than the limit."""
    clock = FakeBoardClock()
    office = Office(clock)
    board = BoardState(BoardConfig(speak_max_age=60), clock)
    board.set_connection(ConnectionState.CONNECTING)
    board.apply_event(office.call(1, "А001", "1", at=clock.wall_time - timedelta(minutes=5)))
    board.apply_event(office.call(2, "А002", "2", at=clock.wall_time - timedelta(seconds=10)))
    assert [a.number for a in board.pending] == ["А002"]


def test_snapshot_speaks_only_fresh_unspoken_calls() -> None:
    """A snapshot after a long outage: fresh calls not yet spoken are spoken, old ones not."""
    board, office = live_board(BoardConfig(speak_max_age=60))
    now = board.clock.wall()
    hour_ago = now - timedelta(hours=1)
    board.apply_snapshot(
        office.snapshot(
            active=[
                office.ticket(2, "А002", "2", "called", calls=1, called_at=now),
                office.ticket(1, "А001", "1", "called", calls=1, called_at=hour_ago),
            ]
        )
    )
    assert speak_all(board) == ["А002"]


# -- connection, zones ------------------------------------------------------------------------


def test_offline_mark_after_five_seconds_and_state_kept() -> None:
    """ "нет связи" only after 5 s without a connection; the calls stay on screen."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.set_connection(ConnectionState.RECONNECTING)
    board.clock.advance(OFFLINE_MARK_AFTER - 0.1)  # type: ignore[attr-defined]
    assert not board.offline_mark()
    board.clock.advance(0.2)  # type: ignore[attr-defined]
    assert board.offline_mark()
    assert numbers(board) == ["А001"]
    board.set_connection(ConnectionState.LIVE)
    assert not board.offline_mark()


def test_refused_token_is_said_and_state_kept() -> None:
    """A revoked token: the board keeps its calls and says it is refused."""
    board, office = live_board()
    board.apply_event(office.call(1, "А001", "1"))
    board.set_refused("token revoked")
    assert board.refused == "token revoked" and numbers(board) == ["А001"]
    board.clock.advance(OFFLINE_MARK_AFTER)  # type: ignore[attr-defined]
    assert board.offline_mark()


def test_zone_of_workplaces_filters_calls_and_speech() -> None:
    """A board for workplaces 1 and 2 shows and speaks only their calls."""
    board, office = live_board(BoardConfig(zone=Zone.parse(["workplaces=1,2"])))
    board.apply_event(office.call(1, "А001", "1"))
    board.apply_event(office.call(2, "А002", "3"))
    board.apply_event(office.call(3, "А003", "2"))
    assert numbers(board) == ["А003", "А001"]
    assert speak_all(board) == ["А001", "А003"]
    assert board.zone_problems == []


def test_zone_of_services_filters_calls_and_lines() -> None:
    """A board for the benefit service lists only it and shows only its calls."""
    board, office = live_board(BoardConfig(zone=Zone.parse(["services=ben"])))
    board.apply_event(office.call(1, "А001", "1", service="reg"))
    board.apply_event(office.call(2, "Б001", "2", service="ben"))
    board.apply_event(office.queue({"reg": (4, 5), "ben": (2, 7)}))
    assert numbers(board) == ["Б001"]
    assert [s.service for s in board.services] == ["ben"]


def test_unknown_zone_is_reported() -> None:
    """A zone naming a workplace or service the office lacks is reported, nothing crashes."""
    board, _ = live_board(BoardConfig(zone=Zone.parse(["workplaces=1,99", "services=nope"])))
    assert board.zone_problems == ["workplace '99'", "service 'nope'"]


@pytest.mark.parametrize("spec", ["", "workplaces", "workplaces=", "rooms=1", "=1"])
def test_bad_zone_spec_is_refused(spec: str) -> None:
    """A zone that cannot be read raises ZoneError with a Russian and English message."""
    with pytest.raises(ZoneError, match="workplaces"):
        Zone.parse([spec])


# -- properties -------------------------------------------------------------------------------

_actions = st.lists(
    st.tuples(
        st.sampled_from(["call", "recall", "start", "finish", "speak", "done", "tick"]),
        st.integers(1, 6),
        st.sampled_from(["1", "2", "3", "4", "5"]),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(actions=_actions)
def test_any_event_order_speaks_each_call_at_most_once(
    actions: list[tuple[str, int, str]],
) -> None:
    """Whatever happens, no call is spoken twice, one at a time, and the queue holds at most one
    call per workplace; every row on screen is at a distinct workplace."""
    board, office = live_board(BoardConfig(max_pending=4))
    where: dict[int, str] = {}
    for action, ticket, workplace in actions:
        event: Envelope | None = None
        if action in {"call", "recall"}:
            where[ticket] = workplace
            event = office.call(ticket, f"А{ticket:03d}", workplace, recall=action == "recall")
        elif action == "start" and ticket in where:
            event = office.started(ticket, f"А{ticket:03d}", where[ticket])
        elif action == "finish" and ticket in where:
            event = office.left("ticket.finished", ticket, f"А{ticket:03d}", outcome="resolved")
            del where[ticket]
        elif action == "speak":
            board.start_next_announcement()
        elif action == "done":
            board.announcement_done()
        else:
            board.clock.advance(1)  # type: ignore[attr-defined]
        if event is not None:
            board.apply_event(event)
        assert len(board.pending) <= 4
        pending_places = [a.workplace for a in board.pending]
        assert len(pending_places) == len(set(pending_places))
        places = [row.workplace for row in board.current]
        assert len(places) == len(set(places))
    speak_all(board)
    keys = [a.key for a in board.spoken]
    assert len(keys) == len(set(keys))


def test_fresh_calls_of_a_snapshot_blink_old_ones_do_not() -> None:
    """After a snapshot the newest fresh call is highlighted; a call of an hour ago is not."""
    clock = FakeBoardClock()
    office = Office(clock)
    board = BoardState(BoardConfig(), clock, speech=False)
    hour_ago = clock.wall_time - timedelta(hours=1)
    board.apply_snapshot(
        office.snapshot(
            active=[
                office.ticket(2, "А002", "2", "called", calls=1, called_at=hour_ago),
                office.ticket(1, "А001", "1", "called", calls=1),
            ]
        )
    )
    row = board.highlighted()
    assert row is not None and row.number == "А001"
    assert numbers(board) == ["А001", "А002"]


def test_restart_does_not_speak_calls_seen_before() -> None:
    """A restarted board's first snapshot: calls up to the saved last-event time are not
    spoken again; a fresh call made after it is."""
    clock = FakeBoardClock()
    office = Office(clock)
    earlier = clock.wall_time - timedelta(seconds=10)
    board = BoardState(BoardConfig(), clock, seen_until=clock.wall_time - timedelta(seconds=5))
    board.apply_snapshot(
        office.snapshot(
            active=[
                office.ticket(2, "А002", "2", "called", calls=1),
                office.ticket(1, "А001", "1", "called", calls=1, called_at=earlier),
            ]
        )
    )
    assert speak_all(board) == ["А002"]
    assert numbers(board) == ["А002", "А001"]
