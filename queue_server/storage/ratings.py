"""SQL of the ratings: the step a terminal may rate, storing a rating, an operator's day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from queue_server.storage import tables as t

#: Outcomes of a step the visitor may rate (the visitor was served).
RATEABLE_OUTCOMES = ("resolved", "follow_up")


@dataclass(frozen=True)
class FinishedStep:
    """A served step as the rating needs it."""

    id: int
    ticket: int
    service: str
    operator: str | None
    workplace: str | None
    finished_at: datetime


@dataclass(frozen=True)
class DayFigures:
    """An operator's served visits since a moment, their mean service time and mean score."""

    served: int
    service_minutes: float | None
    ratings: int
    average_rating: float | None


class RatingStore:
    """The ratings table and the steps it refers to, seen from one connection."""

    def __init__(self, connection: Connection) -> None:
        self.conn = connection

    def last_served_step(self, office: str, workplace: str) -> FinishedStep | None:
        """The step served last at `workplace` (the one its rating terminal may ask about)."""
        s = t.steps.c
        row = self.conn.execute(
            select(s.id, s.ticket, s.service, s.operator, s.workplace, s.finished_at)
            .where(
                s.office == office,
                s.workplace == workplace,
                s.finished_at.is_not(None),
                s.outcome.in_(RATEABLE_OUTCOMES),
            )
            .order_by(s.finished_at.desc(), s.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return FinishedStep(
            row.id, row.ticket, row.service, row.operator, row.workplace, row.finished_at
        )

    def is_rated(self, step: int) -> bool:
        found = self.conn.execute(select(t.ratings.c.step).where(t.ratings.c.step == step))
        return found.first() is not None

    def insert_rating(
        self,
        office: str,
        step: FinishedStep,
        device: str,
        csat: int,
        ces: int | None,
        reasons: list[str],
        at: datetime,
    ) -> None:
        self.conn.execute(
            insert(t.ratings).values(
                step=step.id,
                ticket=step.ticket,
                office=office,
                service=step.service,
                operator=step.operator,
                workplace=step.workplace,
                device=device,
                csat=csat,
                ces=ces,
                reasons=reasons,
                rated_at=at,
            )
        )

    def figures(self, office: str, operator: str, since: datetime) -> DayFigures:
        """`operator`'s served steps finished since `since` and the ratings given for them."""
        s = t.steps.c
        served = self.conn.execute(
            select(s.started_at, s.finished_at).where(
                s.office == office,
                s.operator == operator,
                s.finished_at >= since,
                s.outcome.in_(RATEABLE_OUTCOMES),
            )
        ).all()
        minutes = [
            (row.finished_at - row.started_at).total_seconds() / 60
            for row in served
            if row.started_at is not None
        ]
        r = t.ratings.c
        count, average = self.conn.execute(
            select(func.count(r.step), func.avg(r.csat)).where(
                r.office == office, r.operator == operator, r.rated_at >= since
            )
        ).one()
        return DayFigures(
            served=len(served),
            service_minutes=sum(minutes) / len(minutes) if minutes else None,
            ratings=int(count),
            average_rating=float(average) if average is not None else None,
        )
