"""The public ticket-status page behind the QR code: `/t/{token}`, plain HTML, refreshes itself.

No JavaScript and no personal data: the visitor's phone shows the number, the state, people
ahead and the estimate, in Russian or English (`?lang=en` or the browser's language).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
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

_STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24}
main{max-width:28rem;margin:0 auto;padding:1.5rem}
.card{background:#fff;border-radius:1rem;padding:1.5rem;box-shadow:0 2px 8px #0002;
text-align:center}
.number{font-size:4.5rem;font-weight:bold;letter-spacing:.05em;margin:.25rem 0}
.service{font-size:1.2rem;color:#444}
.state{font-size:1.6rem;font-weight:bold;margin:1rem 0;padding:.75rem;border-radius:.5rem}
.waiting{background:#e8f0fe;color:#174ea6}.called{background:#fde293;color:#5f3b00}
.serving,.done{background:#ceead6;color:#0d652d}.no_show,.cancelled{background:#fad2cf;color:#a50e0e}
.facts{font-size:1.3rem;line-height:2}.where{font-size:2rem;font-weight:bold}
.nowrap{white-space:nowrap}footer{margin-top:1rem;text-align:center;color:#666;font-size:.95rem}a{color:#174ea6}
"""


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    return asked if asked in _TEXT else request_lang(request)


def _page(lang: str, title: str, body: str, refresh: bool, seconds: int = REFRESH_SECONDS) -> str:
    meta = f'<meta http-equiv="refresh" content="{seconds}">' if refresh else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">{meta}'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def render_ticket(ticket: PublicTicket, lang: str) -> str:
    """The status page of `ticket` in `lang`."""
    text = _TEXT[lang]
    status = ticket.status.value
    facts = ""
    if status == "waiting":
        ahead = ticket.ahead if ticket.ahead is not None else "—"
        facts = f"<div>{text['ahead']}: <b>{ahead}</b></div>"
        if ticket.estimate_minutes is not None:
            minutes = f"~{ticket.estimate_minutes}&nbsp;{text['minutes']}"
            facts += f"<div>{text['estimate']}: <b class=nowrap>{minutes}</b></div>"
        else:
            facts += f"<div>{text['no_estimate']}</div>"
    elif status in ("called", "serving") and ticket.workplace_name is not None:
        facts = (
            f"<div>{text['go_to']}:</div>"
            f'<div class="where">{escape(ticket.workplace_name.get(lang))}</div>'
        )
    other = "en" if lang == "ru" else "ru"
    body = (
        f'<div class="card"><div class="service">{escape(ticket.service_name.get(lang))}</div>'
        f'<div class="number">{escape(ticket.number)}</div>'
        f'<div class="state {status}">{text[status]}</div>'
        f'<div class="facts">{facts}</div></div>'
        f'<footer>{text["refresh"]} · <a href="?lang={other}">{text["other"]}</a></footer>'
    )
    final = status in ("done", "no_show", "cancelled")
    return _page(lang, f"{text['title']} {ticket.number}", body, refresh=not final)


@router.get("/t/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ticket_page(token: str, request: Request, container: ContainerDep) -> HTMLResponse:
    lang = _lang(request)
    try:
        await limit_public(request)
    except RateLimited as exc:
        # Still a page that refreshes itself: a phone behind a shared address keeps following.
        wait = exc.retry_after
        body = f'<div class="card"><div class="state waiting">{exc.message(lang)}</div></div>'
        page = _page(lang, _TEXT[lang]["title"], body, refresh=True, seconds=wait)
        return HTMLResponse(page, 429, headers={"Retry-After": str(wait)})
    try:
        ticket = await run_in_threadpool(container.queries.public_ticket, token)
    except NotFound:
        body = (
            f'<div class="card"><div class="state cancelled">{_TEXT[lang]["missing"]}</div></div>'
        )
        return HTMLResponse(_page(lang, _TEXT[lang]["title"], body, refresh=False), 404)
    return HTMLResponse(render_ticket(ticket, lang))
