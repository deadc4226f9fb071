"""The public ticket-status page behind the QR code: `/t/{token}`, HTML that follows the ticket.

No personal data: the visitor's phone shows the number, the state, people ahead and the
estimate, where to go once called, and the booked time of a checked-in booking, in Russian or
English (`?lang=en` or the browser's language). The HTML is in templates/ (Jinja2,
autoescaped: a service or workplace name is text, never markup). While the ticket is not final,
a small script (templates/status-live.js) keeps the card current from the live stream
(`status_live.py`), falling back to polling; without JavaScript the page reloads itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool

from queue_protocol.models import PublicTicket
from queue_server.api.deps import ContainerDep
from queue_server.api.problems import request_lang
from queue_server.api.ratelimit import RateLimited, limit_public
from queue_server.domain.errors import NotFound

router = APIRouter()

REFRESH_SECONDS = 15

_TEXT = {
    "ru": {
        "title": "Талон",
        "waiting": "Ожидайте вызова",
        "called": "Вас вызывают",
        "serving": "Вас обслуживают",
        "done": "Обслуживание завершено",
        "no_show": "Вы не подошли по вызову",
        "cancelled": "Талон отменён",
        "ahead": "Перед вами",
        "estimate": "Примерное ожидание",
        "minutes": "мин",
        "under_a_minute": "меньше минуты",
        "no_estimate": "Время ожидания сейчас оценить нельзя",
        "your_turn": "Ваша очередь",
        "at": "Рабочее место",
        "slot": "Запись на",
        "missing": "Талон не найден. Проверьте ссылку или QR-код.",
        "live": "Страница обновляется сама",
        "final": "Талон больше не изменится",
        "other": "English",
    },
    "en": {
        "title": "Ticket",
        "waiting": "Please wait to be called",
        "called": "You are being called",
        "serving": "You are being served",
        "done": "Service finished",
        "no_show": "You did not come when called",
        "cancelled": "Ticket cancelled",
        "ahead": "People ahead of you",
        "estimate": "Estimated wait",
        "minutes": "min",
        "under_a_minute": "under a minute",
        "no_estimate": "The wait cannot be estimated right now",
        "your_turn": "Your turn",
        "at": "Desk",
        "slot": "Booked for",
        "missing": "Ticket not found. Check the link or the QR code.",
        "live": "This page updates by itself",
        "final": "This ticket will not change any more",
        "other": "Русский",
    },
}


@functools.cache
def _templates() -> Environment:
    """The page templates (queue_server/api/templates); every value is HTML-escaped."""
    return Environment(
        loader=PackageLoader("queue_server.api", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    return asked if asked in _TEXT else request_lang(request)


def _notice(lang: str, state: str, message: str, refresh: int | None = None) -> str:
    """A page with one message in a card coloured as the ticket `state` would be."""
    title = _TEXT[lang]["title"]
    page = _templates().get_template("notice.html")
    return page.render(lang=lang, title=title, refresh=refresh, state=state, message=message)


FINAL = frozenset({"done", "no_show", "cancelled"})
SCRIPT_URL = "/assets/status-live.js"


def in_sentence(name: str) -> str:
    """A hall name as the end of a sentence: "Окно 3" -> "окно 3" ("Your turn: window 3").

    Only a capitalised word is lowered: "ЗАГС 2" or "IT desk" stay as they are.
    """
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


@dataclass(frozen=True)
class Card:
    """What a live page needs to show a ticket's state: the card's inner HTML, the sentence for
    the screen reader's live region, and the window title."""

    status: str
    html: str
    announce: str
    title: str

    @property
    def final(self) -> bool:
        return self.status in FINAL


def _values(ticket: PublicTicket, lang: str) -> dict[str, Any]:
    text = _TEXT[lang]
    workplace = ticket.workplace_name.get(lang) if ticket.workplace_name else None
    return {
        "lang": lang,
        "text": text,
        "ticket": ticket,
        "status": ticket.status.value,
        "service": ticket.service_name.get(lang),
        "workplace": workplace,
        "turn": f"{text['your_turn']}: {in_sentence(workplace)}" if workplace else "",
        "turn_where": in_sentence(workplace) if workplace else "",
        "slot": ticket.slot_at.strftime("%H:%M") if ticket.slot_at else None,
    }


def render_card(ticket: PublicTicket, lang: str) -> Card:
    """The card of `ticket` in `lang`, as a live page swaps it in."""
    values = _values(ticket, lang)
    status = values["status"]
    text = _TEXT[lang]
    if status == "called" and values["workplace"]:
        announce = values["turn"]
    elif status == "serving" and values["workplace"]:
        announce = f"{text['serving']}: {values['workplace']}"
    else:
        announce = text[status]
    title = f"{text['title']} {ticket.number}"
    if status == "called" and values["workplace"]:
        title = f"{values['turn']} · {ticket.number}"
    html = _templates().get_template("ticket_card.html").render(**values)
    return Card(status, html, announce, title)


def render_ticket(ticket: PublicTicket, lang: str, token: str | None = None) -> str:
    """The status page of `ticket` in `lang`; with its `token` the page follows it live."""
    values = _values(ticket, lang)
    final = values["status"] in FINAL
    live = token is not None and not final
    card = render_card(ticket, lang)
    return (
        _templates()
        .get_template("ticket.html")
        .render(
            **values,
            title=card.title,
            announce=card.announce,
            refresh=None if final else REFRESH_SECONDS,
            live=live,
            final=final,
            events_url=f"/t/{quote(token)}/events?lang={lang}" if live and token else "",
            poll_url=f"/t/{quote(token)}?lang={lang}" if live and token else "",
            script_url=SCRIPT_URL,
            other_lang="en" if lang == "ru" else "ru",
        )
    )


@router.get("/t/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ticket_page(token: str, request: Request, container: ContainerDep) -> HTMLResponse:
    lang = _lang(request)
    try:
        await limit_public(request)
    except RateLimited as exc:
        # Still a page that refreshes itself: a phone behind a shared address keeps following.
        wait = exc.retry_after
        page = _notice(lang, "waiting", exc.message(lang), refresh=wait)
        return HTMLResponse(page, 429, headers={"Retry-After": str(wait)})
    try:
        ticket = await run_in_threadpool(container.queries.public_ticket, token)
    except NotFound:
        return HTMLResponse(_notice(lang, "cancelled", _TEXT[lang]["missing"]), 404)
    return HTMLResponse(render_ticket(ticket, lang, token))
