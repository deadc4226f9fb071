"""Wire models of the booking check-in (`POST /api/v1/offices/{office}/check-in`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from queue_protocol.models import IssuedTicket, plain_text

__all__ = ["CheckInRequest", "CheckedIn"]

#: the longest code text taken: a typed code, or a scanned QR holding the booking URL
MAX_CODE_TEXT = 300


class CheckInRequest(BaseModel):
    """The booking to check in: its code as typed (any case, spaces and dashes allowed) or the
    text of its scanned QR (the bare code, or the booking URL)."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(min_length=1, max_length=MAX_CODE_TEXT), AfterValidator(plain_text)]


class CheckedIn(IssuedTicket):
    """The ticket issued at check-in (as for a walk-in ticket), with the booking it was for.

    `late`: the visitor came after the check-in window and got a walk-in ticket instead of an
    appointment (the office's late policy).
    """

    booking: str = Field(description="the booking's code")
    slot_at: datetime = Field(description="the booked slot's start, UTC")
    late: bool = False
