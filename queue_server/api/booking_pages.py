"""The public online-booking pages under /book: service -> day -> time -> contact -> code.

Server-rendered HTML (templates/book/, Jinja2 autoescaped), no JavaScript, Russian or English
(`?lang=en`, a hidden field in forms, else the browser's language). A visitor manages a booking
by its private link `/book/manage/{secret}` or, after finding it by code and the phone's last
four digits, by a short-lived signed cookie at `/book/my`. Every form carries a CSRF token;
POSTs are rate-limited per address and the code lookup is throttled after repeated failures.
No personal data goes into a URL or a log line; the contact is never shown back after booking.
"""

from __future__ import annotations

import asyncio
import calendar
import functools
import hashlib
import hmac
import logging
import re
import secrets
import time as clock_time
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from cachetools import TTLCache
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from queue_protocol.bookings import BookingView
from queue_server.api.booking_text import (
    CONSENT,
    MONTHS,
    MONTHS_GENITIVE,
    TEXT,
    WEEKDAYS_LONG,
    WEEKDAYS_SHORT,
)
from queue_server.api.calendar_file import CalendarEvent, ics
from queue_server.api.problems import request_lang
from queue_server.api.ratelimit import RateLimit, RateLimited, client_key
from queue_server.api.webforms import (
    CSRF_COOKIE,
    CsrfGuard,
    FailureThrottle,
    TooManyFailures,
    read_form,
)
from queue_server.bootstrap import Container
from queue_server.domain.bookings import MAX_NAME, normalize_email, normalize_phone
from queue_server.domain.errors import DomainError, NotFound
from queue_server.service import commands as c
from queue_server.service.booking_site import BookableService, BookingSite, OfficeCard
from queue_server.service.bookings import BookingQueries

log = logging.getLogger("okno.server")

router = APIRouter(include_in_schema=False)  # /book/find, /book/manage/…, /book/my…
# /book/{office}/{service}/…: included after `router`, whose fixed paths it would shadow
steps = APIRouter(include_in_schema=False)

FORM_RATE_PER_MINUTE = 30.0  # form submissions per address (a visitor sends a handful)
FORM_BURST = 20
LOOKUP_FAILURES = 10  # wrong code+phone guesses per address…
LOOKUP_WINDOW = 600.0  # …per this many seconds
MY_COOKIE = "okno_booking"  # a booking found by code + phone: office, code, expiry, signature
MY_COOKIE_SECONDS = 30 * 60
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HHMM = re.compile(r"^([01]\d|2[0-3])([0-5]\d)$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


@dataclass
class BookingWeb:
    """What the booking pages hold per process (on `app.state.booking_web`)."""

    container: Container
    queries: BookingQueries
    site: BookingSite
    csrf: CsrfGuard
    form_limit: RateLimit
    lookups: FailureThrottle
    key: bytes  # signs the /book/my cookie
    # Booking forms already sent (browser cookie + the form's one-time field) -> where their
    # booking went: a double click or a resent form books once. Per process, ten minutes.
    submitted: TTLCache[str, asyncio.Future[str | None]]

    def sign(self, text: str) -> str:
        return hmac.new(self.key, f"my|{text}".encode(), hashlib.sha256).hexdigest()


def install(app: FastAPI, container: Container, secret: str | None = None) -> None:
    """Serve the booking pages on `app`. `secret` signs the forms' tokens and the lookup cookie:
    give every process of one site the same one; without it each process draws its own."""
    key = hashlib.sha256(secret.encode()).digest() if secret else secrets.token_bytes(32)
    app.state.booking_web = BookingWeb(
        container=container,
        queries=BookingQueries(container.engine, container.service.clock),
        site=BookingSite(container.engine),
        csrf=CsrfGuard(hashlib.sha256(b"csrf|" + key).digest()),
        form_limit=RateLimit(FORM_RATE_PER_MINUTE, FORM_BURST),
        lookups=FailureThrottle(LOOKUP_FAILURES, LOOKUP_WINDOW),
        key=key,
        submitted=TTLCache(10_000, 600),
    )
    app.include_router(router)
    app.include_router(steps)


@functools.cache
def _templates() -> Environment:
    """The booking templates (templates/book/); every value is HTML-escaped."""
    return Environment(
        loader=PackageLoader("queue_server.api", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def qr_svg(text: str) -> Markup:
    """A QR code of `text` as inline SVG (made here: no outside service sees the code)."""
    code = qrcode.QRCode(
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(text)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return Markup(re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2))  # qrcode's own markup


def when_text(lang: str, local: datetime) -> str:
    """ "10 марта 2026 (вторник), 09:30" / "Tuesday, 10 March 2026, 09:30"."""
    weekday = WEEKDAYS_LONG[lang][local.weekday()]
    if lang == "en":
        return f"{weekday}, {local.day} {MONTHS['en'][local.month - 1]} {local.year}, {local:%H:%M}"
    return f"{local.day} {MONTHS_GENITIVE[local.month - 1]} {local.year} ({weekday}), {local:%H:%M}"


def day_text(lang: str, day: date) -> str:
    weekday = WEEKDAYS_LONG[lang][day.weekday()]
    if lang == "en":
        return f"{weekday}, {day.day} {MONTHS['en'][day.month - 1]}"
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}, {weekday}"


class _Page:
    """One request's page: its language, CSRF cookie and the frame every template shares."""

    def __init__(self, request: Request, lang: str | None = None) -> None:
        self.request = request
        asked = lang or request.query_params.get("lang")
        self.lang = asked if asked in TEXT else request_lang(request)
        self.t = TEXT[self.lang]
        self.web: BookingWeb = request.app.state.booking_web
        self.cookie, self.new_cookie = self.web.csrf.cookie(request)
        self.office: OfficeCard | None = None

    def url(self, path: str, **params: str | None) -> str:
        query = {k: v for k, v in params.items() if v is not None}
        query["lang"] = self.lang
        return f"{path}?{urlencode(query)}"

    def home(self) -> str:
        return self.url("/book", office=self.office.id if self.office else None)

    def render(self, template: str, title: str, status: int = 200, **context: Any) -> Response:
        other = "en" if self.lang == "ru" else "ru"
        query = dict(self.request.query_params)
        query["lang"] = other
        office = self.office
        html = (
            _templates()
            .get_template(template)
            .render(
                lang=self.lang,
                t=self.t,
                title=title,
                other_lang=other,
                other_lang_url=f"{self.request.url.path}?{urlencode(query)}",
                home=self.home(),
                find_url=self.url("/book/find", office=office.id if office else None),
                office_name=office.name.get(self.lang) or office.name.get("ru") if office else "",
                csrf=self.web.csrf.token(self.cookie),
                **context,
            )
        )
        response = HTMLResponse(html, status, headers=_HEADERS)
        self.set_cookie(response)
        return response

    def set_cookie(self, response: Response) -> None:
        if self.new_cookie:
            response.set_cookie(
                CSRF_COOKIE,
                self.cookie,
                path="/book",
                httponly=True,
                samesite="lax",
                secure=self.request.url.scheme == "https",
            )

    def message(
        self,
        status: int,
        heading: str,
        message: str,
        nothing_changed: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Response:
        response = self.render(
            "book/message.html",
            heading,
            status,
            heading=heading,
            message=message,
            nothing_changed=nothing_changed,
            next_url=self.home(),
            next_label=self.t["start"],
        )
        response.headers.update(headers or {})
        return response

    def redirect(self, location: str) -> Response:
        response = RedirectResponse(location, 303, headers=_HEADERS)
        self.set_cookie(response)
        return response

    def name(self, text: dict[str, str] | None) -> str:
        if not text:
            return ""
        return text.get(self.lang) or text.get("ru") or next(iter(text.values()), "")


def _client(request: Request) -> str:
    return client_key(request.client.host) if request.client else "unknown"


def _limited(page: _Page, exc: RateLimited) -> Response:
    wait = exc.retry_after
    return page.message(
        429,
        page.t["error"],
        page.t["rate_limited"].format(seconds=wait),
        nothing_changed=True,
        headers={"Retry-After": str(wait)},
    )


async def _guard_get(page: _Page) -> Response | None:
    """The public rate limit of a page view: None to go on, else the refusal page."""
    try:
        page.request.app.state.public_limit.check(_client(page.request))
    except RateLimited as exc:
        return _limited(page, exc)
    return None


async def _guard_post(request: Request) -> tuple[_Page, dict[str, str], Response | None]:
    """A form submission: rate limit, then CSRF. Refused: the page to answer, nothing done."""
    web: BookingWeb = request.app.state.booking_web
    try:
        web.form_limit.check(_client(request))
    except RateLimited as exc:
        return (page := _Page(request)), {}, _limited(page, exc)
    form = await read_form(request)
    page = _Page(request, form.get("lang"))
    if not web.csrf.valid(request, form):
        log.info("booking form refused: CSRF token missing or wrong", extra={"path": "/book"})
        return page, form, page.message(403, page.t["forbidden"], page.t["csrf"], True)
    return page, form, None


async def _office(page: _Page, office: str | None) -> Response | None:
    """Resolve the office (None: the only one) onto `page`; else the page to answer."""
    site = page.web.site
    if office is None:
        ids = await run_in_threadpool(site.office_ids)
        if len(ids) != 1:
            return None  # the caller lists the offices
        office = ids[0]
    try:
        page.office = await run_in_threadpool(site.office, office)
    except NotFound:
        return page.message(404, page.t["not_found"], page.t["bad_office"])
    return None


def _service(page: _Page, service: str) -> BookableService | Response:
    assert page.office is not None
    try:
        return page.office.service(service)
    except NotFound:
        return page.message(404, page.t["not_found"], page.t["bad_service"])


def _bad_date(page: _Page) -> Response:
    return page.message(404, page.t["not_found"], page.t["bad_date"])


def _parse_day(text: str) -> date | None:
    if not _DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_slot(office: OfficeCard, day: date, hhmm: str) -> datetime | None:
    match = _HHMM.match(hhmm)
    if not match:
        return None
    local = datetime.combine(day, time(int(match[1]), int(match[2])), office.tz)
    return local.astimezone(UTC)


async def _execute(container: Container, command: c.Command) -> dict[str, Any]:
    """Run `command` in its office's transaction and publish its events; raises DomainError."""
    executed = await container.batches.run(command)
    return executed.body


# -- step 1: offices and services -------------------------------------------------------------


@steps.get("/book")
async def services_page(request: Request, office: str | None = None) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    if refused := await _office(page, office):
        return refused
    if page.office is None:
        site = page.web.site
        cards = [
            await run_in_threadpool(site.office, o)
            for o in await run_in_threadpool(site.office_ids)
        ]
        offices = [
            {"url": page.url("/book", office=o.id), "name": page.name(o.name), "address": o.address}
            for o in cards
        ]
        return page.render("book/offices.html", page.t["choose_office"], offices=offices)
    current = page.office
    services = [
        {
            "url": page.url(f"/book/{current.id}/{s.id}"),
            "name": page.name(s.name),
            "description": page.name(s.description),
            "minutes": s.slot_minutes,
        }
        for s in current.services
    ]
    return page.render("book/services.html", page.t["choose_service"], services=services)


# -- step 2: the month -------------------------------------------------------------------------


def _month_of(text: str | None, today: date) -> tuple[int, int] | None:
    if text is None:
        return today.year, today.month
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return int(match[1]), int(match[2])


async def _calendar(
    page: _Page, service: BookableService, month: str | None, base: str, back_url: str, step: str
) -> Response:
    """The month page of `service`; day links go to `base/{YYYY-MM-DD}`."""
    assert page.office is not None
    office = page.office
    today = page.web.container.service.clock().astimezone(office.tz).date()
    chosen = _month_of(month, today)
    if chosen is None:
        return _bad_date(page)
    year, number = chosen
    first = date(year, number, 1)
    horizon = today + timedelta(days=service.horizon_days)
    if first < today.replace(day=1) or first > horizon:
        return _bad_date(page)
    free = await run_in_threadpool(page.web.queries.free_days, office.id, service.id, year, number)
    free_days = set(free.days)
    weeks: list[list[dict[str, Any] | None]] = []
    for week in calendar.Calendar().monthdatescalendar(year, number):
        row: list[dict[str, Any] | None] = []
        for day in week:
            if day.month != number:
                row.append(None)
                continue
            open_ = day in free_days
            label = f"{day_text(page.lang, day)}: {page.t['free_day' if open_ else 'no_free_day']}"
            row.append(
                {
                    "day": day.day,
                    "url": page.url(f"{base}/{day.isoformat()}") if open_ else None,
                    "today": day == today,
                    "label": label,
                }
            )
        weeks.append(row)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return page.render(
        "book/calendar.html",
        page.t["choose_day"],
        heading=page.t["choose_day"],
        step=step,
        service_name=page.name(service.name),
        month_label=f"{MONTHS[page.lang][number - 1]} {year}",
        weekdays=WEEKDAYS_SHORT[page.lang],
        weeks=weeks,
        any_free=bool(free_days),
        prev_url=page.url(base, month=f"{previous:%Y-%m}") if first > today else None,
        next_url=page.url(base, month=f"{following:%Y-%m}") if following <= horizon else None,
        back_url=back_url,
        back_label=page.t["other_service"],
    )


@steps.get("/book/{office}/{service}")
async def calendar_page(
    request: Request, office: str, service: str, month: str | None = None
) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page) or await _office(page, office):
        return refused
    chosen = _service(page, service)
    if isinstance(chosen, Response):
        return chosen
    base = f"/book/{office}/{service}"
    step = page.t["step"].format(n=2)
    return await _calendar(page, chosen, month, base, page.home(), step)


# -- step 3: the day's times -------------------------------------------------------------------


async def _slots(
    page: _Page, service: BookableService, day_text_: str, base: str, back_url: str, step: str
) -> Response:
    assert page.office is not None
    day = _parse_day(day_text_)
    if day is None:
        return _bad_date(page)
    free = await run_in_threadpool(page.web.queries.free_slots, page.office.id, service.id, day)
    slots = [
        {
            "label": s.local,
            "left": s.left,
            "url": page.url(f"{base}/{day.isoformat()}/{s.local.replace(':', '')}"),
        }
        for s in free.slots
    ]
    return page.render(
        "book/slots.html",
        page.t["choose_time"],
        step=step,
        service_name=page.name(service.name),
        day_label=day_text(page.lang, day),
        slots=slots,
        back_url=back_url,
    )


@steps.get("/book/{office}/{service}/{day}")
async def slots_page(request: Request, office: str, service: str, day: str) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page) or await _office(page, office):
        return refused
    chosen = _service(page, service)
    if isinstance(chosen, Response):
        return chosen
    base = f"/book/{office}/{service}"
    back = page.url(base, month=day[:7] if _parse_day(day) else None)
    return await _slots(page, chosen, day, base, back, page.t["step"].format(n=3))


# -- step 4: the form --------------------------------------------------------------------------


def _form(
    page: _Page,
    service: BookableService,
    slot_at: datetime,
    back_url: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    move: bool = False,
    available: bool = True,
) -> Response:
    assert page.office is not None
    local = slot_at.astimezone(page.office.tz)
    heading = page.t["move_title"] if move else page.t["your_booking"]
    return page.render(
        "book/form.html",
        heading,
        status,
        heading=heading,
        step="" if move else page.t["step"].format(n=4),
        service_name=page.name(service.name),
        when=when_text(page.lang, local),
        address=page.office.address,
        action=page.request.url.path,
        values=values,
        errors=errors,
        with_contact=not move,
        consent_text=CONSENT[page.lang],
        submit=page.t["move_yes"] if move else page.t["book"],
        back_url=back_url,
        available=available,
        once=secrets.token_urlsafe(16),
    )


def contact_errors(lang: str, form: dict[str, str]) -> dict[str, str]:
    """Each contact field's problem in `lang` (all at once, so the visitor fixes them together)."""
    t = TEXT[lang]
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    if len(name) > MAX_NAME or _CONTROL.search(name):
        errors["name"] = t["bad_name"]
    if form.get("phone", "").strip():
        try:
            normalize_phone(form["phone"])
        except DomainError:
            errors["phone"] = t["bad_phone"]
    if form.get("email", "").strip():
        try:
            normalize_email(form["email"])
        except DomainError:
            errors["email"] = t["bad_email"]
    given = any(form.get(f, "").strip() for f in ("name", "phone", "email"))
    if given and form.get("consent") != "yes":
        errors["consent"] = t["need_consent"]
    return errors


_CONTACT_FIELDS = {
    "invalid_name": "name",
    "invalid_phone": "phone",
    "invalid_email": "email",
    "consent_required": "consent",
}


async def _slot_target(
    page: _Page, office: str, service: str, day: str, hhmm: str
) -> tuple[BookableService, datetime] | Response:
    if refused := await _office(page, office):
        return refused
    chosen = _service(page, service)
    if isinstance(chosen, Response):
        return chosen
    assert page.office is not None
    parsed = _parse_day(day)
    slot_at = _parse_slot(page.office, parsed, hhmm) if parsed else None
    if slot_at is None:
        return _bad_date(page)
    return chosen, slot_at


@steps.get("/book/{office}/{service}/{day}/{hhmm}")
async def form_page(request: Request, office: str, service: str, day: str, hhmm: str) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    target = await _slot_target(page, office, service, day, hhmm)
    if isinstance(target, Response):
        return target
    chosen, slot_at = target
    back = page.url(f"/book/{office}/{service}/{day}")
    available = await _free(page, chosen, slot_at)
    return _form(
        page, chosen, slot_at, back, {}, {}, 200 if available else 409, available=available
    )


async def _free(page: _Page, service: BookableService, slot_at: datetime) -> bool:
    """Whether `slot_at` can be booked now (else the form says so before anything is typed)."""
    assert page.office is not None
    day = slot_at.astimezone(page.office.tz).date()
    free = await run_in_threadpool(page.web.queries.free_slots, page.office.id, service.id, day)
    return any(slot.at == slot_at for slot in free.slots)


@steps.post("/book/{office}/{service}/{day}/{hhmm}")
async def book(request: Request, office: str, service: str, day: str, hhmm: str) -> Response:
    page, form, refused = await _guard_post(request)
    if refused:
        return refused
    target = await _slot_target(page, office, service, day, hhmm)
    if isinstance(target, Response):
        return target
    chosen, slot_at = target
    back = page.url(f"/book/{office}/{service}/{day}")
    values = {k: form.get(k, "")[:300] for k in ("name", "phone", "email", "consent")}
    errors = contact_errors(page.lang, form)
    if errors:
        return _form(page, chosen, slot_at, back, values, errors, 422)
    command = c.BookSlot(
        office=office,
        service=service,
        slot_at=slot_at,
        lang=page.lang,
        name=form.get("name", "").strip() or None,
        phone=form.get("phone", "").strip() or None,
        email=form.get("email", "").strip() or None,
        consent=form.get("consent") == "yes",
        source="web",
    )
    once = form.get("once", "")[:64]
    sent: asyncio.Future[str | None] | None = None
    if once:
        key = f"{page.cookie}|{once}"
        earlier = page.web.submitted.get(key)
        if earlier is not None:
            location = await asyncio.shield(earlier)  # the same form sent again: its answer
            if location is not None:
                return page.redirect(location)
        else:
            sent = page.web.submitted[key] = asyncio.get_running_loop().create_future()
    location = None
    try:
        body = await _execute(page.web.container, command)
        location = page.url(f"/book/manage/{body['manage_secret']}", new="1")
    except DomainError as exc:
        field = _CONTACT_FIELDS.get(exc.code, "form")
        errors = {field: exc.message(page.lang)}
        return _form(page, chosen, slot_at, back, values, errors, exc.status)
    finally:
        if sent is not None and not sent.done():
            sent.set_result(location)  # None: it failed, a resend tries on its own
    log.info("booking made on the web", extra={"office": office, "service": service})
    return page.redirect(location)


# -- finding a booking by code and phone ---------------------------------------------------------


def _find(page: _Page, values: dict[str, str], errors: dict[str, str], status: int) -> Response:
    office = page.office.id if page.office else None
    return page.render(
        "book/find.html",
        page.t["find_title"],
        status,
        action=page.url("/book/find", office=office),
        values=values,
        errors=errors,
    )


def _too_many(page: _Page, exc: TooManyFailures) -> Response:
    minutes = max(1, -(-exc.retry_after // 60))
    return page.message(
        429,
        page.t["error"],
        page.t["too_many"].format(minutes=minutes),
        headers={"Retry-After": str(exc.retry_after)},
    )


@router.get("/book/find")
async def find_page(request: Request, office: str | None = None) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page) or await _office(page, office):
        return refused
    return _find(page, {}, {}, 200)


@router.post("/book/find")
async def find(request: Request, office: str | None = None) -> Response:
    page, form, refused = await _guard_post(request)
    if refused or (refused := await _office(page, office)):
        return refused
    web = page.web
    who = _client(request)
    try:
        web.lookups.check(who)
    except TooManyFailures as exc:
        return _too_many(page, exc)
    code = re.sub(r"[\s-]+", "", form.get("code", "")).upper()
    last4 = form.get("last4", "").strip()
    values = {"code": code[:20]}
    errors: dict[str, str] = {}
    if not re.fullmatch(r"[A-Z0-9]{4,16}", code):
        errors["code"] = page.t["bad_code"]
    if not re.fullmatch(r"\d{4}", last4):
        errors["last4"] = page.t["bad_last4"]
    if errors:
        return _find(page, values, errors, 422)
    offices = [page.office.id] if page.office else await run_in_threadpool(web.site.office_ids)
    for office_id in offices:
        view = await run_in_threadpool(
            web.queries.booking_by_code_and_phone_last4, office_id, code, last4
        )
        if view is not None:
            break
    else:
        web.lookups.failed(who)
        return _find(page, values, {"form": page.t["find_wrong"]}, 404)
    expires = int(clock_time.time()) + MY_COOKIE_SECONDS
    text = f"{view.office}~{view.code}~{expires}"
    response = page.redirect(page.url("/book/my"))
    response.set_cookie(
        MY_COOKIE,
        f"{text}~{web.sign(text)}",
        max_age=MY_COOKIE_SECONDS,
        path="/book",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


# -- the booking's own pages: confirmation, manage, cancel, move ---------------------------------


@dataclass(frozen=True)
class _Holder:
    """How this request reaches its booking: the private link or the lookup cookie."""

    base: str  # /book/manage/{secret} or /book/my
    secret: str | None


async def _booking(page: _Page, holder: _Holder) -> BookingView | Response:
    """The holder's booking (and its office onto `page`), or the "wrong link" page."""
    web = page.web
    view: BookingView | None = None
    if holder.secret is not None:
        view = await run_in_threadpool(web.queries.booking_by_manage_secret, holder.secret)
    else:
        parts = page.request.cookies.get(MY_COOKIE, "").split("~")
        if len(parts) == 4 and hmac.compare_digest(web.sign("~".join(parts[:3])), parts[3]):
            office, code, expires = parts[:3]
            if expires.isdigit() and int(expires) > clock_time.time():
                view = await run_in_threadpool(web.queries.booking_by_code, office, code)
    if view is None:
        return page.message(404, page.t["not_found"], page.t["bad_link"])
    if refused := await _office(page, view.office):
        return refused
    return view


def _changeable(page: _Page, view: BookingView) -> bool:
    return view.status == "booked" and view.slot_at > page.web.container.service.clock()


def _booking_service(page: _Page, view: BookingView) -> BookableService | None:
    assert page.office is not None
    for service in page.office.services:
        if service.id == view.service:
            return service
    return None


async def _manage(request: Request, holder: _Holder) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    view = await _booking(page, holder)
    if isinstance(view, Response):
        return view
    assert page.office is not None
    service = _booking_service(page, view)
    new = request.query_params.get("new") == "1"
    # The heading of a cancelled booking already says so: no banner repeating it.
    banner = {"new": None, "moved": page.t["moved"], "cancelled": None}
    done = next((k for k in banner if request.query_params.get(k) == "1"), None)
    heading = page.t["booked"] if new else page.t["your_booking"]
    if view.status == "cancelled":
        heading = page.t["cancelled"]
    documents = [page.name(d) for d in service.documents] if service else []
    return page.render(
        "book/booking.html",
        heading,
        heading=heading,
        banner=banner[done] if done else None,
        booking=view,
        live=view.status in ("booked", "checked_in"),
        qr_svg=qr_svg(view.code),
        status_text=page.t[f"status_{view.status}"],
        service_name=page.name(view.service_name.model_dump()),
        when=when_text(page.lang, view.slot_at.astimezone(page.office.tz)),
        office_title=page.name(page.office.name),
        address=page.office.address,
        contact_name=None,
        contact_phone=None,
        contact_email=None,
        documents=documents,
        changeable=_changeable(page, view),
        confirmation=new,
        ics_url=page.url(f"{holder.base}/booking.ics"),
        manage_url=page.url(holder.base) if new else None,
        move_url=page.url(f"{holder.base}/move"),
        cancel_url=page.url(f"{holder.base}/cancel"),
    )


async def _calendar_file(request: Request, holder: _Holder) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    view = await _booking(page, holder)
    if isinstance(view, Response):
        return view
    assert page.office is not None
    service = _booking_service(page, view)
    lang = page.lang
    name = page.name(view.service_name.model_dump())
    documents = ", ".join(page.name(d) for d in service.documents) if service else ""
    description = f"{page.t['code']}: {view.code}"
    if documents:
        description += f"\n{page.t['documents']}: {documents}"
    location = ", ".join(x for x in (page.name(page.office.name), page.office.address) if x)
    event = CalendarEvent(
        uid=f"booking-{view.office}-{view.code}@okno",
        start=view.slot_at,
        minutes=service.slot_minutes if service else 30,
        summary=("Запись: " if lang == "ru" else "Booking: ") + name,
        location=location,
        description=description,
        stamp=datetime.now(UTC),
        sequence=int(view.slot_at.timestamp() // 60) % 2**31,
    )
    return Response(
        ics(event),
        media_type="text/calendar; charset=utf-8",
        headers={
            **_HEADERS,
            "Content-Disposition": f'attachment; filename="booking-{view.code}.ics"',
        },
    )


async def _cancel_page(request: Request, holder: _Holder) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    view = await _booking(page, holder)
    if isinstance(view, Response):
        return view
    if not _changeable(page, view):
        return page.redirect(page.url(holder.base))
    assert page.office is not None
    return page.render(
        "book/cancel.html",
        page.t["cancel_confirm"],
        code=view.code,
        service_name=page.name(view.service_name.model_dump()),
        when=when_text(page.lang, view.slot_at.astimezone(page.office.tz)),
        action=f"{holder.base}/cancel",
        back_url=page.url(holder.base),
    )


async def _cancel(request: Request, holder: _Holder) -> Response:
    page, _, refused = await _guard_post(request)
    if refused:
        return refused
    view = await _booking(page, holder)
    if isinstance(view, Response):
        return view
    try:
        await _execute(page.web.container, c.CancelBooking(view.office, view.code, page.lang))
    except DomainError as exc:
        return page.message(exc.status, page.t["error"], exc.message(page.lang), True)
    return page.redirect(page.url(holder.base, cancelled="1"))


async def _move_target(
    page: _Page, holder: _Holder
) -> tuple[BookingView, BookableService] | Response:
    view = await _booking(page, holder)
    if isinstance(view, Response):
        return view
    service = _booking_service(page, view)
    if service is None or not _changeable(page, view):
        return page.message(409, page.t["error"], page.t["not_changeable"], True)
    return view, service


async def _move_calendar(request: Request, holder: _Holder, month: str | None) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    target = await _move_target(page, holder)
    if isinstance(target, Response):
        return target
    _, service = target
    back = page.url(holder.base)
    return await _calendar(page, service, month, f"{holder.base}/move", back, page.t["move_title"])


async def _move_slots(request: Request, holder: _Holder, day: str) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    target = await _move_target(page, holder)
    if isinstance(target, Response):
        return target
    _, service = target
    base = f"{holder.base}/move"
    back = page.url(base, month=day[:7] if _parse_day(day) else None)
    return await _slots(page, service, day, base, back, page.t["move_title"])


async def _move_form(request: Request, holder: _Holder, day: str, hhmm: str) -> Response:
    page = _Page(request)
    if refused := await _guard_get(page):
        return refused
    target = await _move_target(page, holder)
    if isinstance(target, Response):
        return target
    _, service = target
    assert page.office is not None
    parsed = _parse_day(day)
    slot_at = _parse_slot(page.office, parsed, hhmm) if parsed else None
    if slot_at is None:
        return _bad_date(page)
    back = page.url(f"{holder.base}/move/{day}")
    available = await _free(page, service, slot_at)
    status = 200 if available else 409
    return _form(page, service, slot_at, back, {}, {}, status, move=True, available=available)


async def _move(request: Request, holder: _Holder, day: str, hhmm: str) -> Response:
    page, _, refused = await _guard_post(request)
    if refused:
        return refused
    target = await _move_target(page, holder)
    if isinstance(target, Response):
        return target
    view, service = target
    assert page.office is not None
    parsed = _parse_day(day)
    slot_at = _parse_slot(page.office, parsed, hhmm) if parsed else None
    if slot_at is None:
        return _bad_date(page)
    back = page.url(f"{holder.base}/move/{day}")
    try:
        await _execute(
            page.web.container, c.MoveBooking(view.office, view.code, slot_at, page.lang)
        )
    except DomainError as exc:
        errors = {"form": exc.message(page.lang)}
        return _form(page, service, slot_at, back, {}, errors, exc.status, move=True)
    return page.redirect(page.url(holder.base, moved="1"))


def _by_link(secret: str) -> _Holder:
    return _Holder(f"/book/manage/{secret}", secret)


_BY_COOKIE = _Holder("/book/my", None)


@router.get("/book/manage/{secret}")
async def manage_page(request: Request, secret: str) -> Response:
    return await _manage(request, _by_link(secret))


@router.get("/book/my")
async def my_page(request: Request) -> Response:
    return await _manage(request, _BY_COOKIE)


@router.get("/book/manage/{secret}/booking.ics")
async def manage_ics(request: Request, secret: str) -> Response:
    return await _calendar_file(request, _by_link(secret))


@router.get("/book/my/booking.ics")
async def my_ics(request: Request) -> Response:
    return await _calendar_file(request, _BY_COOKIE)


@router.get("/book/manage/{secret}/cancel")
async def manage_cancel_page(request: Request, secret: str) -> Response:
    return await _cancel_page(request, _by_link(secret))


@router.get("/book/my/cancel")
async def my_cancel_page(request: Request) -> Response:
    return await _cancel_page(request, _BY_COOKIE)


@router.post("/book/manage/{secret}/cancel")
async def manage_cancel(request: Request, secret: str) -> Response:
    return await _cancel(request, _by_link(secret))


@router.post("/book/my/cancel")
async def my_cancel(request: Request) -> Response:
    return await _cancel(request, _BY_COOKIE)


@router.get("/book/manage/{secret}/move")
async def manage_move_calendar(request: Request, secret: str, month: str | None = None) -> Response:
    return await _move_calendar(request, _by_link(secret), month)


@router.get("/book/my/move")
async def my_move_calendar(request: Request, month: str | None = None) -> Response:
    return await _move_calendar(request, _BY_COOKIE, month)


@router.get("/book/manage/{secret}/move/{day}")
async def manage_move_slots(request: Request, secret: str, day: str) -> Response:
    return await _move_slots(request, _by_link(secret), day)


@router.get("/book/my/move/{day}")
async def my_move_slots(request: Request, day: str) -> Response:
    return await _move_slots(request, _BY_COOKIE, day)


@router.get("/book/manage/{secret}/move/{day}/{hhmm}")
async def manage_move_form(request: Request, secret: str, day: str, hhmm: str) -> Response:
    return await _move_form(request, _by_link(secret), day, hhmm)


@router.get("/book/my/move/{day}/{hhmm}")
async def my_move_form(request: Request, day: str, hhmm: str) -> Response:
    return await _move_form(request, _BY_COOKIE, day, hhmm)


@router.post("/book/manage/{secret}/move/{day}/{hhmm}")
async def manage_move(request: Request, secret: str, day: str, hhmm: str) -> Response:
    return await _move(request, _by_link(secret), day, hhmm)


@router.post("/book/my/move/{day}/{hhmm}")
async def my_move(request: Request, day: str, hhmm: str) -> Response:
    return await _move(request, _BY_COOKIE, day, hhmm)
