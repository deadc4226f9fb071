"""Live updates of the ticket status page: `GET /t/{token}/events`, a server-sent event stream.

Server-sent events rather than the `/ws` WebSocket: the page only listens, it holds no token to
say hello with, and a plain GET passes every proxy the page itself passes, is rate-limited like
the page, and is reconnected by the browser's own `EventSource`. Each message is one `status`
event whose data is JSON: `status`, `html` (the card's inner HTML, rendered and escaped here by
the page's own template), `announce` (the sentence for the live region), `title` and `final`.

`StatusFeed` listens to the event hub. An event of an office that has open streams marks the
office for a refresh, which reads every followed ticket in one transaction, renders each
(ticket, language) once, and hands the new card to the streams whose card changed. It reads in
two rounds that run side by side: the statuses alone, so that a called ticket's page changes
at once even while the queue is being replayed, and the waiting tickets' places and estimates
from the office's shared reading (`QueueQueries.read_public_tickets`: one replay per event
seq, not one per phone). Events arriving during a round cost at most one more round, and none
when the office's seq has not moved past what was read; a card read at an older seq never
replaces a newer one. Estimates move with the clock, so followed offices are refreshed every
REFRESH_EVERY seconds too.

Streams are bounded: at most `per_client` from one address (an IPv6 /64 counts as one) and
`total` in the process; past those the answer is a problem JSON 429 or 503 with Retry-After,
and the page's script falls back to polling. A stream ends after STREAM_SECONDS (the browser
reconnects), when its ticket reaches a final state, and when the server stops.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.resources
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from queue_protocol.enums import TicketStatus
from queue_protocol.models import PublicTicket
from queue_server.api.deps import ContainerDep
from queue_server.api.pages import Card, render_card
from queue_server.api.problems import problem, request_lang
from queue_server.api.ratelimit import client_key, limit_public
from queue_server.domain.errors import DomainError
from queue_server.service.queries import QueueQueries

log = logging.getLogger("okno.status")

status_router = APIRouter()

#: Seconds between comments on an idle stream: proxies keep it open, a dead phone is noticed.
KEEPALIVE = 15.0
#: Seconds between refreshes of a followed office when nothing happens (estimates age).
REFRESH_EVERY = 30.0
#: Seconds a stream lasts before the browser is made to reconnect.
STREAM_SECONDS = 15 * 60.0
#: Milliseconds the browser waits before reconnecting a dropped stream.
RETRY_MS = 3000
#: Seconds a refused client is told to wait.
RETRY_AFTER = 30

# The two rounds of a refresh (see StatusFeed).
STATUS = "status"
PLACES = "places"

# Events that never change a ticket's public status.
_IGNORED = ("rating.", "device.")


class TooManyStreams(DomainError):
    """This address already follows as many tickets live as it may."""

    code = "too_many_streams"
    status = 429

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"С этого адреса уже открыто {limit} страниц талонов с живым обновлением: "
            f"страница будет обновляться раз в несколько секунд",
            f"This address already follows {limit} tickets live: the page will refresh "
            "every few seconds instead",
            retry_after=RETRY_AFTER,
        )


class StreamsFull(DomainError):
    """The server follows as many tickets live as it may."""

    code = "streams_full"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "Сервер сейчас не может открыть живое обновление: страница будет обновляться "
            "раз в несколько секунд",
            "The server cannot open a live update now: the page will refresh every few "
            "seconds instead",
            retry_after=RETRY_AFTER,
        )


@dataclass(eq=False)
class Watcher:
    """One open stream: a ticket followed in one language from one client address.

    `shown` is the card the page has (or is about to get), read at the office's event `seq`.
    `queue` holds at most the newest encoded message; None tells the stream to end.
    """

    office: str
    token: str
    lang: str
    client: str
    shown: Card
    seq: int = 0
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(1))

    def offer(self, card: Card, seq: int) -> None:
        """Send `card`, read at `seq`, unless the page shows it already or something newer; an
        unsent older card is replaced."""
        if seq < self.seq:
            return  # read before what the page shows: never step back
        self.seq = seq
        if card == self.shown:
            return
        self.shown = card
        self._put(encode(card))

    def end(self) -> None:
        self._put(None)

    def _put(self, item: str | None) -> None:
        while self.queue.full():
            if self.queue.get_nowait() is None:
                item = None  # an ending is never replaced by a card
        self.queue.put_nowait(item)


def encode(card: Card) -> str:
    """`card` as one server-sent `status` event (JSON on one line)."""
    data = {
        "status": card.status,
        "html": card.html,
        "announce": card.announce,
        "title": card.title,
        "final": card.final,
    }
    return f"event: status\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class StatusFeed:
    """The open streams of this process and the refreshes that feed them (event loop only)."""

    def __init__(
        self,
        queries: QueueQueries,
        per_client: int,
        total: int,
        refresh_every: float = REFRESH_EVERY,
        render: Callable[[PublicTicket, str], Card] = render_card,
    ) -> None:
        self.queries = queries
        self.per_client = per_client
        self.total = total
        self.refresh_every = refresh_every
        self.render = render
        self.refreshes = 0  # refreshes made (for tests and benchmarks)
        self.events_seen = 0  # events the hub handed over, of any office
        self._offices: dict[str, set[Watcher]] = {}
        self._clients: Counter[str] = Counter()
        # Per (office, round): STATUS reads the statuses alone, PLACES the waiting tickets'
        # places and estimates (a replay of the queue); each runs one at a time, coalesced.
        self._dirty: set[tuple[str, str]] = set()
        self._forced: set[tuple[str, str]] = set()
        self._seqs: dict[tuple[str, str], int] = {}  # the seq each round last read
        self._running: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._ticker: asyncio.Task[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        """Streams open now."""
        return sum(len(w) for w in self._offices.values())

    def open(
        self, office: str, token: str, lang: str, client: str, shown: Card, seq: int = 0
    ) -> Watcher:
        """Register a stream that already shows `shown` (read at `seq`); raises TooManyStreams
        or StreamsFull."""
        self.admit(client)
        watcher = Watcher(office, token, lang, client, shown, seq)
        self._offices.setdefault(office, set()).add(watcher)
        self._clients[client] += 1
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())
        return watcher

    def admit(self, client: str) -> None:
        """Raise TooManyStreams or StreamsFull if `client` may not open one more stream now."""
        if self._closed or len(self) >= self.total:
            raise StreamsFull()
        if self._clients[client] >= self.per_client:
            raise TooManyStreams(self.per_client)

    def remove(self, watcher: Watcher) -> None:
        watchers = self._offices.get(watcher.office)
        if watchers is None or watcher not in watchers:
            return
        watchers.discard(watcher)
        if not watchers:
            del self._offices[watcher.office]
        self._clients[watcher.client] -= 1
        if self._clients[watcher.client] <= 0:
            del self._clients[watcher.client]

    def on_event(self, office: str, event: dict[str, Any]) -> None:
        """Hub listener: an event of a followed office makes it refresh (coalesced)."""
        self.events_seen += 1
        if office in self._offices and not str(event.get("type", "")).startswith(_IGNORED):
            self.refresh(office)

    def refresh(self, office: str, force: bool = False) -> None:
        """Re-read the followed tickets of `office` soon (both rounds, each coalesced).

        Unless `force`d (estimates age), a round that finds the office at the seq it last read
        sends nothing.
        """
        loop = asyncio.get_running_loop()
        for kind in (STATUS, PLACES):
            key = (office, kind)
            self._dirty.add(key)
            if force:
                self._forced.add(key)
            if key not in self._running:
                self._running[key] = loop.create_task(self._round(office, kind))

    async def _round(self, office: str, kind: str) -> None:
        """Read and send until `office` has nothing new for this round.

        The STATUS round never waits for a replay, so a called ticket's page changes at once
        even while the PLACES round replays the queue for an earlier change; the watchers'
        seqs keep a slower round's older card from replacing a newer one.
        """
        key = (office, kind)
        try:
            while key in self._dirty and office in self._offices:
                self._dirty.discard(key)
                forced = key in self._forced
                self._forced.discard(key)
                keys = {(w.token, w.lang) for w in self._offices[office]}
                unless = None if forced else self._seqs.get(key)
                try:
                    cards, seq = await asyncio.to_thread(self._read, office, keys, kind, unless)
                except Exception:
                    log.exception("could not refresh the followed tickets of office %s", office)
                    return
                if seq is None or (seq == self._seqs.get(key) and not forced):
                    continue
                self._seqs[key] = seq
                for watcher in list(self._offices.get(office, ())):
                    card = cards.get((watcher.token, watcher.lang))
                    if card is not None:
                        watcher.offer(card, seq)
                if kind == PLACES:
                    self.refreshes += 1
        finally:
            self._dirty.discard(key)
            del self._running[key]

    def _read(
        self, office: str, keys: set[tuple[str, str]], kind: str, unless: int | None
    ) -> tuple[dict[tuple[str, str], Card], int | None]:
        """The cards of `keys` this round renders, and the office's seq read (worker thread);
        nothing is rendered when the office is still at seq `unless`.

        STATUS renders the tickets that are not waiting (without a replay); PLACES the waiting
        ones, with their places. Each (token, language) is rendered once.
        """
        places = kind == PLACES
        read = self.queries.read_public_tickets(sorted({t for t, _ in keys}), places)
        cards: dict[tuple[str, str], Card] = {}
        if unless is not None and read.seqs.get(office) == unless:
            return cards, unless
        for token, lang in keys:
            found = read.tickets.get(token)
            if found is not None and (found[1].status == TicketStatus.WAITING) == places:
                cards[(token, lang)] = self.render(found[1], lang)
        return cards, read.seqs.get(office)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_every)
            for office in list(self._offices):
                self.refresh(office, force=True)

    def close(self) -> None:
        """End every stream (the server is stopping) and refuse new ones."""
        self._closed = True
        for watchers in self._offices.values():
            for watcher in watchers:
                watcher.end()
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None


def install_status_feed(app: Any, container: Any) -> StatusFeed:
    """Make the feed of `app` (on `app.state.status_feed`) and connect it to the hub."""
    settings = container.settings
    feed = StatusFeed(
        container.queries, settings.status_streams_per_client, settings.status_streams_total
    )
    container.hub.listen(feed.on_event)
    app.state.status_feed = feed
    return feed


async def end_streams_on_exit(server: Any, feed: StatusFeed, poll: float = 0.1) -> None:
    """End the open streams as soon as uvicorn `server` starts to stop.

    uvicorn waits for open responses before it shuts down, and a stream never finishes by
    itself: without this a stopping server would wait for every phone to go away.
    """
    while not server.should_exit:  # noqa: ASYNC110 (a flag uvicorn sets; no event to await)
        await asyncio.sleep(poll)
    feed.close()


@status_router.get("/t/{token}/events", include_in_schema=False)
async def ticket_events(token: str, request: Request, container: ContainerDep) -> Response:
    """The live stream of one ticket's status page (text/event-stream)."""
    lang = request.query_params.get("lang")
    if lang not in ("ru", "en"):
        lang = request_lang(request)
    await limit_public(request)
    feed: StatusFeed = request.app.state.status_feed
    seen = feed.events_seen
    read = await run_in_threadpool(container.queries.read_public_tickets, [token])
    found = read.tickets
    if token not in found:
        if lang == "en":
            return problem(404, "unknown_ticket", "No ticket with this link")
        return problem(404, "unknown_ticket", "Талон не найден")
    office, ticket = found[token]
    first = feed.render(ticket, lang)
    client = client_key(request.client.host) if request.client else "unknown"
    try:
        feed.admit(client)
    except (TooManyStreams, StreamsFull) as exc:
        response = problem(exc.status, exc.code, exc.message(lang), {"retry_after": RETRY_AFTER})
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    opened = Opened(office, token, lang, client, first, read.seqs[office], seen)
    return StreamingResponse(
        _stream(feed, opened),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@dataclass(frozen=True)
class Opened:
    """What a stream starts from: its ticket, language and client, the card read at `seq`,
    and the feed's event count before that read."""

    office: str
    token: str
    lang: str
    client: str
    first: Card
    seq: int
    events_seen: int


async def _stream(feed: StatusFeed, opened: Opened) -> AsyncIterator[str]:
    """The stream's messages. The watcher is registered only once the response is being sent
    (a client gone before that leaves nothing behind) and removed however the stream ends."""
    yield f"retry: {RETRY_MS}\n\n" + encode(opened.first)
    if opened.first.final:
        return
    try:
        watcher = feed.open(
            opened.office, opened.token, opened.lang, opened.client, opened.first, opened.seq
        )
    except (TooManyStreams, StreamsFull):
        return  # others came first since the check: the page reconnects or polls
    try:
        if feed.events_seen != opened.events_seen:
            feed.refresh(opened.office, force=True)  # an event came while the ticket was read
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + STREAM_SECONDS
        while (left := ends_at - loop.time()) > 0:
            try:
                item = await asyncio.wait_for(watcher.queue.get(), min(KEEPALIVE, left))
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if item is None:
                return
            yield item
            if watcher.shown.final:
                return
    finally:
        feed.remove(watcher)


@functools.cache
def _script() -> bytes:
    return (
        importlib.resources.files("queue_server.api")
        .joinpath("templates/status-live.js")
        .read_bytes()
    )


@status_router.get("/assets/status-live.js", include_in_schema=False)
async def status_script() -> Response:
    """The status page's script (served here: no CDN, works on an office network)."""
    return Response(
        _script(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )
