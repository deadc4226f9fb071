"""Commands: small dataclasses named as orders; `handlers.HANDLERS` maps each to its handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IssueTicket:
    """Issue a ticket; `by_kiosk` when a kiosk asks (it may not issue staff-only services)."""

    office: str
    service: str
    priority: bool = False
    lang: str = "ru"
    by_kiosk: bool = False
    note: str | None = None  # the supervisor's note for the specialist


@dataclass(frozen=True)
class DeskCommand:
    """A command of an operator at their own workplace."""

    office: str
    operator: str
    workplace: str


@dataclass(frozen=True)
class CallNext(DeskCommand):
    pass


@dataclass(frozen=True)
class CallTicket(DeskCommand):
    ticket: int


@dataclass(frozen=True)
class Recall(DeskCommand):
    pass


@dataclass(frozen=True)
class StartService(DeskCommand):
    pass


@dataclass(frozen=True)
class Finish(DeskCommand):
    outcome: str = "resolved"


@dataclass(frozen=True)
class NoShow(DeskCommand):
    pass


@dataclass(frozen=True)
class ReturnToQueue(DeskCommand):
    minutes: int = 0


@dataclass(frozen=True)
class Transfer(DeskCommand):
    service: str
    to_operator: str | None = None
    to_workplace: str | None = None
    to_head: bool = False


@dataclass(frozen=True)
class Pause(DeskCommand):
    reason: str = ""


@dataclass(frozen=True)
class Resume(DeskCommand):
    pass


@dataclass(frozen=True)
class SignIn(DeskCommand):
    """The operator takes the workplace (after login): available, nothing at the desk.

    With a session (the hash of a new token and its expiry) the session is opened in the same
    transaction, so nothing can see the operator signed in without one.
    """

    session_token_hash: str | None = None
    session_expires_at: datetime | None = None


@dataclass(frozen=True)
class SignOut(DeskCommand):
    """The operator logs out: offline, no longer counted in the estimates."""


@dataclass(frozen=True)
class Housekeep:
    """Close yesterday: cancel tickets left waiting from an earlier service day, and sign out
    operators whose sessions have all expired (they went home without logging out)."""

    office: str


@dataclass(frozen=True)
class Summarize:
    """Send the office's `queue.changed` now: the one that coalesced commands left owed."""

    office: str


@dataclass(frozen=True)
class CancelTicket:
    office: str
    ticket: int


@dataclass(frozen=True)
class RateStep:
    """The rating terminal `device` of `workplace` sends the visitor's verdict on `ticket`."""

    office: str
    device: str
    workplace: str
    ticket: int
    csat: int
    ces: int | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportDeviceAlert:
    """Device `device` (a kiosk, display or rating terminal) asks for staff: `device.alert`."""

    office: str
    device: str
    device_kind: str
    workplace: str | None
    kind: str
    code: str
    message: str = ""


@dataclass(frozen=True)
class CheckIn:
    """A booked visitor checks in by `code` (typed, or a scanned QR: the bare code or the
    booking URL): a kiosk (`by_kiosk`) or an outside system's API client (`by_client`, its id)
    asks; the answer is the ticket, as for IssueTicket."""

    office: str
    code: str
    lang: str = "ru"
    by_kiosk: bool = False
    by_client: str | None = None


@dataclass(frozen=True)
class BookSlot:
    """Book `service` at `slot_at` (online pre-booking); `source` is "web" or "api:<client>".

    A contact (name, phone, e-mail) is kept only with `consent`; the answer carries the booking
    code and, once, the private manage secret."""

    office: str
    service: str
    slot_at: datetime
    lang: str = "ru"
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    consent: bool = False
    source: str = "web"


@dataclass(frozen=True)
class CancelBooking:
    """Cancel the booking `code` of the office (its place in the slot is freed)."""

    office: str
    code: str
    lang: str = "ru"


@dataclass(frozen=True)
class MoveBooking:
    """Move the booking `code` to another free slot `slot_at` of its service (same code)."""

    office: str
    code: str
    slot_at: datetime
    lang: str = "ru"


Command = (
    IssueTicket
    | CallNext
    | CallTicket
    | Recall
    | StartService
    | Finish
    | NoShow
    | ReturnToQueue
    | Transfer
    | Pause
    | Resume
    | SignIn
    | SignOut
    | Housekeep
    | Summarize
    | CancelTicket
    | RateStep
    | ReportDeviceAlert
    | BookSlot
    | CancelBooking
    | MoveBooking
    | CheckIn
)
