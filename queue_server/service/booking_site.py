"""What the public booking pages show besides slots: the offices, and one office's bookable
services with their descriptions, documents to bring and slot length.

Remembered for a few seconds: every page view needs it, and it changes only when an
administrator applies a new configuration (a booking is still checked against the live rules
by the command, so a page a few seconds old can never book what the rules no longer allow).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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


KEEP_SECONDS = 5.0


class BookingSite:
    """Read-only: each answer is one snapshot of the configuration, at most `keep` seconds old."""

    def __init__(
        self,
        engine: Engine,
        keep: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.keep = keep
        self.clock = clock
        self._remembered: dict[str, tuple[float, object]] = {}
        self._guard = threading.Lock()

    def _recall(self, key: str) -> object | None:
        with self._guard:
            entry = self._remembered.get(key)
            if entry is not None and self.clock() < entry[0]:
                return entry[1]
            return None

    def _remember(self, key: str, value: object) -> None:
        with self._guard:
            if (
                len(self._remembered) > 1000
            ):  # unknown office ids are not remembered, but keep it small
                self._remembered.clear()
            self._remembered[key] = (self.clock() + self.keep, value)

    def office_ids(self) -> list[str]:
        """Every office on this server, in id order."""
        known = self._recall("")
        if isinstance(known, list):
            return known
        with read_transaction(self.engine) as conn:
            ids = sorted(office for office, _ in Repository(conn).office_seqs())
        self._remember("", ids)
        return ids

    def office(self, office: str) -> OfficeCard:
        """`office` with its bookable services in the menu's order; raises NotFound."""
        known = self._recall(f"office:{office}")
        if isinstance(known, OfficeCard):
            return known
        card = self._read_office(office)
        self._remember(f"office:{office}", card)
        return card

    def _read_office(self, office: str) -> OfficeCard:
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
