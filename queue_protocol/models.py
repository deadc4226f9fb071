"""HTTP request and response models of `/api/v1` (pydantic v2). Wire schemas, not tables."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from queue_protocol.enums import (
    FinishOutcome,
    Lang,
    OperatorState,
    Outcome,
    Role,
    TicketClass,
    TicketStatus,
)

# C0 and C1 control characters, and surrogates: a surrogate left alone in a str (JSON allows
# "\ud800") cannot be encoded as UTF-8, so it could be neither stored, shown nor answered.
_CONTROL_OR_SURROGATE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def plain_text(value: str) -> str:
    """Refuse text with control characters or unpaired surrogates (a validator: 422)."""
    if _CONTROL_OR_SURROGATE.search(value):
        raise ValueError("must not contain control characters or unpaired surrogates")
    return value


def encodable_text(value: str) -> str:
    """Refuse text with unpaired surrogates, which cannot be encoded as UTF-8 (a validator)."""
    if _SURROGATE.search(value):
        raise ValueError("must not contain unpaired surrogates")
    return value


# Every string field of a request is one of these: bounded, and refused (422) when it holds
# characters that could not be stored, shown or echoed back.
Name = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(plain_text)]
"""An id sent by a client: a login, workplace, service or operator."""
Reason = Annotated[str, Field(max_length=200), AfterValidator(plain_text)]
"""A short free text typed by an operator (may be empty)."""
Password = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(encodable_text)]
"""A password: any character that can be typed, control characters included; never shown."""


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LocalizedText(BaseModel):
    """A text in Russian and English; Russian is always present."""

    ru: str
    en: str = ""

    def get(self, lang: Lang | str) -> str:
        """The text in `lang`, Russian when that language is missing."""
        return self.en if lang == Lang.EN and self.en else self.ru


class Health(_Response):
    status: str
    version: str


class LoginRequest(_Request):
    login: Name
    password: Password
    workplace: Name


class OperatorView(_Response):
    id: str
    name: str
    roles: list[Role]
    state: OperatorState = OperatorState.AVAILABLE


class WorkplaceView(_Response):
    id: str
    name: LocalizedText
    kind: str = "window"


class LoginResponse(_Response):
    token: str
    expires_at: datetime
    office: str
    operator: OperatorView
    workplace: WorkplaceView


class ServiceView(_Response):
    id: str
    prefix: str
    name: LocalizedText
    category: str | None = None
    description: LocalizedText | None = None
    documents: list[LocalizedText] = Field(default_factory=list)
    expected_minutes: float
    max_wait_minutes: float
    kiosk: bool = True
    hours: dict[str, str] | None = None  # e.g. {"mon-thu": "09:00-18:00"}; None: always open
    open_now: bool = True


class CategoryView(_Response):
    id: str
    name: LocalizedText
    parent: str | None = None


class ServicesResponse(_Response):
    office: str
    categories: list[CategoryView] = Field(default_factory=list)
    services: list[ServiceView]


class IssueTicketRequest(_Request):
    service: Name
    priority: bool = False
    lang: Lang = Lang.RU
    # A supervisor's short note for the specialist (staff only: a kiosk is refused one).
    note: Reason | None = None


class TicketView(_Response):
    """A ticket as staff clients see it."""

    id: int
    number: str
    service: str
    status: TicketStatus
    ticket_class: TicketClass
    issued_at: datetime
    not_before: datetime | None = None
    lang: Lang = Lang.RU
    workplace: str | None = None
    operator: str | None = None
    called_at: datetime | None = None
    calls: int = 0
    # The supervisor's note for the specialist: staff views only, never events or public pages.
    note: str | None = None


class IssuedTicket(_Response):
    id: int
    number: str
    service: str
    status: TicketStatus
    ahead: int
    estimate_minutes: int | None
    status_url: str
    issued_at: datetime


class ServiceQueue(_Response):
    service: str
    waiting: int
    estimate_minutes: int | None
    longest_wait_minutes: float


class QueueResponse(_Response):
    office: str
    services: list[ServiceQueue]
    waiting: list[TicketView]


MAX_ID = 2**63 - 1  # the largest id a database row can have


class CallRequest(_Request):
    ticket: int = Field(ge=1, le=MAX_ID)


class FinishRequest(_Request):
    outcome: FinishOutcome = FinishOutcome.RESOLVED


class ReturnRequest(_Request):
    minutes: int = Field(default=0, ge=0, le=24 * 60)


class TransferRequest(_Request):
    service: Name
    operator: Name | None = None
    workplace: Name | None = None
    to_head: bool = False


class PauseRequest(_Request):
    reason: Reason = ""


class DeskState(_Response):
    """What a desk shows after any command: the operator's state and the current ticket."""

    operator: str
    workplace: str
    state: OperatorState
    ticket: TicketView | None = None
    outcome: Outcome | None = None


class PublicTicket(_Response):
    """A ticket as the public status page shows it: no personal data."""

    number: str
    service: str
    service_name: LocalizedText
    status: TicketStatus
    ahead: int | None
    estimate_minutes: int | None
    workplace: str | None = None
    workplace_name: LocalizedText | None = None
    issued_at: datetime
    # The booked slot of a ticket checked in for a booking, in the office's time zone.
    slot_at: datetime | None = None


class DeviceAlertRequest(_Request):
    """A device asks for staff: `kind` is the part ("printer"), `code` a stable name of the
    trouble ("PaperOut", "PrinterOffline"), `message` a short sentence for the dashboard."""

    kind: Name
    code: Name
    message: Reason = ""


class DeviceAlertStored(_Response):
    """The alert as the server logged it (`device.alert`)."""

    device: str
    device_kind: str
    workplace: str | None = None
    kind: str
    code: str
    message: str
    received_at: datetime


class Problem(_Response):
    """RFC 9457 problem details with Okno's stable `code`."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    extra: dict[str, Any] = Field(default_factory=dict)
