"""Ratings: what the rating terminal is asked, storing the visitor's verdict, an operator's day.

Rules (issue 9): a rating terminal may rate only the step served last at its own workplace, and
only once, and only within the office's rating window after the step finished (`settings.rating`
of the office: `minutes`, default RATING_MINUTES; `effort: true` also asks the effort question).
Each refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from queue_protocol import payloads as p
from queue_protocol.enums import Lang
from queue_protocol.events import EventType
from queue_protocol.ratings import DeskToday, RatingReason, RatingStored
from queue_server.domain.errors import CodedError, NotFound
from queue_server.domain.model import Ticket
from queue_server.domain.numbering import service_day
from queue_server.service import commands as c
from queue_server.service.tx import Tx
from queue_server.storage.db import read_transaction
from queue_server.storage.ratings import RatingStore
from queue_server.storage.repository import Repository

__all__ = ["RATING_MINUTES", "RatingRefused", "desk_today", "rate_step", "rating_requested"]

#: How long after a step finished its rating is accepted, unless the office says otherwise.
RATING_MINUTES = 5.0


class RatingRefused(CodedError):
    """A rating the server cannot take: nothing to rate, rated already, too late (409)."""

    status = 409


def _rating_settings(repo: Repository, office: str) -> tuple[float, bool]:
    """(minutes the rating is accepted, whether the effort question is asked)."""
    section: Any = repo.office_settings(office).get("rating", {})
    if not isinstance(section, dict):
        return RATING_MINUTES, False
    minutes = section.get("minutes", RATING_MINUTES)
    if not isinstance(minutes, int | float) or minutes <= 0:
        minutes = RATING_MINUTES
    return float(minutes), bool(section.get("effort", False))


def rating_requested(tx: Tx, ticket: Ticket, operator: str) -> p.RatingRequested:
    """The `rating.requested` of a step just finished (called by the finish handler)."""
    minutes, effort = _rating_settings(tx.repo, tx.office.id)
    return p.RatingRequested(
        ticket=ticket.id,
        number=ticket.number,
        service=ticket.service,
        workplace=ticket.workplace,
        operator=operator,
        lang=Lang(ticket.lang) if ticket.lang in ("ru", "en") else Lang.RU,
        effort=effort,
        expires_at=tx.now + timedelta(minutes=minutes),
    )


def rate_step(tx: Tx, cmd: c.RateStep) -> RatingStored:
    """Store the verdict on the step served last at the terminal's workplace; `rating.received`."""
    store = RatingStore(tx.repo.conn)
    step = store.last_served_step(tx.office.id, cmd.workplace)
    if step is None or step.ticket != cmd.ticket:
        raise RatingRefused(
            "rating_not_expected",
            "Сейчас в этом окне нечего оценивать",
            "There is no service to rate at this window now",
            ticket=cmd.ticket,
        )
    if store.is_rated(step.id):
        raise RatingRefused(
            "already_rated",
            "Это обслуживание уже оценено. Спасибо!",
            "This service has already been rated. Thank you!",
            step=step.id,
        )
    minutes, _ = _rating_settings(tx.repo, tx.office.id)
    if tx.now - step.finished_at > timedelta(minutes=minutes):
        raise RatingRefused(
            "rating_expired",
            "Время для оценки этого обслуживания истекло",
            "The time to rate this service has passed",
            step=step.id,
        )
    reasons = sorted(set(cmd.reasons))
    store.insert_rating(tx.office.id, step, cmd.device, cmd.csat, cmd.ces, reasons, tx.now)
    tx.emit(
        EventType.RATING_RECEIVED,
        p.RatingReceived(
            ticket=step.ticket,
            workplace=step.workplace,
            csat=cmd.csat,
            step=step.id,
            service=step.service,
            operator=step.operator,
            ces=cmd.ces,
            reasons=reasons,
        ),
    )
    return RatingStored(
        ticket=step.ticket,
        step=step.id,
        csat=cmd.csat,
        ces=cmd.ces,
        reasons=[RatingReason(r) for r in reasons],
        rated_at=tx.now,
    )


def desk_today(
    engine: Engine, clock: Callable[[], datetime], office: str, operator: str
) -> DeskToday:
    """The operator's figures since the start of the office's service day, and their services."""
    now = clock()
    with read_transaction(engine) as conn:
        repo = Repository(conn)
        row = repo.office(office)
        if row is None:
            raise NotFound(
                "unknown_office", f"Офис «{office}» не найден", f"Unknown office '{office}'"
            )
        tz = ZoneInfo(row.timezone)
        since = datetime.combine(service_day(now, tz), time(0), tz)
        levels = next((o.levels for o in repo.operators(office) if o.id == operator), {})
        figures = RatingStore(conn).figures(office, operator, since)
    return DeskToday(
        operator=operator,
        served=figures.served,
        average_service_minutes=(
            round(figures.service_minutes, 1) if figures.service_minutes is not None else None
        ),
        ratings=figures.ratings,
        average_rating=(
            round(figures.average_rating, 2) if figures.average_rating is not None else None
        ),
        services=dict(levels),
    )
