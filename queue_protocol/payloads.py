"""Typed `data` of every event and of the snapshot: what the server builds and clients read.

One ticket shape (`TicketPayload`) travels everywhere a ticket does: in `ticket.*` events (each
adds its own few fields), in the snapshot's `waiting` and `active` lists. Times are UTC with
millisecond precision and a `Z` (`2026-12-02T09:15:00.123Z`).

Every model ignores fields it does not know (see the addition rule in `queue_protocol`), so a
client built against this version reads the payloads of a newer server.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from queue_protocol.enums import Lang, OperatorState, Outcome, TicketClass, TicketStatus
from queue_protocol.events import EventType, format_utc
from queue_protocol.models import LocalizedText


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        # A time without an offset would be read as the receiver's local time.
        raise ValueError("a time on the wire must carry its UTC offset")
    return moment.astimezone(UTC)


#: A moment on the wire: parsed as an aware UTC datetime, written as `…T…​.mmmZ`.
UtcTime = Annotated[datetime, AfterValidator(_aware), PlainSerializer(format_utc, return_type=str)]


class Payload(BaseModel):
    """Base of every payload: frozen, and unknown fields are ignored (forward compatible)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict the server stores in the event log and sends."""
        return self.model_dump(mode="json")


# -- tickets -----------------------------------------------------------------------------


class TicketPayload(Payload):
    """A ticket as events and the snapshot carry it. No personal data, ever.

    `workplace*`, `operator` and `called_at` are set while the ticket is at a desk (called or
    being served); `workplace_name` is the workplace as the hall knows it ("Окно 3").
    """

    id: int
    number: str
    service: str
    status: TicketStatus
    ticket_class: TicketClass
    lang: Lang = Lang.RU
    issued_at: UtcTime
    not_before: UtcTime | None = None
    workplace: str | None = None
    workplace_name: LocalizedText | None = None
    workplace_kind: str | None = None
    operator: str | None = None
    called_at: UtcTime | None = None
    calls: int = 0


class TicketIssued(TicketPayload):
    """`ticket.issued`: a new ticket is waiting."""


class TicketCalled(TicketPayload):
    """`ticket.called`: show it on the board and speak it."""


class TicketRecalled(TicketPayload):
    """`ticket.recalled`: the same visitor called again (`calls` counts the calls)."""


class TicketStarted(TicketPayload):
    """`ticket.started`: the visitor came to the desk."""


class TicketFinished(TicketPayload):
    """`ticket.finished`: the service ended with `outcome`."""

    outcome: Outcome


class TicketNoShow(TicketPayload):
    """`ticket.no_show`: the called visitor did not come."""


class TicketReturned(TicketPayload):
    """`ticket.returned`: back in the queue, callable again from `not_before` (None: at once)."""


class TicketTransferred(TicketPayload):
    """`ticket.transferred`: now waiting in `service`, coming from `from_service`."""

    from_service: str
    to_operator: str | None = None
    to_workplace: str | None = None
    to_head: bool = False


class TicketCancelled(TicketPayload):
    """`ticket.cancelled`: the ticket left the queue without being served."""


# -- the queue, people, the configuration -------------------------------------------------


class ServiceQueueState(Payload):
    """One service's line: how many wait, the estimate for a newcomer, the longest wait so far.

    `estimate_minutes` is None when no available operator serves the service.
    """

    service: str
    waiting: int
    estimate_minutes: int | None
    longest_wait_minutes: float


class QueueChanged(Payload):
    """`queue.changed`: every service's line as it stands after the change."""

    services: list[ServiceQueueState]


class OperatorStatus(Payload):
    """`operator.status`: an operator became available, paused or offline."""

    operator: str
    name: str
    workplace: str | None
    state: OperatorState
    reason: str | None = None


class RatingRequested(Payload):
    """`rating.requested`: the rating terminal of `workplace` asks the visitor of `ticket`.

    `lang` is the ticket's language (the terminal asks in it); `effort` says whether the office
    asks the effort question (CES) after the score; `expires_at` is when the server stops
    accepting the rating.
    """

    ticket: int
    number: str
    service: str
    workplace: str | None
    operator: str
    lang: Lang = Lang.RU
    effort: bool = False
    expires_at: UtcTime | None = None


class RatingReceived(Payload):
    """`rating.received`: the visitor of `ticket` rated the service at `workplace`."""

    ticket: int
    workplace: str | None = None
    csat: int | None = Field(default=None, ge=1, le=5)
    step: int | None = None
    service: str | None = None
    operator: str | None = None
    ces: int | None = Field(default=None, ge=1, le=5)
    reasons: list[str] = Field(default_factory=list)


class BookingChanged(Payload):
    """`booking.created|cancelled|checked_in`: a pre-booking of `service` for `slot`."""

    booking: str
    service: str
    slot: UtcTime | None = None
    ticket: int | None = None
    # `booking.created` of a booking moved to `slot` from this earlier slot (None: a new one).
    moved_from: UtcTime | None = None


class ConfigChanged(Payload):
    """`config.changed`: the office's configuration changed; reload what names these ids.

    Lists are of what the change touched; all empty means "reload everything".
    """

    services: list[str] = Field(default_factory=list)
    operators: list[str] = Field(default_factory=list)
    workplaces: list[str] = Field(default_factory=list)
    devices: list[str] = Field(default_factory=list)


class DayReset(Payload):
    """`day.reset`: a service day was closed; `closed` are the ids of the tickets it ended."""

    day: date
    closed: list[int] = Field(default_factory=list)


class DeviceAlert(Payload):
    """`device.alert`: a device needs staff (a kiosk's printer offline or out of paper).

    `device` and `device_kind` come from the sender's token; `kind` (what part: "printer"),
    `code` (a stable name: "PaperOut") and `message` (a short sentence) from the device. Staff
    see it; the hall display and the other devices do not.
    """

    device: str
    device_kind: str
    workplace: str | None = None
    kind: str
    code: str
    message: str = ""


class Filtered(Payload):
    """`filtered`: an event this device is not shown (another workplace's rating, a ticket for a
    kiosk); nothing to do but move the seq on."""


class UnknownPayload(Payload):
    """The data of an event type this client does not know (a newer server): kept raw."""

    model_config = ConfigDict(frozen=True, extra="allow")

    @property
    def raw(self) -> dict[str, Any]:
        """The fields as received."""
        return dict(self.model_extra or {})


#: The payload model of each event type.
PAYLOADS: dict[EventType, type[Payload]] = {
    EventType.TICKET_ISSUED: TicketIssued,
    EventType.TICKET_CALLED: TicketCalled,
    EventType.TICKET_RECALLED: TicketRecalled,
    EventType.TICKET_STARTED: TicketStarted,
    EventType.TICKET_FINISHED: TicketFinished,
    EventType.TICKET_NO_SHOW: TicketNoShow,
    EventType.TICKET_RETURNED: TicketReturned,
    EventType.TICKET_TRANSFERRED: TicketTransferred,
    EventType.TICKET_CANCELLED: TicketCancelled,
    EventType.QUEUE_CHANGED: QueueChanged,
    EventType.OPERATOR_STATUS: OperatorStatus,
    EventType.RATING_REQUESTED: RatingRequested,
    EventType.RATING_RECEIVED: RatingReceived,
    EventType.BOOKING_CREATED: BookingChanged,
    EventType.BOOKING_CANCELLED: BookingChanged,
    EventType.BOOKING_CHECKED_IN: BookingChanged,
    EventType.CONFIG_CHANGED: ConfigChanged,
    EventType.DAY_RESET: DayReset,
    EventType.FILTERED: Filtered,
    EventType.DEVICE_ALERT: DeviceAlert,
}


# -- the snapshot ------------------------------------------------------------------------


class OfficeInfo(Payload):
    id: str
    name: LocalizedText
    timezone: str


class ServiceState(ServiceQueueState):
    """A service in the snapshot: its line plus what a board shows of it."""

    name: LocalizedText
    prefix: str


class OperatorPresence(Payload):
    """Who sits where, in what state, with which ticket."""

    operator: str
    name: str
    workplace: str | None
    state: OperatorState
    current_ticket: int | None = None


class WorkplaceInfo(Payload):
    id: str
    name: LocalizedText
    kind: str = "window"


class SnapshotData(Payload):
    """The snapshot's `data`: the office's present state, complete for a board or a desk.

    `waiting` is in call order; `active` are the tickets at desks, the latest call first.
    A device of a narrower scope (a rating terminal, a kiosk) gets the same shape with the
    lists it must not see left empty.
    """

    office: OfficeInfo
    services: list[ServiceState] = Field(default_factory=list)
    workplaces: list[WorkplaceInfo] = Field(default_factory=list)
    waiting: list[TicketPayload] = Field(default_factory=list)
    active: list[TicketPayload] = Field(default_factory=list)
    operators: list[OperatorPresence] = Field(default_factory=list)
