"""What the public booking pages show besides slots: the offices, and one office's bookable
services with their descriptions, documents to bring and slot length."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from queue_server.domain import errors
from queue_server.storage.bookings import BookingStore
from queue_server.storage.db import read_transaction
from queue_server.storage.repository import Repository


@dataclass(frozen=True)
class BookableService:
    id: str
    name: dict[str, str]
    description: dict[str, str] | None
    documents: list[dict[str, str]]
    slot_minutes: int
    horizon_days: int


@dataclass(frozen=True)
class OfficeCard:
    """An office as the booking pages show it (public facts only)."""

    id: str
    name: dict[str, str]
    address: str
    tz: ZoneInfo
    services: list[BookableService]

    def service(self, service: str) -> BookableService:
        """The bookable service `service`; raises NotFound (RU/EN) when it takes no bookings."""
        for known in self.services:
            if known.id == service:
                return known
        raise errors.NotFound(
            "unknown_service",
            f"Услуга «{service[:64]}» не найдена или на неё нет записи",
            f"No bookable service '{service[:64]}'",
        )


class BookingSite:
    """Read-only: each call is one snapshot of the configuration."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def office_ids(self) -> list[str]:
        """Every office on this server, in id order."""
        with read_transaction(self.engine) as conn:
            return sorted(office for office, _ in Repository(conn).office_seqs())

    def office(self, office: str) -> OfficeCard:
        """`office` with its bookable services in the menu's order; raises NotFound."""
        with read_transaction(self.engine) as conn:
            repo = Repository(conn)
            row = repo.office(office)
            if row is None:
                raise errors.NotFound(
                    "unknown_office",
                    f"Офис «{office[:64]}» не найден",
                    f"Unknown office '{office[:64]}'",
                )
            rules = BookingStore(conn).service_rules(office)
            services = [
                BookableService(
                    s.id,
                    s.name,
                    s.description,
                    s.documents,
                    rules[s.id].slot_minutes,
                    rules[s.id].horizon_days,
                )
                for s in repo.services(office)
                if s.active and s.id in rules and rules[s.id].bookable
            ]
        return OfficeCard(row.id, row.name, row.address, ZoneInfo(row.timezone), services)
