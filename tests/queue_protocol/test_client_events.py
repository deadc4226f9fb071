"""ClientSession's event stream against a real WebSocket server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from queue_protocol.client import ConnectionState
from queue_protocol.enums import ErrorCode
from queue_protocol.errors import SessionRefused
from queue_protocol.events import Envelope
from queue_protocol.messages import Snapshot
from tests.queue_protocol.conftest import CountingConnect, SessionFactory
from tests.queue_protocol.fake_server import FakeOfficeServer
from tests.queue_protocol.streams import TIMEOUT, event_seqs, is_event, is_state, take_until

LIVE = ConnectionState.LIVE


@pytest.mark.asyncio
async def test_fresh_client_gets_snapshot_then_live_events(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """A client without a seq says hello with since=None, gets the snapshot, then live events."""
    session = make_session(office_server.base_url)
    session.start()
    stream = session.events()

    items = await take_until(stream, is_state(LIVE))
    office_server.append(2)
    items += await take_until(stream, is_event(12))

    assert items[0] is ConnectionState.CONNECTING
    assert isinstance(items[1], Snapshot) and items[1].seq == 10
    assert items[2:] == [LIVE, office_server.events[10], office_server.events[11]]
    assert office_server.hellos[0].since is None
    assert session.last_seq == 12


@pytest.mark.asyncio
async def test_client_that_missed_30_events_gets_exactly_those_then_live(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """After a drop the client resumes from its seq: the 30 missed events once, in order."""
    session = make_session(office_server.base_url)
    session.start()
    stream = session.events()
    await take_until(stream, is_state(LIVE))

    office_server.hold = asyncio.Event()  # the client cannot come back before the 30 exist
    await office_server.drop()
    office_server.append(30)
    office_server.hold.set()
    items = await take_until(stream, is_state(LIVE))
    office_server.append(5)
    items += await take_until(stream, is_event(45))

    assert [hello.since for hello in office_server.hellos] == [None, 10]
    assert office_server.replayed == [list(range(11, 41))]
    assert items[0] is ConnectionState.RECONNECTING
    assert event_seqs(items) == list(range(11, 46))
    assert session.last_seq == 45


@pytest.mark.asyncio
async def test_overlapping_replay_is_deduplicated(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """A replay that starts before the client's seq hands out only the events after it."""
    office_server.overlap = 3
    session = make_session(office_server.base_url, since=5)
    session.start()
    stream = session.events()

    items = await take_until(stream, is_state(LIVE))
    office_server.append(1)
    items += await take_until(stream, is_event(11))

    assert office_server.replayed == [list(range(3, 11))]
    assert event_seqs(items) == list(range(6, 12))


@pytest.mark.asyncio
async def test_events_already_in_the_snapshot_are_dropped(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """Envelopes resent after a snapshot, with seq <= snapshot.seq, are not handed out."""
    office_server.snapshot_overlap = 2
    session = make_session(office_server.base_url)
    session.start()
    stream = session.events()

    items = await take_until(stream, is_state(LIVE))
    office_server.append(1)
    items += await take_until(stream, is_event(11))

    assert [type(item) for item in items] == [ConnectionState, Snapshot, ConnectionState, Envelope]
    assert event_seqs(items) == [11]


@pytest.mark.asyncio
async def test_gap_makes_the_client_resume_instead_of_skipping(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """An event after a hole is held back; the client resumes with since=last and fills it."""
    session = make_session(office_server.base_url)
    session.start()
    stream = session.events()
    await take_until(stream, is_state(LIVE))

    office_server.skip_once = {13}
    office_server.append(5)
    items = await take_until(stream, is_event(15))

    assert [hello.since for hello in office_server.hellos] == [None, 12]
    assert event_seqs(items) == [11, 12, 13, 14, 15]
    assert ConnectionState.RECONNECTING in items


@pytest.mark.parametrize("with_message", [True, False], ids=["error-message", "close-4401-only"])
@pytest.mark.asyncio
async def test_bad_token_stops_the_session_without_retrying(
    office_server: FakeOfficeServer, make_session: SessionFactory, with_message: bool
) -> None:
    """A refused token shows REFUSED, the stream raises SessionRefused, no second attempt."""
    office_server.close_only_on_bad_token = not with_message
    connect = CountingConnect()
    session = make_session(office_server.base_url, token="revoked", ws_connect=connect)
    session.start()
    stream = session.events()

    items = await take_until(stream, is_state(ConnectionState.REFUSED))
    with pytest.raises(SessionRefused) as refused:
        async with asyncio.timeout(TIMEOUT):
            await anext(stream)
    await asyncio.sleep(0.2)  # forty backoff periods: time enough for a retry loop to show

    assert items == [ConnectionState.CONNECTING, ConnectionState.REFUSED]
    assert refused.value.code == ErrorCode.UNAUTHORIZED
    assert session.state is ConnectionState.REFUSED
    assert session.refusal is refused.value
    assert connect.calls == 1


@pytest.mark.asyncio
async def test_start_after_refusal_with_new_token_resumes(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """After a refusal, setting a good token and start() again resumes from the last seq."""
    session = make_session(office_server.base_url, token="expired", since=10)
    session.start()
    stream = session.events()
    await take_until(stream, is_state(ConnectionState.REFUSED))
    with pytest.raises(SessionRefused):
        async with asyncio.timeout(TIMEOUT):
            await anext(stream)

    session.token = next(iter(office_server.tokens))
    session.start()
    office_server.append(1)
    items = await take_until(session.events(), is_event(11))

    assert office_server.hellos[-1].since == 10
    assert event_seqs(items) == [11]


@pytest.mark.asyncio
async def test_close_ends_the_stream_and_the_background_task(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """close() stops the background task; the stream yields CLOSED and ends."""
    session = make_session(office_server.base_url)
    session.start()
    stream = session.events()
    await take_until(stream, is_state(LIVE))
    tasks_before = {task for task in asyncio.all_tasks() if task.get_name() == "okno-client-events"}

    await session.close()
    async with asyncio.timeout(TIMEOUT):
        rest = [item async for item in stream]

    assert len(tasks_before) == 1
    assert all(task.done() for task in tasks_before)
    assert rest == [ConnectionState.CLOSED]
    assert session.state is ConnectionState.CLOSED


@pytest.mark.asyncio
async def test_async_with_starts_and_closes(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """`async with session` starts following events and closes the session on exit."""
    session = make_session(office_server.base_url)
    async with session:
        items = await take_until(session.events(), is_state(LIVE))
    assert isinstance(items[1], Snapshot)
    assert session.state is ConnectionState.CLOSED


@pytest.mark.asyncio
async def test_handshake_refused_with_401_stops_the_session(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """An HTTP 401 on the WebSocket upgrade is a refusal too: REFUSED and no retry loop."""
    office_server.handshake_status = 401
    connect = CountingConnect()
    session = make_session(office_server.base_url, ws_connect=connect)
    session.start()

    items = await take_until(session.events(), is_state(ConnectionState.REFUSED))
    await asyncio.sleep(0.2)

    assert items == [ConnectionState.CONNECTING, ConnectionState.REFUSED]
    assert connect.calls == 1


@pytest.mark.asyncio
async def test_handshake_failing_with_503_is_retried(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """An HTTP 503 on the upgrade (server starting) is retried until the upgrade succeeds."""
    office_server.handshake_status = 503
    connect = CountingConnect()
    session = make_session(office_server.base_url, ws_connect=connect)
    session.start()
    stream = session.events()

    await take_until(stream, is_state(ConnectionState.RECONNECTING))
    office_server.handshake_status = None
    items = await take_until(stream, is_state(LIVE))

    assert connect.calls >= 2
    assert isinstance(items[-2], Snapshot)


@pytest.mark.asyncio
async def test_server_behind_the_client_makes_it_ask_for_a_snapshot(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """Resumed at a seq below the client's (a restored server) leads to a fresh snapshot."""
    session = make_session(office_server.base_url, since=50)
    session.start()

    items = await take_until(session.events(), is_state(LIVE))

    assert [hello.since for hello in office_server.hellos] == [50, None]
    snapshots = [item for item in items if isinstance(item, Snapshot)]
    assert [snapshot.seq for snapshot in snapshots] == [10]
    assert session.last_seq == 10


@pytest.mark.asyncio
async def test_events_of_another_office_are_not_handed_out(
    make_session: SessionFactory,
) -> None:
    """A server speaking for another office is a protocol fault: nothing from it is handed out."""
    server = FakeOfficeServer(office="office-2")
    server.append(3)
    await server.start()
    try:
        session = make_session(server.base_url)
        session.start()
        async with asyncio.timeout(TIMEOUT):
            await server.wait_for_hellos(3)
        await session.close()
        async with asyncio.timeout(TIMEOUT):
            items = [item async for item in session.events()]
    finally:
        await server.stop()

    assert all(isinstance(item, ConnectionState) for item in items)
    assert LIVE not in items


@pytest.mark.asyncio
async def test_restart_before_reading_the_refusal_keeps_the_stream_going(
    office_server: FakeOfficeServer, make_session: SessionFactory
) -> None:
    """A start() right after REFUSED is seen: the old run's end does not end the new stream."""
    session = make_session(office_server.base_url, token="expired")
    session.start()
    await take_until(session.events(), is_state(ConnectionState.REFUSED))

    session.token = next(iter(office_server.tokens))
    session.start()
    items = await take_until(session.events(), is_state(LIVE))

    assert items[0] is ConnectionState.CONNECTING
    assert isinstance(items[1], Snapshot)
