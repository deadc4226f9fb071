"""Builders of snapshots and events for the board's tests, and a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from queue_protocol.events import Envelope
from queue_protocol.payloads import SnapshotData

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

WORKPLACES = {
    "1": ("Окно 1", "Window 1", "window"),
    "2": ("Окно 2", "Window 2", "window"),
    "3": ("Окно 3", "Window 3", "window"),
    "4": ("Окно 4", "Window 4", "window"),
    "5": ("Кабинет 12", "Room 12", "room"),
}
SERVICES = {
    "reg": ("Регистрация", "Registration", "А"),
    "vac": ("Вакансии", "Vacancies", "В"),
    "ben": ("Пособие", "Benefit", "Б"),
}


@dataclass
class FakeBoardClock:
    """Monotonic seconds and a wall time, moved by the test (the wall may jump alone)."""

    mono: float = 1000.0
    wall_time: datetime = T0

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> datetime:
        return self.wall_time

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall_time += timedelta(seconds=seconds)


@dataclass
class Office:
    """Makes events with growing seqs; `at` follows the clock given."""

    clock: FakeBoardClock
    seq: int = 0
    calls: dict[int, int] = field(default_factory=dict)

    def envelope(self, kind: str, data: dict[str, Any], at: datetime | None = None) -> Envelope:
        self.seq += 1
        return Envelope(
            office="test", seq=self.seq, type=kind, at=at or self.clock.wall_time, data=data
        )

    def ticket(
        self,
        ticket_id: int,
        number: str,
        workplace: str | None,
        status: str,
        *,
        service: str = "reg",
        lang: str = "ru",
        calls: int = 0,
        called_at: datetime | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": ticket_id,
            "number": number,
            "service": service,
            "status": status,
            "ticket_class": "walk_in",
            "lang": lang,
            "issued_at": "2026-03-10T08:00:00.000Z",
            "calls": calls,
        }
        if workplace is not None:
            ru, en, kind = WORKPLACES[workplace]
            data.update(
                workplace=workplace,
                workplace_name={"ru": ru, "en": en},
                workplace_kind=kind,
                operator="op",
                called_at=(called_at or self.clock.wall_time).isoformat(),
            )
        return data

    def call(
        self,
        ticket_id: int,
        number: str,
        workplace: str,
        *,
        recall: bool = False,
        at: datetime | None = None,
        **kwargs: Any,
    ) -> Envelope:
        self.calls[ticket_id] = self.calls.get(ticket_id, 0) + 1
        data = self.ticket(
            ticket_id,
            number,
            workplace,
            "called",
            calls=self.calls[ticket_id],
            called_at=at,
            **kwargs,
        )
        return self.envelope("ticket.recalled" if recall else "ticket.called", data, at)

    def left(self, kind: str, ticket_id: int, number: str, **extra: Any) -> Envelope:
        status = {"ticket.finished": "done", "ticket.no_show": "no_show"}.get(kind, "waiting")
        data = self.ticket(ticket_id, number, None, status)
        data.update(extra)
        return self.envelope(kind, data)

    def started(self, ticket_id: int, number: str, workplace: str) -> Envelope:
        data = self.ticket(
            ticket_id, number, workplace, "serving", calls=self.calls.get(ticket_id, 1)
        )
        return self.envelope("ticket.started", data)

    def queue(self, counts: dict[str, tuple[int, int | None]]) -> Envelope:
        services = [
            {"service": s, "waiting": w, "estimate_minutes": e, "longest_wait_minutes": 0.0}
            for s, (w, e) in counts.items()
        ]
        return self.envelope("queue.changed", {"services": services})

    def snapshot(
        self, active: list[dict[str, Any]] | None = None, waiting: dict[str, int] | None = None
    ) -> SnapshotData:
        waiting = waiting or {}
        return SnapshotData.model_validate(
            {
                "office": {
                    "id": "test",
                    "name": {"ru": "Тестовый ЦЗН", "en": "Test centre"},
                    "timezone": "Europe/Moscow",
                },
                "services": [
                    {
                        "service": s,
                        "name": {"ru": ru, "en": en},
                        "prefix": prefix,
                        "waiting": waiting.get(s, 0),
                        "estimate_minutes": 10 if waiting.get(s) else None,
                        "longest_wait_minutes": 0.0,
                    }
                    for s, (ru, en, prefix) in SERVICES.items()
                ],
                "workplaces": [
                    {"id": w, "name": {"ru": ru, "en": en}, "kind": kind}
                    for w, (ru, en, kind) in WORKPLACES.items()
                ],
                "active": active or [],
            }
        )
