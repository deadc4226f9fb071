"""Online pre-booking: the commands (BookSlot, CancelBooking, MoveBooking), the read side
(`BookingQueries`) and the API clients of outside systems.

The commands run through `QueueService.execute` in the office's serialized transaction: counting
a slot's live bookings and inserting one cannot interleave with another command of the office, on
one server process or many (PostgreSQL row lock), so a slot never holds more than its capacity.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from queue_protocol.bookings import BookedSlot, BookingView, FreeDays, FreeSlots, SlotView
from queue_protocol.events import EventType
from queue_protocol.models import LocalizedText
from queue_protocol.payloads import BookingChanged
from queue_server.domain import errors
from queue_server.domain import slots as engine_
from queue_server.domain.bookings import (
    BookingClosed,
    BookingNotFound,
    BookingStatus,
    contact,
    new_code,
    new_secret,
    normalize_code,
    secret_hash,
)
from queue_server.domain.slots import BookingRules, Calendar, Refusal
from queue_server.service import commands as c
from queue_server.service.notices import booking_notice
from queue_server.service.tx import Tx
from queue_server.storage.bookings import ApiClientRow, BookingRecord, BookingStore
from queue_server.storage.db import read_transaction
from queue_server.storage.repository import OfficeRow, Repository, ServiceRow

log = logging.getLogger("okno.server")

#: where the public booking pages show a booking to the holder of its manage secret
MANAGE_PATH = "/book/manage/"

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _not_bookable(service: ServiceRow) -> engine_.BookingRefused:
    name_ru, name_en = service.name.get("ru", service.id), service.name.get("en") or service.id
    return engine_.BookingRefused(
        Refusal.NOT_BOOKABLE.value,
        f"На услугу «{name_ru}» нет предварительной записи: возьмите талон в офисе",
        f"'{name_en}' cannot be booked in advance: please take a ticket at the office",
    )


def _unknown_booking(code: str) -> BookingNotFound:
    return BookingNotFound(
        "booking_not_found",
        f"Запись с кодом {code[:16]} не найдена: проверьте код",
        f"No booking with code {code[:16]}: please check the code",
    )


def _unknown_office(office: str) -> errors.NotFound:
    return errors.NotFound(
        "unknown_office", f"Офис «{office}» не найден", f"Unknown office '{office}'"
    )


def _unknown_service(service: str) -> errors.NotFound:
    return errors.NotFound(
        "unknown_service", f"Услуга «{service}» не найдена", f"Unknown service '{service}'"
    )


def _local_text(tz: ZoneInfo, moment: datetime) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def booking_view(record: BookingRecord, service: ServiceRow | None, tz: ZoneInfo) -> BookingView:
    """What the holder of a booking sees of it (no contact)."""
    return BookingView(
        office=record.office,
        code=record.code,
        service=record.service,
        service_name=LocalizedText.model_validate(
            service.name if service else {"ru": record.service}
        ),
        slot_at=record.slot_at,
        slot_local=_local_text(tz, record.slot_at),
        status=record.status,
        lang=record.lang,
        has_contact=bool(record.name or record.phone or record.email),
    )


# -- commands -----------------------------------------------------------------------------------


def _rules(
    tx: Tx, store: BookingStore, service_id: str
) -> tuple[ServiceRow, BookingRules, Calendar]:
    service = tx.service(service_id)
    rules = store.service_rules(tx.office.id).get(service.id)
    if rules is None or not rules.bookable:
        raise _not_bookable(service)
    return service, rules, store.calendar(tx.office.id, tx.tz)


def _counts(
    store: BookingStore, tx: Tx, service: str, cal: Calendar, slot_at: datetime
) -> dict[datetime, int]:
    """Live bookings of the slot's local day (all a refusal looks at: the slot and its day)."""
    day = slot_at.astimezone(cal.tz).date()
    start, end = engine_.day_bounds(cal, day, day)
    return dict(store.counts(tx.office.id, service, start, end))


def _check(
    rules: BookingRules,
    cal: Calendar,
    now: datetime,
    slot_at: datetime,
    counts: dict[datetime, int],
) -> None:
    reason = engine_.refusal(rules, cal, now, slot_at, counts)
    if reason is not None:
        raise engine_.refused(reason, rules, slot_at.astimezone(cal.tz))


def _slot_utc(slot_at: datetime, rules: BookingRules, cal: Calendar, now: datetime) -> datetime:
    """`slot_at` in UTC; a time far from now (even beyond what a datetime holds in another
    zone) is refused at once as past or beyond the horizon, before anything is counted."""
    try:
        moment = slot_at.astimezone(UTC)
        local: datetime | None = moment.astimezone(cal.tz)
    except OverflowError:
        past = slot_at.year <= 1
        moment, local = (datetime.min if past else datetime.max).replace(tzinfo=UTC), None
    if abs(moment - now) > timedelta(days=rules.horizon_days + 2):
        reason = Refusal.SLOT_IN_PAST if moment <= now else Refusal.BEYOND_HORIZON
        raise engine_.refused(reason, rules, local)
    return moment


def _changed(tx: Tx, kind: EventType, record: BookingRecord, **extra: object) -> None:
    tx.emit(
        kind,
        BookingChanged(
            booking=str(record.id), service=record.service, slot=record.slot_at, **extra
        ),
    )


def _notice(
    tx: Tx,
    kind: str,
    record: BookingRecord,
    manage_url: str | None = None,
    extra: dict[str, object] | None = None,
) -> None:
    """Queue the visitor's notice (the notices outbox) in this transaction."""
    booking_notice(tx, kind, record, manage_url=manage_url, extra=extra)


def _manage_url(tx: Tx, secret: str) -> str:
    # status_url("") is "<public base>/t/": the manage page lives beside it.
    base = tx.status_url("").removesuffix("/t/")
    return f"{base}{MANAGE_PATH}{secret}"


def book_slot(tx: Tx, cmd: c.BookSlot) -> BookedSlot:
    """Book one place of `cmd.slot_at`; refused (nothing written) when the engine says no."""
    store = BookingStore(tx.repo.conn)
    service, rules, cal = _rules(tx, store, cmd.service)
    slot_at = _slot_utc(cmd.slot_at, rules, cal, tx.now)
    who = contact(cmd.name, cmd.phone, cmd.email, cmd.consent)
    _check(rules, cal, tx.now, slot_at, _counts(store, tx, service.id, cal, slot_at))
    code = new_code()
    for _ in range(50):
        if not store.code_taken(tx.office.id, code):
            break
        code = new_code()
    else:  # pragma: no cover - 22**8 codes per office
        raise RuntimeError("no free booking code")
    secret = new_secret()
    booking_id = store.insert(
        office=tx.office.id,
        service=service.id,
        slot_at=slot_at,
        code=code,
        manage_hash=secret_hash(secret),
        status=BookingStatus.BOOKED.value,
        lang=cmd.lang if cmd.lang in ("ru", "en") else "ru",
        source=cmd.source[:80],
        created_at=tx.now,
        changed_at=tx.now,
        name=who.name,
        phone=who.phone,
        email=who.email,
        consent_at=tx.now if who.any else None,
    )
    record = store.by_id(booking_id)
    assert record is not None
    _changed(tx, EventType.BOOKING_CREATED, record)
    _notice(tx, "booking_confirmation", record, _manage_url(tx, secret))
    view = booking_view(record, service, tx.tz)
    return BookedSlot(**view.model_dump(), manage_secret=secret)


def _open_booking(tx: Tx, store: BookingStore, code_text: str) -> BookingRecord:
    code = normalize_code(code_text)
    record = store.by_code(tx.office.id, code)
    if record is None:
        raise _unknown_booking(code)
    if record.status != BookingStatus.BOOKED.value:
        ru, en = {
            BookingStatus.CANCELLED.value: ("уже отменена", "was already cancelled"),
            BookingStatus.CHECKED_IN.value: ("уже отмечена в офисе", "is already checked in"),
        }.get(record.status, ("закрыта", "is closed"))
        raise BookingClosed(
            "booking_closed",
            f"Запись {record.code} {ru}: изменить её нельзя",
            f"Booking {record.code} {en}: it cannot be changed",
        )
    if record.slot_at <= tx.now:
        raise BookingClosed(
            "booking_closed",
            f"Время записи {record.code} уже наступило: изменить её нельзя",
            f"The time of booking {record.code} has come: it cannot be changed",
        )
    return record


def cancel_booking(tx: Tx, cmd: c.CancelBooking) -> BookingView:
    """Cancel a booked (not yet checked-in, not past) booking; its place is free again."""
    store = BookingStore(tx.repo.conn)
    record = _open_booking(tx, store, cmd.code)
    store.update(record.id, status=BookingStatus.CANCELLED.value, changed_at=tx.now)
    cancelled = store.by_id(record.id)
    assert cancelled is not None
    _changed(tx, EventType.BOOKING_CANCELLED, cancelled)
    _notice(tx, "cancellation", cancelled)
    return booking_view(cancelled, tx.services.get(record.service), tx.tz)


def move_booking(tx: Tx, cmd: c.MoveBooking) -> BookingView:
    """Move a booked booking to another slot of its service (same code and manage link)."""
    store = BookingStore(tx.repo.conn)
    record = _open_booking(tx, store, cmd.code)
    service, rules, cal = _rules(tx, store, record.service)
    slot_at = _slot_utc(cmd.slot_at, rules, cal, tx.now)
    if slot_at == record.slot_at:
        return booking_view(record, service, tx.tz)
    counts = _counts(store, tx, service.id, cal, slot_at)
    if record.slot_at in counts:  # the booking's own place does not count against its move
        counts[record.slot_at] -= 1
    _check(rules, cal, tx.now, slot_at, counts)
    store.update(record.id, slot_at=slot_at, changed_at=tx.now)
    moved = store.by_id(record.id)
    assert moved is not None
    _changed(tx, EventType.BOOKING_CREATED, moved, moved_from=record.slot_at)
    # The manage secret is not known here (only its hash): the notice says the new time.
    _notice(tx, "booking_confirmation", moved, extra={"moved_from": record.slot_at.isoformat()})
    return booking_view(moved, service, tx.tz)


def mark_missed(tx: Tx) -> int:
    """Housekeeping: bookings of earlier service days never checked in become `missed` (the
    same day a late visitor may still come under the office's late policy); returns how many."""
    today = tx.now.astimezone(tx.tz).date()
    start_of_today = datetime.combine(today, datetime.min.time()).replace(tzinfo=tx.tz)
    return BookingStore(tx.repo.conn).mark_missed_before(
        tx.office.id, start_of_today.astimezone(UTC), tx.now
    )


# -- the read side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Office:
    row: OfficeRow
    tz: ZoneInfo
    services: dict[str, ServiceRow]


class BookingQueries:
    """Read-only questions of the booking pages and API, each from one consistent snapshot.

    Every method raises `DomainError` (unknown office or service, not bookable) with RU/EN text;
    the lookups return None when nothing matches (the caller says "not found" its own way).
    """

    def __init__(self, engine: Engine, clock: Clock = _utc_now) -> None:
        self.engine = engine
        self.clock = clock

    @staticmethod
    def _office(repo: Repository, office: str) -> _Office:
        row = repo.office(office)
        if row is None:
            raise _unknown_office(office)
        return _Office(row, ZoneInfo(row.timezone), {s.id: s for s in repo.services(office)})

    def _service(
        self, repo: Repository, store: BookingStore, office: _Office, service: str
    ) -> tuple[BookingRules, Calendar]:
        row = office.services.get(service)
        if row is None or not row.active:
            raise _unknown_service(service)
        rules = store.service_rules(office.row.id).get(service)
        if rules is None or not rules.bookable:
            raise _not_bookable(row)
        return rules, store.calendar(office.row.id, office.tz)

    def bookable_services(self, office: str) -> list[str]:
        """The ids of the office's services that take bookings, in the menu's order."""
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            known = self._office(repo, office)
            rules = BookingStore(conn).service_rules(office)
            return [s for s in known.services if s in rules and rules[s].bookable]

    def free_days(self, office: str, service: str, year: int, month: int) -> FreeDays:
        """The days of `year`-`month` (office time) with a slot of `service` bookable now."""
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise errors.NotFound("unknown_month", "Такого месяца нет", "No such month")
        with read_transaction(self.engine) as conn:
            repo, store = Repository(conn), BookingStore(conn)
            known = self._office(repo, office)
            rules, cal = self._service(repo, store, known, service)
            first = date(year, month, 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            start, end = engine_.day_bounds(cal, first, last)
            counts = store.counts(office, service, start, end)
            days = engine_.free_days(rules, cal, self.clock(), year, month, counts)
        return FreeDays(office=office, service=service, year=year, month=month, days=days)

    def free_slots(self, office: str, service: str, day: date) -> FreeSlots:
        """The slots of `service` on local `day` bookable now, with the places left."""
        with read_transaction(self.engine) as conn:
            repo, store = Repository(conn), BookingStore(conn)
            known = self._office(repo, office)
            rules, cal = self._service(repo, store, known, service)
            now = self.clock()
            if abs(day - now.date()) > timedelta(days=rules.horizon_days + 2):
                free = []  # far past or beyond the horizon (also dates no zone can shift)
            else:
                start, end = engine_.day_bounds(cal, day, day)
                counts = store.counts(office, service, start, end)
                free = engine_.free_slots(rules, cal, now, day, counts)
        return FreeSlots(
            office=office,
            service=service,
            date=day,
            slots=[SlotView(at=s.at, local=s.local.strftime("%H:%M"), left=s.left) for s in free],
        )

    def booking_by_code(self, office: str, code: str) -> BookingView | None:
        """The office's booking with `code` (as typed: case and dashes do not matter)."""
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            known = self._office(repo, office)
            record = BookingStore(conn).by_code(office, normalize_code(code))
            if record is None:
                return None
            return booking_view(record, known.services.get(record.service), known.tz)

    def booking_by_manage_secret(self, secret: str) -> BookingView | None:
        """The booking whose private manage link holds `secret`, in any office."""
        if not secret or len(secret) > 200:
            return None
        with read_transaction(self.engine) as conn:
            record = BookingStore(conn).by_manage_hash(secret_hash(secret))
            if record is None:
                return None
            known = self._office(Repository(conn), record.office)
            return booking_view(record, known.services.get(record.service), known.tz)

    def booking_by_code_and_phone_last4(
        self, office: str, code: str, last4: str
    ) -> BookingView | None:
        """The booking with `code` whose phone ends in `last4` (a visitor who lost the link);
        None when either does not match or the booking has no phone."""
        digits = "".join(ch for ch in last4 if ch.isdigit())
        if len(digits) != 4:
            return None
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            known = self._office(repo, office)
            record = BookingStore(conn).by_code(office, normalize_code(code))
            if record is None or not record.phone:
                return None
            if not hmac.compare_digest(record.phone[-4:], digits):
                return None
            return booking_view(record, known.services.get(record.service), known.tz)


# -- API clients (outside systems) ------------------------------------------------------------


def _token_hash(token: str) -> str:
    return secret_hash(token)


def add_api_client(
    engine: Engine, office: str, name: str, client_id: str | None = None
) -> tuple[str, str]:
    """Register an outside system of `office`; returns (client id, bearer token).

    The token is shown once: only its sha256 is stored. Raises NotFound for an unknown office
    and ValueError for a taken id.
    """
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise ValueError("the client's name must be 1 to 120 characters")
    token = "okb_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        if Repository(conn).office(office) is None:
            raise _unknown_office(office)
        store = BookingStore(conn)
        client = client_id or f"{office}-{secrets.token_hex(4)}"
        if store.api_client(client) is not None:
            raise ValueError(f"API client {client!r} already exists")
        store.add_api_client(client, office, name, _token_hash(token), _utc_now())
    log.info("api client added", extra={"office": office, "client": client})
    return client, token


def revoke_api_client(engine: Engine, client_id: str) -> ApiClientRow:
    """Deactivate an API client: its token is refused (by a running server within seconds).
    Raises NotFound for an unknown client."""
    with engine.begin() as conn:
        store = BookingStore(conn)
        row = store.api_client(client_id)
        if row is None:
            raise errors.NotFound(
                "unknown_api_client",
                f"Внешняя система «{client_id}» не найдена",
                f"Unknown API client '{client_id}'",
            )
        store.set_api_client_active(client_id, False)
    log.info("api client revoked", extra={"office": row.office, "client": client_id})
    return row


def api_client_for_token(engine: Engine, token: str) -> ApiClientRow | None:
    """The active API client holding `token`, or None."""
    if not token or len(token) > 200:
        return None
    with read_transaction(engine) as conn:
        row = BookingStore(conn).api_client_by_token(_token_hash(token))
    return row if row is not None and row.active else None
