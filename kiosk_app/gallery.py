"""Every kiosk screen, staged from real data: for the screenshots in the docs and for the tests
that check each screen's texts, translations and sizes.

    python -m kiosk_app.gallery --server http://127.0.0.1:8000 --token demo-kiosk --out DIR

writes `kiosk-<screen>-<portrait|landscape>-<ru|en>[-contrast].png` for each screen.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from kiosk_app.state import (
    KioskFlow,
    Menu,
    MenuService,
    Notice,
    Reason,
    Screen,
    ShownTicket,
)
from queue_protocol.checkin import CheckedIn
from queue_protocol.models import IssuedTicket

__all__ = ["SAMPLE_CODE", "SCREENS", "stage"]

#: the booking code of the check-in screens (Latin, as every booking code, in either language)
SAMPLE_CODE = "ACDE7K3P"

logger = logging.getLogger("okno.kiosk")


def _closed_menu(menu: Menu) -> Menu:
    services = {
        key: MenuService(
            id=s.id, name=s.name, description=s.description, documents=s.documents,
            category=s.category, hours=s.hours or {"mon-fri": "09:00-18:00"},
            reason=Reason.CLOSED_NOW, opens_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC),
        )
        for key, s in menu.services.items()
    }  # fmt: skip
    return Menu(office_name=menu.office_name, categories=menu.categories, services=services)


def stage(flow: KioskFlow, screen: str, menu: Menu, ticket: IssuedTicket) -> None:
    """Put `flow` on the named screen (see SCREENS), with `menu` and `ticket` as data."""
    flow.refused = False
    flow.set_connected(True)
    flow.set_menu(menu)
    flow.go_home()
    service = menu.services.get(ticket.service)
    if screen == "home":
        return
    if screen == "category":
        first = next(iter(menu.categories), None)
        flow.open_category(first)
    elif screen == "priority":
        flow.open_priority()
    elif screen in {"ticket", "ticket-not-printed"}:
        printed = screen == "ticket"
        flow.ticket = ShownTicket(
            ticket=ticket,
            service=service,
            priority=False,
            printed=printed,
            printer_problem=None if printed else "paper out",
        )
        flow.screen = Screen.TICKET
    elif screen == "check-in":
        flow.open_check_in()
        for char in SAMPLE_CODE[:5]:
            flow.key(char)
    elif screen == "daily-limit":
        # A refusal shows the server's own sentence in the visitor's language (worded here as
        # the server words `daily_limit_reached`).
        name = service.name.get(flow.lang) if service is not None else ticket.service
        detail = (
            f"No more tickets today for '{name}'"
            if flow.lang == "en"
            else f"На сегодня талоны на услугу «{name}» закончились"
        )
        flow.show_notice(Notice.DAILY_LIMIT, detail)
    elif screen == "check-in-done":
        # A booking checked in 20 minutes early: its ticket, printed as a walk-in ticket is.
        checked = CheckedIn(
            **ticket.model_dump(), booking=SAMPLE_CODE, slot_at=ticket.issued_at, late=False
        )
        flow.ticket = ShownTicket(
            ticket=checked,
            service=service,
            priority=False,
            printed=True,
            checked_in=True,
            slot_local=datetime(2026, 3, 11, 10, 30),
        )
        flow.screen = Screen.TICKET
    elif screen == "check-in-refused":
        # The server's sentence for a booking come too early (`check_in_too_early`).
        detail = (
            f"Booking {SAMPLE_CODE} is at 11:00. Check-in opens at 10:30"
            if flow.lang == "en"
            else f"Запись {SAMPLE_CODE} — на 11:00. Отметиться можно с 10:30"
        )
        flow.show_notice(Notice.CHECK_IN_REFUSED, detail)
    elif screen == "check-in-unavailable":
        flow.show_notice(Notice.CHECK_IN_UNAVAILABLE)
    elif screen == "unavailable":
        flow.set_connected(False)
    elif screen == "office-closed":
        flow.set_menu(_closed_menu(menu))
    else:
        raise ValueError(f"unknown screen {screen!r}")


SCREENS = (
    "home",
    "category",
    "priority",
    "ticket",
    "ticket-not-printed",
    "check-in",
    "check-in-done",
    "check-in-refused",
    "check-in-unavailable",
    "daily-limit",
    "unavailable",
    "office-closed",
)


async def _sign_in(server: str, operators: list[str]) -> None:
    """Sign demo operators in (LOGIN:PASSWORD:WORKPLACE) so that their services are served."""
    import httpx

    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        for spec in operators:
            login, password, workplace = spec.split(":")
            answer = await http.post(
                "/api/v1/auth/login",
                json={"login": login, "password": password, "workplace": workplace},
            )
            answer.raise_for_status()


async def _shoot(
    server: str, token: str, out: Path, screens: list[str], operators: list[str]
) -> int:
    from PySide6.QtWidgets import QApplication

    from kiosk_app.controller import qr_pixmap
    from kiosk_app.main import build_kiosk, connect_kiosk
    from kiosk_app.settings import KioskSettings
    from qt_common.app import discover_office, save_png

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    state_dir = Path(tempfile.mkdtemp(prefix="okno-gallery-"))
    await _sign_in(server, operators)
    office = await discover_office(server, token)
    combos: list[tuple[str, str, bool]] = [
        (orientation, lang, contrast)
        for orientation in ("portrait", "landscape")
        for lang in ("ru", "en")
        for contrast in (False, True)
    ]
    ticket: IssuedTicket | None = None
    for orientation, lang, contrast in combos:
        settings = KioskSettings(
            server=server, token=token, office=office, windowed=True, orientation=orientation,
            lang=lang, high_contrast=contrast, state_file=state_dir / "state.json",
        )  # fmt: skip
        kiosk = build_kiosk(app, settings)
        controller = connect_kiosk(app, kiosk, settings, office, None)
        kiosk.window.show()
        controller.start()
        await asyncio.wait_for(controller.ready.wait(), 20)
        menu = kiosk.flow.menu
        assert menu is not None
        if ticket is None:
            first = next(s for s in menu.services.values() if s.documents)
            ticket = await controller.session.client.issue_ticket(first.id, lang="ru")
        kiosk.view.qr_pixmap = qr_pixmap(ticket.status_url)
        for screen in screens:
            stage(kiosk.flow, screen, menu, ticket)
            controller.apply_look()
            kiosk.view.show_flow(kiosk.flow)
            await asyncio.sleep(0.15)
            suffix = "-contrast" if contrast else ""
            save_png(kiosk.window, out / f"kiosk-{screen}-{orientation}-{lang}{suffix}.png")
        await controller.close()
        kiosk.window.close()
        kiosk.window.deleteLater()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--screen", action="append", choices=SCREENS, help="only these")
    parser.add_argument(
        "--sign-in", action="append", default=[], help="LOGIN:PASSWORD:WORKPLACE to sign in first"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from qt_common.app import run_qt

    screens: list[str] = args.screen or list(SCREENS)
    return run_qt(
        lambda app: _shoot(args.server, args.token, args.out, screens, args.sign_in),
        "okno-gallery",
    )


if __name__ == "__main__":
    sys.exit(main())
