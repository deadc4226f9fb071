"""The status page's templates: names from an office file are text, never markup."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from queue_protocol.models import LocalizedText, PublicTicket, TicketStatus
from queue_server.api.pages import render_ticket

SCRIPT = "<script>alert(1)</script>"


def _ticket(status: TicketStatus) -> PublicTicket:
    return PublicTicket(
        number=f"А{SCRIPT}",
        service="reg",
        service_name=LocalizedText(ru=f"Регистрация {SCRIPT}", en=f'Registration "{SCRIPT}"'),
        status=status,
        ahead=2,
        estimate_minutes=10,
        workplace="1",
        workplace_name=LocalizedText(ru=f"Окно {SCRIPT}", en=f"Window & {SCRIPT}"),
        issued_at=datetime(2026, 3, 10, 7, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("status", [TicketStatus.WAITING, TicketStatus.CALLED])
def test_names_with_markup_are_escaped(status: TicketStatus, lang: str) -> None:
    """A service, workplace or number holding `<script>` is shown as text, escaped."""
    html = render_ticket(_ticket(status), lang)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # number (title, card), service; once called also the workplace (title, banner, live region)
    assert html.count("&lt;script&gt;") == (6 if status == TicketStatus.CALLED else 3)


def test_the_page_keeps_its_frame() -> None:
    """The rendered page is a whole document: language, refresh, title, style, footer link."""
    html = render_ticket(_ticket(TicketStatus.WAITING), "en")
    assert html.startswith('<!doctype html>\n<html lang="en">')
    assert '<meta http-equiv="refresh" content="15">' in html
    assert "<title>Ticket А&lt;script&gt;" in html
    assert "<style>\nbody{" in html and "</style>" in html
    assert '<a href="?lang=ru">Русский</a>' in html
    assert html.endswith("</html>\n")


def test_a_final_ticket_page_does_not_refresh() -> None:
    """Done, no-show and cancelled tickets stop refreshing (nothing more will change)."""
    for status in (TicketStatus.DONE, TicketStatus.NO_SHOW, TicketStatus.CANCELLED):
        assert "http-equiv" not in render_ticket(_ticket(status), "ru")


@pytest.mark.parametrize(("lang", "said"), [("ru", "меньше минуты"), ("en", "under a minute")])
def test_a_wait_under_half_a_minute_reads_under_a_minute(lang: str, said: str) -> None:
    """A waiting ticket estimated at 0 minutes is told "under a minute", not "~0 min"."""
    ticket = _ticket(TicketStatus.WAITING).model_copy(update={"estimate_minutes": 0})
    html = render_ticket(ticket, lang)
    assert f"<b>{said}</b>" in html
    assert "~0" not in html
