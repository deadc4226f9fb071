"""The outbox on a real database: queuing in the command's transaction, the worker's retries,
turn-near, reminders and the personal-data purge (SQLite, and PostgreSQL where marked)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, update

from queue_server.notify.channels import Channel, NoticeChannels, NoticeKind
from queue_server.notify.senders import FakeSender, SmtpConfig, SmtpSecurity, SmtpSender
from queue_server.service import commands as c
from queue_server.service.bus import QueueService
from queue_server.service.notices import booking_notice, notice_jobs
from queue_server.service.outbox import MAX_ATTEMPTS, Outbox, retry_delay
from queue_server.service.tx import Tx
from queue_server.storage import tables as t
from queue_server.storage.db import office_transaction
from queue_server.storage.notices import BookingContactRow, list_notices
from queue_server.storage.repository import Repository
from tests.helpers.office import OFFICE, FakeClock, Office, make_office
from tests.helpers.postgres import fresh_database

pytestmark = pytest.mark.integration

ALL = NoticeChannels(email=True, sms=True, webhook=True, turn_near_ahead=2)
MANAGE = "https://okno.test/book/manage/s3cret"
# Never connected to: the notice is refused before any connection.
UNUSED_SMTP = SmtpConfig("127.0.0.1", 9, "okno@example.ru", SmtpSecurity.NONE)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Office]:
    """The test office (SQLite file or fresh PostgreSQL database), 10 March 2026 10:00 UTC."""
    clock = FakeClock(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    if request.param == "sqlite":
        office = make_office(tmp_path / "okno.db", clock)
        yield office
        office.engine.dispose()
        return
    template = request.getfixturevalue("pg_template")
    with fresh_database(template) as url:
        office = make_office(url, clock, prepared=True)
        yield office
        office.engine.dispose()


def add_booking(
    engine: Engine,
    slot_at: datetime,
    *,
    code: str = "K7M2QX",
    phone: str | None = "+79161234512",
    email: str | None = "anna@example.ru",
    name: str | None = "Анна",
    created_at: datetime | None = None,
    status: str = "booked",
    lang: str = "ru",
) -> BookingContactRow:
    """A booking with a contact, straight into the database."""
    created = created_at or slot_at - timedelta(days=3)
    values: dict[str, Any] = dict(
        office=OFFICE,
        service="reg",
        slot_at=slot_at,
        code=code,
        manage_hash=hashlib.sha256(code.encode()).hexdigest(),
        status=status,
        lang=lang,
        source="web",
        created_at=created,
        changed_at=created,
        name=name,
        phone=phone,
        email=email,
        consent_at=created if (phone or email) else None,
    )
    with engine.begin() as conn:
        key = conn.execute(insert(t.bookings).values(**values)).inserted_primary_key
    assert key is not None
    return BookingContactRow(int(key[0]), "reg", slot_at, code, lang, name, phone, email)


def in_tx(office: Office, channels: NoticeChannels, work: Any) -> Any:
    """Run `work(tx)` in one office transaction, as a booking command would."""
    with office_transaction(office.engine, OFFICE) as conn:
        repo = Repository(conn)
        row = repo.office(OFFICE)
        assert row is not None
        tx = Tx(repo=repo, office=row, now=office.clock(), status_url=str, notices=channels)
        return work(tx)


def notices(engine: Engine, **filters: Any) -> list[Any]:
    with engine.connect() as conn:
        rows = list_notices(conn, limit=1000)
    return [r for r in rows if all(getattr(r, k) == v for k, v in filters.items())]


def test_booking_notice_queues_one_row_per_allowed_channel(office: Office) -> None:
    """E-mail and SMS when the contact has both, plus the webhook: three rows, in the booking's
    transaction, carrying what the confirmation needs."""
    booking = add_booking(office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC))
    count = in_tx(
        office,
        ALL,
        lambda tx: booking_notice(tx, "booking_confirmation", booking, manage_url=MANAGE),
    )
    rows = notices(office.engine)
    assert count == 3
    assert {(r.channel, r.recipient) for r in rows} == {
        ("email", "anna@example.ru"),
        ("sms", "+79161234512"),
        ("webhook", None),
    }
    data = rows[0].data
    assert (data["code"], data["date"], data["time"]) == ("K7M2QX", "12.03.2026", "10:30")
    assert data["manage_url"] == MANAGE and data["service_name"]["ru"] == "Регистрация"
    assert all(r.status == "pending" and r.booking == booking.id for r in rows)


def test_unconfigured_channels_and_missing_contact_queue_nothing(office: Office) -> None:
    """No channel configured: nothing queued; SMS only configured and no phone: nothing either."""
    booking = add_booking(office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC), phone=None)
    assert in_tx(office, NoticeChannels(), lambda tx: booking_notice(tx, "reminder", booking)) == 0
    sms_only = NoticeChannels(sms=True)
    assert in_tx(office, sms_only, lambda tx: booking_notice(tx, "reminder", booking)) == 0
    assert notices(office.engine) == []


def test_a_rolled_back_command_leaves_no_notice(office: Office) -> None:
    """The notice shares the command's transaction: a refusal after queuing queues nothing."""
    booking = add_booking(office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC))

    def refuse(tx: Tx) -> None:
        booking_notice(tx, NoticeKind.CANCELLATION, booking)
        raise RuntimeError("refused after queuing")

    with pytest.raises(RuntimeError):
        in_tx(office, ALL, refuse)
    assert notices(office.engine) == []


@pytest.mark.asyncio
async def test_worker_sends_and_marks_sent(office: Office) -> None:
    """Each due notice goes to its channel's sender once and is marked sent with the time."""
    booking = add_booking(office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC))
    in_tx(office, ALL, lambda tx: booking_notice(tx, "booking_confirmation", booking))
    senders = {ch: FakeSender(ch) for ch in Channel}
    outbox = Outbox(office.engine, senders, office.clock)
    assert await outbox.run_once() == 3
    assert await outbox.run_once() == 0
    email = senders[Channel.EMAIL].sent[0]
    assert email.recipient == "anna@example.ru" and "K7M2QX" in email.text
    assert email.subject.startswith("Запись подтверждена")
    sms = senders[Channel.SMS].sent[0]
    assert sms.text.startswith("Запись 12.03.2026 10:30, код K7M2QX")
    hook = senders[Channel.WEBHOOK].sent[0].payload
    assert hook["kind"] == "booking_confirmation" and hook["data"]["code"] == "K7M2QX"
    assert "name" not in hook["data"] and "manage_url" not in hook["data"]
    assert all(r.status == "sent" and r.sent_at is not None for r in notices(office.engine))


@pytest.mark.asyncio
async def test_worker_retries_with_backoff_then_fails(office: Office) -> None:
    """A failing channel is retried at 30 s, 1 min, 2 min … and is failed after 8 attempts,
    with the last error kept; a notice is never tried before it is due."""
    booking = add_booking(office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC), email=None)
    in_tx(office, NoticeChannels(sms=True), lambda tx: booking_notice(tx, "reminder", booking))
    sms = FakeSender(Channel.SMS, fail=100)
    outbox = Outbox(office.engine, {Channel.SMS: sms}, office.clock)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await outbox.run_once() == 1
        [row] = notices(office.engine)
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            delay = retry_delay(attempt)
            assert delay is not None
            assert row.status == "pending" and row.next_attempt_at == office.clock() + delay
            office.clock.advance(seconds=delay.total_seconds() - 1)
            assert await outbox.run_once() == 0  # not due yet
            office.clock.advance(seconds=1)
    [row] = notices(office.engine)
    assert row.status == "failed" and row.last_error == "fake failure"
    office.clock.advance(minutes=600)
    assert await outbox.run_once() == 0


@pytest.mark.asyncio
async def test_worker_leaves_channels_it_has_no_sender_for(office: Office) -> None:
    """A process without a sender for a channel leaves those notices pending for one that has."""
    booking = add_booking(office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC))
    in_tx(office, ALL, lambda tx: booking_notice(tx, "reminder", booking))
    outbox = Outbox(office.engine, {Channel.EMAIL: FakeSender(Channel.EMAIL)}, office.clock)
    assert await outbox.run_once() == 1
    assert {r.channel: r.status for r in notices(office.engine)} == {
        "email": "sent",
        "sms": "pending",
        "webhook": "pending",
    }


@pytest.mark.asyncio
async def test_two_workers_never_send_one_notice_twice(office: Office) -> None:
    """Two outboxes (two server processes) claiming at once share the rows, each sent once."""
    for n in range(12):
        booking = add_booking(
            office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC), code=f"C{n:05d}", phone=None
        )
        in_tx(
            office,
            NoticeChannels(email=True),
            lambda tx, b=booking: booking_notice(tx, "reminder", b),
        )
    first, second = FakeSender(Channel.EMAIL), FakeSender(Channel.EMAIL)
    outboxes = [
        Outbox(office.engine, {Channel.EMAIL: sender}, office.clock, batch=5)
        for sender in (first, second)
    ]
    while sum(await asyncio.gather(*(o.run_once() for o in outboxes))):
        pass
    sent = [o.notice for o in first.sent + second.sent]
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 12


def _checked_in(office: Office, ticket: int, booking: int) -> None:
    with office.engine.begin() as conn:
        conn.execute(update(t.tickets).where(t.tickets.c.id == ticket).values(booking=booking))


def test_turn_near_sms_once_when_few_are_ahead(office: Office) -> None:
    """A booked visitor with a phone gets one turn-near SMS when `turn_near_ahead` or fewer are
    ahead, and no second one on later queue changes; nothing while more are ahead."""
    service = QueueService(office.engine, str, office.clock, notices=ALL)
    ids = [service.execute(c.IssueTicket(OFFICE, "reg")).body["id"] for _ in range(4)]
    booking = add_booking(office.engine, datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    _checked_in(office, ids[3], booking.id)  # 3 ahead: more than 2
    service.execute(c.IssueTicket(OFFICE, "vac"))
    assert notices(office.engine, kind="turn_near") == []
    service.execute(c.CancelTicket(OFFICE, ids[0]))  # 2 ahead now
    [near] = notices(office.engine, kind="turn_near")
    assert (near.channel, near.recipient, near.ticket) == ("sms", "+79161234512", ids[3])
    assert near.data["ahead"] == 2 and near.data["number"] == "А004"
    service.execute(c.CancelTicket(OFFICE, ids[1]))
    assert len(notices(office.engine, kind="turn_near")) == 1


def test_turn_near_off_without_sms(office: Office) -> None:
    """Without an SMS gateway no turn-near notice is queued (no other channel carries it)."""
    service = QueueService(office.engine, str, office.clock, notices=NoticeChannels(email=True))
    ticket = service.execute(c.IssueTicket(OFFICE, "reg")).body["id"]
    booking = add_booking(office.engine, datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    _checked_in(office, ticket, booking.id)
    service.execute(c.IssueTicket(OFFICE, "reg"))
    assert notices(office.engine) == []


def test_reminder_the_day_before_once_per_booking(office: Office) -> None:
    """From 10:00 office time the day before, each booking for tomorrow gets one reminder
    (carrying the confirmation's manage link); not today's, not the day after's, not cancelled
    ones, not one booked today, and never twice."""
    clock = office.clock  # 10 March 2026 06:00 UTC = 09:00 Moscow: too early
    clock.now = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
    tomorrow = add_booking(office.engine, datetime(2026, 3, 11, 6, 0, tzinfo=UTC), code="T1")
    in_tx(
        office,
        ALL,
        lambda tx: booking_notice(tx, "booking_confirmation", tomorrow, manage_url=MANAGE),
    )
    add_booking(office.engine, datetime(2026, 3, 10, 12, 0, tzinfo=UTC), code="TODAY")
    add_booking(office.engine, datetime(2026, 3, 12, 6, 0, tzinfo=UTC), code="LATER")
    add_booking(
        office.engine, datetime(2026, 3, 11, 7, 0, tzinfo=UTC), code="X", status="cancelled"
    )
    add_booking(
        office.engine,
        datetime(2026, 3, 11, 8, 0, tzinfo=UTC),
        code="NEW",
        created_at=datetime(2026, 3, 10, 5, 0, tzinfo=UTC),
    )
    assert notice_jobs(office.engine, OFFICE, clock(), ALL, 30) == (0, 0)
    clock.now = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 10:00 Moscow
    assert notice_jobs(office.engine, OFFICE, clock(), ALL, 30) == (1, 0)
    reminders = notices(office.engine, kind="reminder")
    assert {r.booking for r in reminders} == {tomorrow.id} and len(reminders) == 3
    assert reminders[0].data["manage_url"] == MANAGE
    clock.advance(minutes=60)
    assert notice_jobs(office.engine, OFFICE, clock(), ALL, 30) == (0, 0)


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = (t.tickets, t.steps, t.ratings, t.events, t.bookings, t.notices)
    with engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]
            for table in tables
        }


def test_purge_erases_old_contacts_and_nothing_else(office: Office) -> None:
    """Contacts of visits older than purge_days go (bookings' name/phone/email, notices'
    recipient and personal data); recent bookings, their notices, tickets, steps, ratings,
    events and the booking rows themselves stay exactly as they were."""
    clock = office.clock
    old = add_booking(office.engine, datetime(2026, 2, 1, 7, 0, tzinfo=UTC), code="OLD")
    recent = add_booking(office.engine, datetime(2026, 3, 1, 7, 0, tzinfo=UTC), code="RECENT")
    future = add_booking(office.engine, datetime(2026, 4, 1, 7, 0, tzinfo=UTC), code="FUTURE")
    for booking in (old, recent, future):
        in_tx(
            office,
            ALL,
            lambda tx, b=booking: booking_notice(tx, "booking_confirmation", b, manage_url=MANAGE),
        )
    office.service.execute(c.IssueTicket(OFFICE, "reg"))
    with office.engine.begin() as conn:
        conn.execute(
            update(t.notices)
            .where(t.notices.c.channel == "email")
            .values(last_error="SMTP 550 <anna@example.ru> unknown")
        )
    before = _snapshot(office.engine)
    clock.now = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # 37 days after OLD, 9 after RECENT
    assert notice_jobs(office.engine, OFFICE, clock(), NoticeChannels(), 30) == (0, 1)
    after = _snapshot(office.engine)
    for name in ("tickets", "steps", "ratings", "events"):
        assert after[name] == before[name]
    columns = [col.name for col in t.bookings.columns]
    changed_bookings = {}
    for was, now in zip(before["bookings"], after["bookings"], strict=True):
        diff = {col for col, a, b in zip(columns, was, now, strict=True) if a != b}
        if diff:
            changed_bookings[now[0]] = diff
    assert changed_bookings == {old.id: {"name", "phone", "email", "purged_at"}}
    with office.engine.connect() as conn:
        purged = conn.execute(select(t.bookings).where(t.bookings.c.id == old.id)).one()
    assert (purged.name, purged.phone, purged.email) == (None, None, None)
    assert purged.purged_at == clock() and purged.code == "OLD" and purged.status == "booked"
    for row in notices(office.engine):
        if row.booking == old.id:
            assert row.recipient is None
            assert not {"name", "manage_url", "phone", "email"} & set(row.data)
            assert row.data["code"] == "OLD"
            if row.channel == "email":
                assert row.last_error == "SMTP 550 <a***@example.ru> unknown"
        else:
            assert row.recipient is not None or row.channel == "webhook"
            assert row.data["manage_url"] == MANAGE and row.data["name"] == "Анна"
            if row.channel == "email":
                assert row.last_error == "SMTP 550 <anna@example.ru> unknown"
    unchanged_notices = [r for r in after["notices"] if r[12] != old.id]
    assert unchanged_notices == [r for r in before["notices"] if r[12] != old.id]
    assert notice_jobs(office.engine, OFFICE, clock(), NoticeChannels(), 30) == (0, 0)
    with office.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.bookings)).scalar() == 3


@pytest.mark.asyncio
async def test_housekeeping_round_runs_reminders_and_purge(office: Office, tmp_path: Path) -> None:
    """The server's minute housekeeping round queues reminders with the server's channels and
    purges contacts older than the server's purge_days."""
    from queue_server.api.events import encode_row
    from queue_server.bootstrap import Container
    from queue_server.service.housekeeping import housekeep
    from queue_server.service.hub import EventHub
    from queue_server.settings import ServerSettings

    office.clock.now = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # 11:00 Moscow
    old = add_booking(office.engine, datetime(2026, 3, 1, 7, 0, tzinfo=UTC), code="OLD")
    tomorrow = add_booking(office.engine, datetime(2026, 3, 11, 7, 0, tzinfo=UTC), code="TMRW")
    settings = ServerSettings(database_url="sqlite://", public_url="http://okno.test", purge_days=7)
    service = QueueService(office.engine, str, office.clock, notices=NoticeChannels(sms=True))
    container = Container(
        settings, office.engine, service, office.queries, office.auth, EventHub(encode_row)
    )
    await housekeep(container)
    [reminder] = notices(office.engine, kind="reminder")
    assert (reminder.booking, reminder.channel) == (tomorrow.id, "sms")
    with office.engine.connect() as conn:
        phones = dict(conn.execute(select(t.bookings.c.id, t.bookings.c.phone)).all())
    assert phones == {old.id: None, tomorrow.id: "+79161234512"}


@pytest.mark.asyncio
async def test_notice_without_recipient_fails_at_once(office: Office) -> None:
    """A notice no retry can send (its recipient erased) is failed on the first attempt,
    with the reason, instead of being retried eight times."""
    booking = add_booking(office.engine, datetime(2026, 3, 12, 7, 30, tzinfo=UTC), phone=None)
    in_tx(office, NoticeChannels(email=True), lambda tx: booking_notice(tx, "reminder", booking))
    with office.engine.begin() as conn:
        conn.execute(update(t.notices).values(recipient=None))
    outbox = Outbox(office.engine, {Channel.EMAIL: SmtpSender(UNUSED_SMTP)}, office.clock)
    assert await outbox.run_once() == 1
    [row] = notices(office.engine)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "no e-mail address")
