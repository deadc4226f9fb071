"""Enumerations shared by the server and every client: states and kinds are enums, not strings."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    """Where a ticket is in its life (DESIGN.md §4)."""

    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class TicketClass(StrEnum):
    """How a ticket entered the queue; decides its band in the call order."""

    WALK_IN = "walk_in"
    APPOINTMENT = "appointment"
    PRIORITY = "priority"


class Outcome(StrEnum):
    """How one service step ended."""

    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    TRANSFERRED = "transferred"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class FinishOutcome(StrEnum):
    """The outcomes a specialist may choose when finishing a visit."""

    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"


class OperatorState(StrEnum):
    """An operator's presence at the workplace."""

    AVAILABLE = "available"
    PAUSED = "paused"
    OFFLINE = "offline"


class Role(StrEnum):
    """Who a token belongs to."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    KIOSK = "kiosk"
    DISPLAY = "display"
    RATING = "rating"


class DeviceKind(StrEnum):
    """Devices that hold administrator-issued tokens."""

    KIOSK = "kiosk"
    DISPLAY = "display"
    RATING = "rating"


class Lang(StrEnum):
    """Languages of the user interface and of messages shown to a visitor."""

    RU = "ru"
    EN = "en"


class ErrorCode(StrEnum):
    """Stable machine codes carried by every problem JSON (`code`)."""

    VALIDATION = "validation_error"
    MALFORMED = "malformed_request"
    NOT_FOUND = "not_found"
    UNKNOWN_OFFICE = "unknown_office"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_TICKET = "unknown_ticket"
    UNKNOWN_OPERATOR = "unknown_operator"
    UNKNOWN_WORKPLACE = "unknown_workplace"
    QUEUE_EMPTY = "queue_empty"
    INVALID_TRANSITION = "invalid_transition"
    NO_CURRENT_TICKET = "no_current_ticket"
    TICKET_IN_PROGRESS = "ticket_in_progress"
    NOT_SERVED_HERE = "not_served_here"
    OPERATOR_PAUSED = "operator_paused"
    SERVICE_CLOSED = "service_closed"
    DAILY_LIMIT = "daily_limit_reached"
    NOT_ON_KIOSK = "not_on_kiosk"
    NOTE_NOT_ON_KIOSK = "note_not_on_kiosk"
    BAD_CREDENTIALS = "bad_credentials"
    UNAUTHORIZED = "unauthorized"
    TOKEN_EXPIRED = "token_expired"
    FORBIDDEN = "forbidden"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    CONFLICT = "conflict"
    INTERNAL = "internal_error"
