"""The kiosk controller without a server: typed event payloads, the session's language."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk_app.controller import KioskController
from kiosk_app.main import build_kiosk, connect_kiosk
from kiosk_app.settings import KioskSettings
from queue_protocol.client import ClientSession
from queue_protocol.enums import Lang
from queue_protocol.events import Envelope
from queue_protocol.models import IssuedTicket, ServicesResponse
from tests.kiosk_app.conftest import run

pytestmark = pytest.mark.gui

AT = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
MENU = ServicesResponse.model_validate({
    "office": "test",
    "services": [
        {"id": "reg", "prefix": "А", "name": {"ru": "Регистрация", "en": "Registration"},
         "expected_minutes": 10, "max_wait_minutes": 15},
        {"id": "vac", "prefix": "В", "name": {"ru": "Вакансии", "en": "Vacancies"},
         "expected_minutes": 10, "max_wait_minutes": 15},
    ],
})  # fmt: skip


@pytest.fixture
def controller(
    qapp: Any, loop: asyncio.AbstractEventLoop, tmp_path: Path
) -> Iterator[KioskController]:
    """A kiosk wired to a session that is never started (no server is needed)."""
    settings = KioskSettings(
        server="http://127.0.0.1:9",
        token="t",
        office="test",
        windowed=True,
        orientation="portrait",
        state_file=tmp_path / "kiosk.json",
    )
    kiosk = build_kiosk(qapp, settings)
    client = ClientSession(settings.server, "t", "test")
    made = connect_kiosk(qapp, kiosk, settings, "test", None, client=client)
    made.services = MENU
    made.rebuild_menu()
    yield made
    run(loop, made.close())
    kiosk.window.close()
    kiosk.window.deleteLater()


def event(seq: int, kind: str, data: dict[str, Any]) -> Envelope:
    return Envelope(office="test", seq=seq, type=kind, at=AT, data=data)


def line(service: str, estimate: int | None) -> dict[str, Any]:
    return {
        "service": service,
        "waiting": 1,
        "estimate_minutes": estimate,
        "longest_wait_minutes": 0.0,
    }


def test_queue_changed_is_read_through_its_typed_payload(controller: KioskController) -> None:
    """queue.changed marks the services nobody serves; the menu follows."""
    controller._on_event(
        event(1, "queue.changed", {"services": [line("reg", None), line("vac", 4)]})
    )
    assert controller.unserved == {"reg"}
    assert controller.flow.menu is not None
    assert not controller.flow.menu.services["reg"].available
    controller._on_event(event(2, "queue.changed", {"services": [line("reg", 3)]}))
    assert controller.unserved == set()


def test_unknown_and_filtered_events_are_ignored_quietly(
    controller: KioskController, caplog: pytest.LogCaptureFixture
) -> None:
    """A `filtered` placeholder and a type of a newer server change nothing and log nothing;
    a known type with data the kiosk cannot read changes nothing either."""
    controller.unserved = {"vac"}
    caplog.set_level(logging.INFO)
    controller._on_event(event(1, "filtered", {}))
    controller._on_event(event(2, "lobby.weather", {"services": "sunny"}))
    assert caplog.records == []
    controller._on_event(event(3, "queue.changed", {"services": "not a list"}))
    assert controller.unserved == {"vac"} and not controller.tasks


def test_the_session_asks_in_the_visitors_language(controller: KioskController) -> None:
    """Switching to English makes the server answer refusals in English; the idle reset (or
    switching back) returns to Russian."""
    assert controller.session.client.lang is Lang.RU
    controller._on_lang()
    assert controller.flow.lang == "en" and controller.session.client.lang is Lang.EN
    controller._on_lang()
    assert controller.session.client.lang is Lang.RU


def test_a_booked_service_off_the_kiosk_menu_is_still_named_on_the_ticket(
    controller: KioskController,
) -> None:
    """A booked service the kiosk does not offer for walk-ins (`kiosk: false`): the printed
    ticket names it and lists its documents, not its bare id."""
    booked_only = {
        "id": "ben", "prefix": "Б", "name": {"ru": "Пособие", "en": "Benefit"}, "kiosk": False,
        "documents": [{"ru": "Паспорт", "en": "Passport"}],
        "expected_minutes": 10, "max_wait_minutes": 15,
    }  # fmt: skip
    controller.services = ServicesResponse.model_validate(
        {**MENU.model_dump(), "services": [*MENU.model_dump()["services"], booked_only]}
    )
    controller.rebuild_menu()
    assert controller.flow.menu is not None and "ben" not in controller.flow.menu.services
    ticket = IssuedTicket(id=1, number="Б001", service="ben", status="waiting", ahead=0,
                          estimate_minutes=5, status_url="http://x/t/1", issued_at=AT)  # fmt: skip
    data = controller.ticket_data(ticket, "ru")
    assert data.service_name == "Пособие" and data.documents == ["Паспорт"]
