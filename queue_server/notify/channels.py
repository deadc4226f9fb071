"""What notices exist and which channels this server can send on (no I/O, no settings reading)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoticeKind(StrEnum):
    """What a notice tells the visitor."""

    BOOKING_CONFIRMATION = "booking_confirmation"
    REMINDER = "reminder"  # the day before the visit
    TURN_NEAR = "turn_near"  # "your turn is near: N ahead of you"
    CANCELLATION = "cancellation"


class Channel(StrEnum):
    """How a notice travels."""

    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


# Fields of a notice's `data` that identify the visitor: stripped by the personal-data purge.
PERSONAL_FIELDS = ("name", "phone", "email", "manage_url")


@dataclass(frozen=True)
class NoticeChannels:
    """The channels configured on this server; a notice is queued only on a configured one.

    The default configures nothing, so a server (or a test) without notice settings queues none.
    """

    email: bool = False
    sms: bool = False
    webhook: bool = False
    # A waiting booked visitor with a phone gets one SMS when this many or fewer are ahead.
    turn_near_ahead: int = 3

    @property
    def any(self) -> bool:
        return self.email or self.sms or self.webhook
