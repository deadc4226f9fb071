"""The server's composition root: builds the engine, services, hub and the FastAPI app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from queue_server.service.auth import Auth
from queue_server.service.bus import Clock, QueueService, utc_now
from queue_server.service.hub import EventHub
from queue_server.service.outbox import Outbox
from queue_server.service.queries import QueueQueries
from queue_server.service.simclock import SimulatedClock
from queue_server.settings import ServerSettings
from queue_server.storage.db import make_engine, migrate

if TYPE_CHECKING:
    from queue_server.api.batches import CommandBatches


@dataclass
class Container:
    """Everything a server process holds, built once."""

    settings: ServerSettings
    engine: Engine
    service: QueueService
    queries: QueueQueries
    auth: Auth
    hub: EventHub
    # Commands of one office wait here, on the event loop, rather than as threads contending for
    # the office's lock and the GIL.
    office_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # Sends the notices outbox (e-mail, SMS, webhook); its task runs in the app's lifespan.
    outbox: Outbox | None = None
    # The settable clock of a simulation server (settings.simulation), which every part reads.
    sim_clock: SimulatedClock | None = None
    # Runs the routes' commands, those of one office that queue together sharing a transaction.
    batches: CommandBatches = field(init=False)

    def __post_init__(self) -> None:
        from queue_server.api.batches import CommandBatches

        self.batches = CommandBatches(self)

    def office_lock(self, office: str) -> asyncio.Lock:
        return self.office_locks.setdefault(office, asyncio.Lock())


def build(
    settings: ServerSettings, clock: Clock = utc_now, run_migrations: bool = True
) -> Container:
    """Wire the real adapters for `settings`; migrates the database to the newest schema.

    A simulation server (settings.simulation) reads a SimulatedClock instead of `clock`.
    """
    from queue_server.api.events import encode_row

    sim_clock = SimulatedClock() if settings.simulation else None
    if sim_clock is not None:
        clock = sim_clock

    engine = make_engine(settings.database_url, settings.sqlite_synchronous)
    if run_migrations:
        migrate(engine)
    service = QueueService(
        engine,
        lambda token: f"{settings.qr_url}/t/{token}",
        clock,
        notices=settings.notice_channels(),
        coalesce_seconds=settings.queue_changed_every,
    )
    return Container(
        settings=settings,
        engine=engine,
        service=service,
        queries=QueueQueries(engine, clock),
        auth=Auth(engine, service, clock),
        hub=EventHub(encode_row),
        outbox=Outbox(engine, settings.notice_senders(), clock),
        sim_clock=sim_clock,
    )
