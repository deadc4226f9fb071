"""An office's configuration as stored: the office row, kiosk menu, services and workplaces.

Written by `okno config apply` (an upsert of the whole office in one transaction); read by the
demo seed's guard. Each method runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from queue_server.storage import tables as t


class Configuration:
    """The configuration tables seen from one connection."""

    def __init__(self, connection: Connection) -> None:
        self.conn = connection

    def upsert_office(self, office: str, created_at: datetime, **values: Any) -> None:
        """Create the office (its event log at seq 0) or change its name, zone and address."""
        exists = self.conn.execute(select(t.offices.c.id).where(t.offices.c.id == office)).first()
        if exists is None:
            self.conn.execute(
                insert(t.offices).values(
                    id=office, settings={}, seq=0, created_at=created_at, **values
                )
            )
        else:
            self.conn.execute(update(t.offices).where(t.offices.c.id == office).values(**values))

    def replace_categories(self, office: str, categories: Sequence[dict[str, Any]]) -> None:
        """The kiosk menu's categories become `categories` (in this order)."""
        self.conn.execute(delete(t.categories).where(t.categories.c.office == office))
        for position, category in enumerate(categories):
            self.conn.execute(
                insert(t.categories).values(office=office, position=position, **category)
            )

    def replace_services(self, office: str, services: Sequence[dict[str, Any]]) -> None:
        """Upsert `services` (each with its `id`) active, in this order; the others of the
        office are deactivated, never deleted (their tickets keep their history)."""
        self.conn.execute(
            update(t.services).where(t.services.c.office == office).values(active=False)
        )
        existing = set(
            self.conn.execute(
                select(t.services.c.id).where(t.services.c.office == office)
            ).scalars()
        )
        for position, service in enumerate(services):
            values = {key: value for key, value in service.items() if key != "id"}
            values.update(active=True, position=position)
            if service["id"] in existing:
                self.conn.execute(
                    update(t.services)
                    .where(t.services.c.office == office, t.services.c.id == service["id"])
                    .values(**values)
                )
            else:
                self.conn.execute(
                    insert(t.services).values(office=office, id=service["id"], **values)
                )

    def upsert_workplaces(self, office: str, workplaces: Sequence[dict[str, Any]]) -> None:
        """Create or rename `workplaces` (each with its `id`); others are left as they are."""
        known = set(
            self.conn.execute(
                select(t.workplaces.c.id).where(t.workplaces.c.office == office)
            ).scalars()
        )
        for workplace in workplaces:
            values = {key: value for key, value in workplace.items() if key != "id"}
            if workplace["id"] in known:
                self.conn.execute(
                    update(t.workplaces)
                    .where(t.workplaces.c.office == office, t.workplaces.c.id == workplace["id"])
                    .values(**values)
                )
            else:
                self.conn.execute(
                    insert(t.workplaces).values(office=office, id=workplace["id"], **values)
                )

    def holds_only(self, office: str) -> bool:
        """True when no office but `office` and no ticket of another office is stored."""
        others = self.conn.execute(select(t.offices.c.id).where(t.offices.c.id != office)).first()
        tickets = self.conn.execute(
            select(t.tickets.c.id).where(t.tickets.c.office != office)
        ).first()
        return others is None and tickets is None
