"""The live status page: its stream (`GET /t/{token}/events`), the feed behind it, its script."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from queue_protocol.models import LocalizedText, PublicTicket, TicketStatus
from queue_server.api.app import create_app
from queue_server.api.events import encode_row
from queue_server.api.pages import Card, in_sentence, render_card, render_ticket
from queue_server.api.status_live import (
    StatusFeed,
    StreamsFull,
    TooManyStreams,
    Watcher,
    encode,
)
from queue_server.bootstrap import Container
from queue_server.service.hub import EventHub
from queue_server.service.queries import PublicTickets
from queue_server.settings import ServerSettings
from queue_server.storage.db import sqlite_url
from tests.helpers.live_app import live_app
from tests.helpers.office import KIOSK_TOKEN, make_office
from tests.queue_server.api.conftest import login

KIOSK = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
WITHIN = 5.0  # seconds the issue allows between a call and the page showing it


def _ticket(status: TicketStatus = TicketStatus.WAITING, **changes: Any) -> PublicTicket:
    values: dict[str, Any] = {
        "number": "А042",
        "service": "reg",
        "service_name": LocalizedText(ru="Регистрация", en="Registration"),
        "status": status,
        "ahead": 2,
        "estimate_minutes": 10,
        "workplace": "3" if status in (TicketStatus.CALLED, TicketStatus.SERVING) else None,
        "workplace_name": LocalizedText(ru="Окно 3", en="Window 3")
        if status in (TicketStatus.CALLED, TicketStatus.SERVING)
        else None,
        "issued_at": datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
    }
    values.update(changes)
    return PublicTicket(**values)


# --- the card -------------------------------------------------------------------------------


def test_called_card_says_your_turn_and_where() -> None:
    """Called: the card, the live-region sentence and the title say "Ваша очередь: окно 3"."""
    card = render_card(_ticket(TicketStatus.CALLED), "ru")
    turn = 'Ваша очередь: <span class="turn-where">окно 3</span>'
    assert f'<div class="state called turn">{turn}</div>' in card.html
    assert card.announce == "Ваша очередь: окно 3"
    assert card.title.startswith("Ваша очередь: окно 3")
    english = render_card(_ticket(TicketStatus.CALLED), "en")
    assert english.announce == "Your turn: window 3"
    assert 'Your turn: <span class="turn-where">window 3</span>' in english.html


def test_hall_names_are_lowered_only_when_capitalised() -> None:
    """ "Окно 3" reads "окно 3" inside the sentence; acronyms and one letter stay as written."""
    assert in_sentence("Окно 3") == "окно 3"
    assert in_sentence("Кабинет 12") == "кабинет 12"
    assert in_sentence("ЗАГС 2") == "ЗАГС 2"
    assert in_sentence("A") == "A"


def test_booked_ticket_shows_its_slot_time() -> None:
    """A ticket checked in for a booking shows the booked time (office time), RU and EN."""
    slot = datetime.fromisoformat("2026-03-10T10:30:00+03:00")
    assert "Запись на: <b class=nowrap>10:30</b>" in render_card(_ticket(slot_at=slot), "ru").html
    assert "Booked for: <b class=nowrap>10:30</b>" in render_card(_ticket(slot_at=slot), "en").html
    assert "Запись" not in render_card(_ticket(), "ru").html


def test_live_page_reloads_only_without_javascript() -> None:
    """A followed page keeps its refresh inside <noscript> and loads the local script."""
    html = render_ticket(_ticket(), "ru", "tok123")
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in html
    assert '<script src="/assets/status-live.js" defer></script>' in html
    assert 'data-events="/t/tok123/events?lang=ru"' in html
    assert 'aria-live="assertive"' in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_final_page_has_no_script_and_no_refresh() -> None:
    """A finished ticket's page neither reloads nor opens a stream."""
    html = render_ticket(_ticket(TicketStatus.DONE), "ru", "tok123")
    assert "<script" not in html and "refresh" not in html and "data-events" not in html


def test_encoded_event_is_one_status_message() -> None:
    """The stream's message is `event: status` with one line of JSON data."""
    card = render_card(_ticket(TicketStatus.CALLED), "ru")
    text = encode(card)
    assert text.startswith("event: status\ndata: {") and text.endswith("}\n\n")
    assert text.count("\n") == 3
    data = json.loads(text.split("data: ", 1)[1])
    assert data["status"] == "called" and data["announce"] == "Ваша очередь: окно 3"
    assert data["final"] is False and data["html"] == card.html


# --- the feed (no database) -----------------------------------------------------------------


class FakeQueries:
    """Answers read_public_tickets from a dict at office seq `seq`; records each read."""

    def __init__(self, tickets: dict[str, PublicTicket]) -> None:
        self.tickets = tickets
        self.seq = 1
        self.reads: list[tuple[list[str], bool]] = []
        self.on_positions: Callable[[], None] | None = None

    @property
    def calls(self) -> int:
        return len(self.reads)

    def read_public_tickets(
        self, tokens: Sequence[str], with_positions: bool = True
    ) -> PublicTickets:
        self.reads.append((list(tokens), with_positions))
        if with_positions and self.on_positions is not None:
            self.on_positions()
        found = {t: ("test", self.tickets[t]) for t in tokens if t in self.tickets}
        return PublicTickets(found, {"test": self.seq})


def _card(status: TicketStatus = TicketStatus.WAITING) -> Card:
    return render_card(_ticket(status), "ru")


@pytest.mark.asyncio
async def test_feed_limits_streams_per_client_and_in_all() -> None:
    """Past `per_client` from one address: TooManyStreams; past `total`: StreamsFull."""
    feed = StatusFeed(FakeQueries({}), per_client=2, total=3)  # type: ignore[arg-type]
    first = feed.open("test", "a", "ru", "10.0.0.1", _card())
    feed.open("test", "b", "ru", "10.0.0.1", _card())
    with pytest.raises(TooManyStreams):
        feed.open("test", "c", "ru", "10.0.0.1", _card())
    feed.open("test", "c", "ru", "10.0.0.2", _card())
    with pytest.raises(StreamsFull):
        feed.open("test", "d", "ru", "10.0.0.3", _card())
    feed.remove(first)
    feed.remove(first)  # twice: counted once
    assert len(feed) == 2
    feed.open("test", "a", "ru", "10.0.0.1", _card())
    feed.close()
    with pytest.raises(StreamsFull):
        feed.open("test", "e", "ru", "10.0.0.4", _card())


@pytest.mark.asyncio
async def test_feed_refresh_sends_only_changed_cards() -> None:
    """A refresh offers each stream its new card; a stream whose card is unchanged gets nothing."""
    queries = FakeQueries({"a": _ticket(), "b": _ticket(number="А043")})
    feed = StatusFeed(queries, per_client=10, total=10)  # type: ignore[arg-type]
    a = feed.open("test", "a", "ru", "x", render_card(queries.tickets["a"], "ru"))
    b = feed.open("test", "b", "ru", "x", render_card(queries.tickets["b"], "ru"))
    queries.tickets["a"] = _ticket(TicketStatus.CALLED)
    feed.on_event("test", {"type": "ticket.called"})
    await _settled(feed)
    sent = a.queue.get_nowait()
    assert sent is not None and "Ваша очередь: окно 3" in sent
    assert b.queue.empty()
    feed.close()


@pytest.mark.asyncio
async def test_a_call_reaches_its_phone_while_the_queue_is_being_replayed() -> None:
    """A ticket called during a slow replay for an earlier change is sent at once."""
    queries = FakeQueries({"a": _ticket(), "b": _ticket(number="А043")})
    feed = StatusFeed(queries, per_client=10, total=10)  # type: ignore[arg-type]
    a = feed.open("test", "a", "ru", "x", _card())
    b = feed.open("test", "b", "ru", "x", _card())
    replaying = threading.Event()
    release = threading.Event()

    def slow_replay() -> None:
        replaying.set()
        release.wait(WITHIN)

    queries.on_positions = slow_replay
    feed.on_event("test", {"type": "queue.changed"})
    async with asyncio.timeout(WITHIN):
        assert await asyncio.to_thread(replaying.wait, WITHIN)
        queries.tickets["a"] = _ticket(TicketStatus.CALLED)
        queries.seq = 2
        feed.on_event("test", {"type": "ticket.called"})
        sent = await a.queue.get()  # while the replay still holds
    assert sent is not None and "Ваша очередь" in sent and not release.is_set()
    release.set()
    queries.on_positions = None
    await _settled(feed)
    assert "Ваша очередь" in a.shown.html  # the replay's older read did not step back
    assert b.shown.status == "waiting"
    feed.close()


def test_a_card_read_at_an_older_seq_is_ignored() -> None:
    """A card read before the one the page has never replaces it."""
    watcher = Watcher("test", "a", "ru", "x", _card(TicketStatus.CALLED), seq=5)
    watcher.offer(_card(), 4)
    assert watcher.queue.empty() and watcher.shown.status == "called"
    watcher.offer(_card(TicketStatus.SERVING), 6)
    assert watcher.shown.status == "serving" and watcher.seq == 6


@pytest.mark.asyncio
async def test_refresh_at_an_unchanged_seq_sends_nothing() -> None:
    """An event the last refresh already read costs one status read and no render."""
    queries = FakeQueries({"a": _ticket()})
    rendered: list[str] = []

    def render(ticket: PublicTicket, lang: str) -> Card:
        rendered.append(ticket.number)
        return render_card(ticket, lang)

    feed = StatusFeed(queries, per_client=10, total=10, render=render)  # type: ignore[arg-type]
    feed.open("test", "a", "ru", "x", _card())
    feed.on_event("test", {"type": "queue.changed"})
    await _settled(feed)
    assert len(rendered) == 1 and feed.refreshes == 1 and queries.calls == 2
    feed.on_event("test", {"type": "queue.changed"})  # seq still 1
    await _settled(feed)
    assert len(rendered) == 1 and feed.refreshes == 1 and queries.calls == 4
    feed.refresh("test", force=True)  # the clock moved: estimates are read again
    await _settled(feed)
    assert len(rendered) == 2 and feed.refreshes == 2
    feed.close()


@pytest.mark.asyncio
async def test_feed_coalesces_a_burst_of_events() -> None:
    """Fifty events while a refresh runs cost one more refresh, not fifty."""
    queries = FakeQueries({"a": _ticket()})
    feed = StatusFeed(queries, per_client=10, total=10)  # type: ignore[arg-type]
    feed.open("test", "a", "ru", "x", _card())
    for seq in range(50):
        feed.on_event("test", {"type": "queue.changed", "seq": seq})
    await _settled(feed)
    assert feed.refreshes == 1 and queries.calls <= 4  # a second round finds the same seq
    feed.close()


@pytest.mark.asyncio
async def test_feed_ignores_other_offices_and_rating_events() -> None:
    """Events of an office nobody follows, and rating or device events, read nothing."""
    queries = FakeQueries({"a": _ticket()})
    feed = StatusFeed(queries, per_client=10, total=10)  # type: ignore[arg-type]
    feed.open("test", "a", "ru", "x", _card())
    feed.on_event("other", {"type": "ticket.called"})
    feed.on_event("test", {"type": "rating.received"})
    feed.on_event("test", {"type": "device.alert"})
    await _settled(feed)
    assert queries.calls == 0
    feed.close()


def test_watcher_keeps_only_the_newest_card_and_never_loses_the_end() -> None:
    """An unsent card is replaced by a newer one; an end is not replaced by a card."""
    watcher = Watcher("test", "a", "ru", "x", _card())
    watcher.offer(_card(TicketStatus.CALLED), 1)
    watcher.offer(_card(TicketStatus.SERVING), 2)
    sent = watcher.queue.get_nowait()
    assert sent is not None and '"status": "serving"' in sent
    watcher.offer(_card(TicketStatus.SERVING), 3)  # what the page shows: nothing to send
    assert watcher.queue.empty()
    watcher.end()
    watcher.offer(_card(TicketStatus.DONE), 4)
    assert watcher.queue.get_nowait() is None


async def _settled(feed: StatusFeed) -> None:
    """Wait until the feed's refreshes (worker threads) are done."""
    async with asyncio.timeout(WITHIN):
        await asyncio.sleep(0)
        while feed._running:  # noqa: ASYNC110 (worker threads, no event to await)
            await asyncio.sleep(0.01)


# --- the stream, served for real (uvicorn in this process) ----------------------------------


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The `status` events of an open stream, as dicts."""
    kind = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: ") and kind == "status":
            yield json.loads(line[6:])


@pytest.mark.integration
@pytest.mark.asyncio
async def test_stream_delivers_a_call_within_five_seconds(tmp_path: Path) -> None:
    """A phone following its ticket sees "Ваша очередь: окно 1" within 5 s of the desk's call."""
    async with live_app(tmp_path) as app:
        issued = await app.http.post(
            "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK
        )
        token = issued.json()["status_url"].rsplit("/t/", 1)[1]
        desk = {"Authorization": f"Bearer {await app.login('alice')}"}
        async with app.http.stream("GET", f"/t/{token}/events?lang=ru") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = _events(response)
            first = await anext(events)
            assert first["status"] == "waiting" and "Перед вами" in first["html"]
            called = await app.http.post("/api/v1/desk/call-next", headers=desk)
            assert called.status_code == 200, called.text
            async with asyncio.timeout(WITHIN):
                update = await anext(events)
                while update["status"] != "called":
                    update = await anext(events)
            assert update["announce"] == "Ваша очередь: окно 1"
            assert '<span class="turn-where">окно 1</span>' in update["html"]
            assert "Алиса" not in update["html"] and "alice" not in update["html"]


@pytest.mark.integration
@pytest.mark.asyncio
async def test_unknown_ticket_stream_is_a_clear_404(tmp_path: Path) -> None:
    """A stream for a wrong link is refused with a problem JSON in the page's language."""
    async with live_app(tmp_path) as app:
        response = await app.http.get("/t/not-a-ticket/events?lang=en")
        assert response.status_code == 404
        assert response.json()["code"] == "unknown_ticket"
        assert response.json()["detail"] == "No ticket with this link"
        russian = await app.http.get("/t/not-a-ticket/events")
        assert russian.json()["detail"] == "Талон не найден"


@pytest.mark.integration
@pytest.mark.asyncio
async def test_streams_over_the_caps_are_refused_with_retry_after(tmp_path: Path) -> None:
    """One address past its cap gets 429, anyone past the total 503, both with Retry-After."""
    office = make_office(tmp_path / "okno.db")
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"),
        public_url="http://okno.test",
        status_streams_per_client=1,
        status_streams_total=2,
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    app = create_app(container)
    feed: StatusFeed = app.state.status_feed
    transport = httpx.ASGITransport(app=app)  # client address 127.0.0.1
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        issued = await client.post(
            "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK
        )
        token = issued.json()["status_url"].rsplit("/t/", 1)[1]
        feed.open("test", token, "ru", "127.0.0.1", _card())
        refused = await client.get(f"/t/{token}/events?lang=ru")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
        assert refused.json()["code"] == "too_many_streams"
        assert "страница будет обновляться" in refused.json()["detail"]
        feed.open("test", token, "ru", "10.9.9.9", _card())
        full = await client.get(f"/t/{token}/events?lang=en")
        assert full.status_code == 503 and full.headers["retry-after"] == "30"
        assert full.json()["code"] == "streams_full"
        assert "refresh every few seconds" in full.json()["detail"]
        assert len(feed) == 2  # the refusals left nothing behind
    feed.close()
    office.engine.dispose()


@pytest.mark.integration
@pytest.mark.asyncio
async def test_script_is_served_locally(tmp_path: Path) -> None:
    """The page's script comes from the server itself, as JavaScript, and reads the stream."""
    async with live_app(tmp_path) as app:
        response = await app.http.get("/assets/status-live.js")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/javascript")
        assert "new EventSource(root.dataset.events)" in response.text


@pytest.mark.integration
@pytest.mark.asyncio
async def test_many_phones_cost_one_replay_per_change(tmp_path: Path) -> None:
    """Twenty phones following tickets of one office: a call costs one reading, not twenty."""
    async with live_app(tmp_path) as app:
        tokens = []
        for _ in range(20):
            issued = await app.http.post(
                "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK
            )
            tokens.append(issued.json()["status_url"].rsplit("/t/", 1)[1])
        desk = {"Authorization": f"Bearer {await app.login('alice')}"}
        async with contextlib.AsyncExitStack() as stack:
            streams = []
            for token in tokens:
                response = await stack.enter_async_context(
                    app.http.stream("GET", f"/t/{token}/events")
                )
                streams.append(_events(response))
            for events in streams:
                assert (await anext(events))["status"] == "waiting"
            before = app.container.queries.replays
            assert (await app.http.post("/api/v1/desk/call-next", headers=desk)).status_code == 200
            async with asyncio.timeout(WITHIN):
                assert (await anext(streams[0]))["status"] == "called"
                ahead = await anext(streams[1])  # the next one moved up
            assert ahead["status"] == "waiting" and "Перед вами: <b>0</b>" in ahead["html"]
            assert app.container.queries.replays - before <= 2


@pytest.mark.integration
@pytest.mark.asyncio
async def test_a_final_ticket_stream_sends_its_card_and_ends(tmp_path: Path) -> None:
    """A finished ticket's stream says so once ("final": true), ends, and holds no place."""
    office = make_office(tmp_path / "okno.db")
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"), public_url="http://okno.test"
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    app = create_app(container)
    feed: StatusFeed = app.state.status_feed
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        issued = await client.post(
            "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=KIOSK
        )
        ticket = issued.json()
        supervisor = await login(client, "carol")
        cancelled = await client.post(
            f"/api/v1/offices/test/tickets/{ticket['id']}/cancel", headers=supervisor
        )
        assert cancelled.status_code == 200, cancelled.text
        token = ticket["status_url"].rsplit("/t/", 1)[1]
        response = await client.get(f"/t/{token}/events?lang=en")
    assert response.status_code == 200
    messages = [m for m in response.text.split("\n\n") if m.startswith("event: status")]
    assert len(messages) == 1
    data = json.loads(messages[0].split("data: ", 1)[1])
    assert data["final"] is True and data["status"] == "cancelled"
    assert len(feed) == 0
    office.engine.dispose()
