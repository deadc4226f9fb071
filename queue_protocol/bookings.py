"""Wire models of online pre-booking (`/api/v1/offices/{office}/booking/...`): input and output
apart. A booking's contact is personal data: no output model here carries it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from queue_protocol.models import LocalizedText

__all__ = [
    "BookRequest",
    "BookedSlot",
    "BookingView",
    "FreeDays",
    "FreeSlots",
    "MoveRequest",
    "SlotView",
]


class BookRequest(BaseModel):
    """Book `service` at `slot_at` (a start listed by the free slots). A contact (any of name,
    phone, e-mail) needs `consent: true`; all three may be left out."""

    model_config = ConfigDict(extra="forbid")

    service: str = Field(min_length=1, max_length=64)
    slot_at: AwareDatetime = Field(description="the slot's start with its UTC offset")
    lang: Literal["ru", "en"] = "ru"
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    consent: bool = Field(default=False, description="consent to keep the contact given")


class MoveRequest(BaseModel):
    """Move a booking to another free slot of its service."""

    model_config = ConfigDict(extra="forbid")

    slot_at: AwareDatetime


class SlotView(BaseModel):
    """A slot that can be booked now."""

    at: datetime = Field(description="start, UTC")
    local: str = Field(description="start in the office's time zone, HH:MM")
    left: int = Field(description="places left")


class FreeSlots(BaseModel):
    office: str
    service: str
    date: date
    slots: list[SlotView]


class FreeDays(BaseModel):
    """The days of a month with at least one free slot (for a calendar)."""

    office: str
    service: str
    year: int
    month: int
    days: list[date]


class BookingView(BaseModel):
    """A booking as its holder sees it (no contact)."""

    office: str
    code: str
    service: str
    service_name: LocalizedText
    slot_at: datetime = Field(description="UTC")
    slot_local: str = Field(description="in the office's time zone, YYYY-MM-DD HH:MM")
    status: str = Field(description="booked | checked_in | cancelled | missed | served")
    lang: str
    has_contact: bool = False


class BookedSlot(BookingView):
    """The answer to a booking: `manage_secret` is shown this once and never stored in clear."""

    manage_secret: str
