"""Wire models of the rating terminal and of the desk's own figures (`/api/v1/ratings`,
`/api/v1/desk/today`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from queue_protocol.models import MAX_ID

__all__ = ["DeskToday", "RateRequest", "RatingReason", "RatingStored"]


class RatingReason(StrEnum):
    """The quick reasons a visitor may tap after a score of 3 or less."""

    LONG_WAIT = "long_wait"  # долго ждал(а)
    UNCLEAR = "unclear"  # непонятно объяснили
    IMPOLITE = "impolite"  # невежливо
    NOT_RESOLVED = "not_resolved"  # вопрос не решён
    OTHER = "other"  # другое


class RateRequest(BaseModel):
    """The visitor's verdict on the service just finished at the terminal's workplace."""

    model_config = ConfigDict(extra="forbid")

    ticket: int = Field(ge=1, le=MAX_ID)
    csat: int = Field(strict=True, ge=1, le=5, description="satisfaction, 1 (bad) to 5 (excellent)")
    ces: int | None = Field(
        default=None, strict=True, ge=1, le=5, description="ease, 1 (hard) to 5 (easy)"
    )
    reasons: list[RatingReason] = Field(default_factory=list, max_length=5)


class RatingStored(BaseModel):
    """The server kept the rating of `step`."""

    model_config = ConfigDict(extra="ignore")

    ticket: int
    step: int
    csat: int
    ces: int | None = None
    reasons: list[RatingReason] = Field(default_factory=list)
    rated_at: datetime


class DeskToday(BaseModel):
    """The signed-in operator's own day: visits served, mean service time, mean score; and the
    services they serve with their levels (1 = primary)."""

    model_config = ConfigDict(extra="ignore")

    operator: str
    served: int
    average_service_minutes: float | None
    ratings: int
    average_rating: float | None
    services: dict[str, int] = Field(default_factory=dict)
