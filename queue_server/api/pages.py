"""The public ticket-status page behind the QR code: `/t/{token}`, plain HTML, refreshes itself.

No JavaScript and no personal data: the visitor's phone shows the number, the state, people
ahead and the estimate, in Russian or English (`?lang=en` or the browser's language). The HTML
is in templates/ (Jinja2, autoescaped: a service or workplace name is text, never markup).
"""

from __future__ import annotations

import functools

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
        "no_estimate": "Время ожидания сейчас оценить нельзя",
        "go_to": "Пройдите",
        "missing": "Талон не найден. Проверьте ссылку или QR-код.",
        "refresh": "Страница обновляется сама",
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
        "no_estimate": "The wait cannot be estimated right now",
        "go_to": "Please go to",
        "missing": "Ticket not found. Check the link or the QR code.",
        "refresh": "This page refreshes by itself",
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


def render_ticket(ticket: PublicTicket, lang: str) -> str:
    """The status page of `ticket` in `lang`."""
    text = _TEXT[lang]
    status = ticket.status.value
    final = status in ("done", "no_show", "cancelled")
    return (
        _templates()
        .get_template("ticket.html")
        .render(
            lang=lang,
            title=f"{text['title']} {ticket.number}",
            refresh=None if final else REFRESH_SECONDS,
            text=text,
            ticket=ticket,
            status=status,
            service=ticket.service_name.get(lang),
            workplace=ticket.workplace_name.get(lang) if ticket.workplace_name else None,
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
    return HTMLResponse(render_ticket(ticket, lang))
