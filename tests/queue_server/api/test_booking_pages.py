"""The public booking pages: each step, the confirmation, manage/cancel/move, and bad input."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from queue_server.api.app import create_app
from queue_server.bootstrap import Container
from queue_server.service.hub import EventHub
from queue_server.settings import ServerSettings
from queue_server.storage import tables as t
from queue_server.storage.db import sqlite_url
from tests.helpers.booking_office import ADDRESS, make_bookable
from tests.helpers.office import Office, make_office

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

# FakeClock: 2026-03-10 07:00 UTC, a Tuesday, 10:00 in Moscow; the lead time is 60 minutes.
DAY = "2026-03-10"
FORM = f"/book/test/reg/{DAY}/1130"
PHONE = "+7 900 123-45-67"

Client = tuple[httpx.AsyncClient, Office]


@pytest_asyncio.fixture
async def site(tmp_path: Path) -> AsyncIterator[Client]:
    from queue_server.api.events import encode_row

    office = make_office(tmp_path / "okno.db")
    make_bookable(office.engine)
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"), public_url="http://okno.test"
    )
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        yield client, office
    office.engine.dispose()


def _bookings(office: Office) -> int:
    with office.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.bookings)).scalar_one())


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, "the form carries a CSRF token"
    return match[1]


async def _post(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    """GET the form at `path` (for its cookie and token), then POST `fields` to it."""
    page = await client.get(path)
    if 'name="csrf"' not in page.text:  # the slot is not free: post as from a stale page
        page = await client.get("/book/find")
    data = {"csrf": _csrf(page.text), **fields}
    return await client.post(path, data=data)


async def _book(client: httpx.AsyncClient, path: str = FORM, **fields: str) -> str:
    """Book through the form; returns the manage page's path (with its secret)."""
    response = await _post(client, path, **fields)
    assert response.status_code == 303, response.text
    return response.headers["location"].split("?")[0]


async def test_services_page_lists_only_bookable_services(site: Client) -> None:
    """Step 1 lists the services with a booking schedule, in Russian, with an English switch."""
    client, _ = site
    page = await client.get("/book")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="ru">' in html and "Выберите услугу" in html
    assert "Регистрация" in html and "Вакансии" in html and "Пособие" not in html
    assert "/book/test/reg?lang=ru" in html and 'href="/book?lang=en"' in html
    english = (await client.get("/book?lang=en")).text
    assert '<html lang="en">' in english and "Choose a service" in english


async def test_unknown_office_is_a_clear_404(site: Client) -> None:
    """An office that does not exist gets a page saying so, not a stack trace or JSON."""
    client, _ = site
    page = await client.get("/book?office=nowhere")
    assert page.status_code == 404 and "Такой офис не найден" in page.text


async def test_service_without_booking_is_refused(site: Client) -> None:
    """A service that takes no bookings has no calendar: a clear 404 page."""
    client, _ = site
    page = await client.get("/book/test/ben")
    assert page.status_code == 404 and "нет записи" in page.text


async def test_calendar_links_free_days_only(site: Client) -> None:
    """Weekdays with free slots are links; the holiday and the weekend are not; next month is
    offered, the past month is not."""
    client, _ = site
    html = (await client.get("/book/test/reg")).text
    assert "март 2026" in html
    assert f'href="/book/test/reg/{DAY}?lang=ru"' in html  # today: slots after the lead time
    assert 'href="/book/test/reg/2026-03-11?lang=ru"' in html
    assert "/book/test/reg/2026-03-12" not in html  # the holiday
    assert "/book/test/reg/2026-03-14" not in html  # Saturday
    assert "/book/test/reg/2026-03-09" not in html  # yesterday
    assert "month=2026-04" in html and "month=2026-02" not in html


async def test_calendar_refuses_a_month_beyond_the_horizon(site: Client) -> None:
    """A month past the 30-day horizon, or malformed, is refused with a clear page."""
    client, _ = site
    assert (await client.get("/book/test/reg?month=2026-06")).status_code == 404
    page = await client.get("/book/test/reg?month=junk")
    assert page.status_code == 404 and "Дата или время указаны неверно" in page.text


async def test_slots_page_lists_the_days_free_times(site: Client) -> None:
    """Step 3 shows today's slots after the lead time, as links to the form."""
    client, _ = site
    html = (await client.get(f"/book/test/reg/{DAY}")).text
    assert "Выберите время" in html and "10 марта, вторник" in html
    assert f'href="/book/test/reg/{DAY}/1100?lang=ru"' in html
    assert "/1030?" not in html  # within the lead time
    assert "/1230?" in html and "/1300?" not in html  # a slot must end by 13:00


async def test_form_has_labelled_fields_and_the_consent_text(site: Client) -> None:
    """The form labels every field and shows the 152-ФЗ consent next to its checkbox."""
    client, _ = site
    html = (await client.get(FORM)).text
    for field in ("name", "phone", "email", "consent"):
        assert f'for="f-{field}"' in html and f'id="f-{field}"' in html
    assert "152-ФЗ" in html and "10 марта 2026 (вторник), 11:30" in html and ADDRESS in html


async def test_booking_leads_to_the_confirmation(site: Client) -> None:
    """A booking redirects to its private page: code, QR, documents, .ics, manage link."""
    client, office = site
    response = await _post(client, FORM, name="Иван", phone=PHONE, consent="yes")
    assert response.status_code == 303
    location = response.headers["location"]
    assert "9001234567" not in unquote(location) and "Иван" not in unquote(location)
    page = await client.get(location)
    html = page.text
    assert page.status_code == 200 and "Вы записаны" in html
    code = re.search(r'<div class="code">([A-Z0-9]{8})</div>', html)
    assert code is not None
    assert "<svg" in html and "Паспорт" in html and "СНИЛС" in html
    assert "booking.ics" in html and "Перенести или отменить запись" in html
    assert "Иван" not in html and "4567" not in html  # the contact is never shown back
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert _bookings(office) == 1


async def test_booking_without_contact_needs_no_consent(site: Client) -> None:
    """All contact fields empty: booked without ticking the consent."""
    client, office = site
    await _book(client)
    assert _bookings(office) == 1


async def test_missing_csrf_token_is_refused(site: Client) -> None:
    """A POST without the token gets a 403 page saying nothing changed; nothing is booked."""
    client, office = site
    await client.get(FORM)
    response = await client.post(FORM, data={"name": ""})
    assert response.status_code == 403
    assert "Форма устарела" in response.text and "Ничего не изменено" in response.text
    assert _bookings(office) == 0


async def test_forged_csrf_token_is_refused(site: Client) -> None:
    """A token signed for another browser's cookie does not pass."""
    client, office = site
    other = httpx.AsyncClient(transport=client._transport, base_url="http://okno")
    async with other:
        token = _csrf((await other.get(FORM)).text)
    await client.get(FORM)
    response = await client.post(FORM, data={"csrf": token})
    assert response.status_code == 403 and _bookings(office) == 0


async def test_bad_phone_shows_the_form_again_with_the_error(site: Client) -> None:
    """A malformed phone: the form again, the message next to the field, nothing booked."""
    client, office = site
    response = await _post(client, FORM, phone="12345", consent="yes")
    assert response.status_code == 422
    html = response.text
    assert 'id="e-phone"' in html and "Номер телефона не распознан" in html
    assert 'aria-invalid="true" aria-describedby="e-phone' in html
    assert 'value="12345"' in html  # kept for correcting, on the visitor's own page
    assert _bookings(office) == 0


async def test_bad_email_in_english(site: Client) -> None:
    """A malformed e-mail in an English form gets the English message next to the field."""
    client, office = site
    response = await _post(client, FORM, email="not-an-address", consent="yes", lang="en")
    assert response.status_code == 422
    assert 'id="e-email"' in response.text and "is not recognised" in response.text
    assert _bookings(office) == 0


async def test_contact_without_consent_is_refused(site: Client) -> None:
    """A phone without the consent ticked: the consent error, nothing booked."""
    client, office = site
    response = await _post(client, FORM, phone=PHONE)
    assert response.status_code == 422
    assert 'id="e-consent"' in response.text and "Без согласия" in response.text
    assert _bookings(office) == 0


async def test_name_with_control_characters_is_refused(site: Client) -> None:
    """A name holding control characters is refused next to the name field."""
    client, office = site
    response = await _post(client, FORM, name="Иван\x07", consent="yes")
    assert response.status_code == 422 and 'id="e-name"' in response.text
    assert _bookings(office) == 0


async def test_full_slot_is_refused_on_the_form(site: Client) -> None:
    """The one place of a slot taken: the second visitor sees "уже занято", one booking."""
    client, office = site
    await _book(client)
    response = await _post(client, FORM)
    assert response.status_code == 409 and "уже занято" in response.text
    assert 'role="alert"' in response.text
    assert _bookings(office) == 1


@pytest.mark.parametrize(
    ("path", "words"),
    [
        (f"/book/test/reg/{DAY}/0900", "уже прошло"),
        (f"/book/test/reg/{DAY}/1030", "не позднее чем за"),
        ("/book/test/reg/2026-03-12/1000", "офис не работает"),
        ("/book/test/reg/2026-05-04/1000", "только на 30 дн"),
        (f"/book/test/reg/{DAY}/1115", "На 10.03.2026 11:15 записи нет"),
    ],
)
async def test_unbookable_slots_are_refused(site: Client, path: str, words: str) -> None:
    """Past, too soon, holiday, beyond the horizon, off the grid: the engine's sentence, no
    booking."""
    client, office = site
    response = await _post(client, path)
    assert response.status_code == 409 and words in response.text
    assert _bookings(office) == 0


async def test_malformed_date_or_time_is_a_clear_page(site: Client) -> None:
    """A date or time that cannot be read is refused with a page, never a 500."""
    client, _ = site
    for path in ("/book/test/reg/2026-02-30", "/book/test/reg/2026-03-10/2561"):
        page = await client.get(path)
        assert page.status_code == 404 and "Дата или время указаны неверно" in page.text


async def test_calendar_file_is_rfc5545(site: Client) -> None:
    """The .ics has CRLF lines, UTC start and end, a UID and escaped text."""
    client, _ = site
    manage = await _book(client)
    response = await client.get(f"{manage}/booking.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20260310T083000Z\r\n" in body and "DTEND:20260310T090000Z\r\n" in body
    assert re.search(r"UID:booking-test-[A-Z0-9]{8}@okno\r\n", body)
    unfolded = body.replace("\r\n ", "")
    assert "LOCATION:Тестовый ЦЗН\\, г. Москва\\, ул. Примерная\\, д. 1" in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


async def test_cancel_asks_then_cancels_and_frees_the_slot(site: Client) -> None:
    """Cancel needs a confirming POST; afterwards the page says cancelled and the slot is free."""
    client, _ = site
    manage = await _book(client)
    confirm = await client.get(f"{manage}/cancel")
    assert confirm.status_code == 200 and "Отменить запись?" in confirm.text
    response = await client.post(f"{manage}/cancel", data={"csrf": _csrf(confirm.text)})
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Запись отменена" in page.text and "Записаться снова" in page.text
    assert "<svg" not in page.text  # no QR for a cancelled booking
    assert "/1130?" in (await client.get(f"/book/test/reg/{DAY}")).text


async def test_cancel_without_token_changes_nothing(site: Client) -> None:
    """A forged cancel (no CSRF token) is refused and the booking stays."""
    client, _ = site
    manage = await _book(client)
    response = await client.post(f"{manage}/cancel", data={})
    assert response.status_code == 403
    assert "Запись действует" in (await client.get(manage)).text


async def test_move_to_another_slot(site: Client) -> None:
    """Move: calendar, times, confirm; the booking keeps its code at the new time."""
    client, _ = site
    manage = await _book(client)
    code = re.search(r'class="code">(\w+)<', (await client.get(manage)).text)
    assert code is not None
    calendar = await client.get(f"{manage}/move")
    assert calendar.status_code == 200 and f"{manage}/move/2026-03-11?lang=ru" in calendar.text
    times = await client.get(f"{manage}/move/2026-03-11")
    assert f"{manage}/move/2026-03-11/0900?lang=ru" in times.text
    response = await _post(client, f"{manage}/move/2026-03-11/0900")
    assert response.status_code == 303
    html = (await client.get(response.headers["location"])).text
    assert "Запись перенесена" in html and "11 марта 2026 (среда), 09:00" in html
    assert code[1] in html


async def test_move_to_a_taken_slot_is_refused(site: Client) -> None:
    """Moving onto a full slot shows the refusal on the move form; the booking stays."""
    client, _ = site
    await _book(client, f"/book/test/reg/{DAY}/1200")
    manage = await _book(client)
    response = await _post(client, f"{manage}/move/{DAY}/1200")
    assert response.status_code == 409 and "уже занято" in response.text
    assert "11:30" in (await client.get(manage)).text


async def test_tampered_manage_link_is_a_clear_page(site: Client) -> None:
    """A manage link with a changed secret says the link is wrong; no booking is shown."""
    client, _ = site
    manage = await _book(client)
    page = await client.get(manage[:-2] + "xx")
    assert page.status_code == 404 and "Ссылка на запись неверна" in page.text
    assert (await client.post(manage[:-2] + "xx/cancel", data={})).status_code == 403


async def test_find_by_code_and_phone(site: Client) -> None:
    """Code + last four digits open the booking at /book/my (a cookie, nothing in the URL)."""
    client, _ = site
    manage = await _book(client, name="", phone=PHONE, consent="yes")
    code = re.search(r'class="code">(\w+)<', (await client.get(manage)).text)
    assert code is not None
    response = await _post(client, "/book/find", code=code[1].lower(), last4="4567")
    assert response.status_code == 303 and response.headers["location"].startswith("/book/my")
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and code[1] in page.text and "/book/my/cancel" in page.text
    confirm = await client.get("/book/my/cancel")
    cancelled = await client.post("/book/my/cancel", data={"csrf": _csrf(confirm.text)})
    assert cancelled.status_code == 303
    assert "Запись отменена" in (await client.get("/book/my")).text


async def test_my_page_without_cookie_is_a_clear_page(site: Client) -> None:
    """/book/my without a valid lookup cookie says the link is wrong."""
    client, _ = site
    client.cookies.set("okno_booking", "test~AAAA~9999999999~forged", path="/book")
    page = await client.get("/book/my")
    assert page.status_code == 404 and "Ссылка на запись неверна" in page.text


async def test_find_with_wrong_digits_and_bad_input(site: Client) -> None:
    """Wrong digits: "не найдена" on the form; malformed input: messages next to the fields."""
    client, _ = site
    response = await _post(client, "/book/find", code="ACDEFHJK", last4="0000")
    assert response.status_code == 404 and "не найдена" in response.text
    response = await _post(client, "/book/find", code="!", last4="12")
    assert response.status_code == 422
    assert 'id="e-code"' in response.text and 'id="e-last4"' in response.text


async def test_find_is_throttled_after_ten_failures(site: Client) -> None:
    """After ten wrong code+phone tries the eleventh gets "too many attempts" (429)."""
    client, _ = site
    page = await client.get("/book/find")
    token = _csrf(page.text)
    for _ in range(2):
        wrong = await client.post("/book/find", data={"csrf": token, "code": "ACDE", "last4": "1"})
        assert wrong.status_code == 422  # malformed tries are not counted
    for _ in range(10):
        data = {"csrf": token, "code": "ACDEFHJK", "last4": "0000"}
        assert (await client.post("/book/find", data=data)).status_code == 404
    response = await client.post("/book/find", data={"csrf": token, "code": "X", "last4": "1"})
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.text
    assert int(response.headers["retry-after"]) > 0


async def test_form_posts_are_rate_limited(site: Client) -> None:
    """Past the form limit a POST gets a 429 page saying nothing changed."""
    client, office = site
    token = _csrf((await client.get(FORM)).text)
    statuses = [(await client.post(FORM, data={"csrf": token})).status_code for _ in range(22)]
    assert statuses[0] == 303 and statuses[-1] == 429
    assert _bookings(office) == 1


async def test_pages_work_without_outside_assets(site: Client) -> None:
    """No page loads a script or a style from anywhere: everything is inline."""
    client, _ = site
    for path in ("/book", "/book/test/reg", f"/book/test/reg/{DAY}", FORM, "/book/find"):
        html = (await client.get(path)).text
        assert "<script" not in html and "http://" not in html and "https://" not in html


async def test_form_of_a_taken_slot_says_so_before_typing(site: Client) -> None:
    """Opening the form of a slot just taken shows "уже недоступно" and no form to fill."""
    client, _ = site
    await _book(client)
    page = await client.get(FORM)
    assert page.status_code == 409 and "Это время уже недоступно" in page.text
    assert 'method="post"' not in page.text


async def test_the_same_form_sent_twice_books_once(site: Client) -> None:
    """A double click (same form sent twice, also at once) books one place and both answers
    lead to the same booking."""
    client, office = site
    path = f"/book/test/vac/{DAY}/1100"  # two places: a second booking would fit
    html = (await client.get(path)).text
    once = re.search(r'name="once" value="([^"]+)"', html)
    assert once is not None
    data = {"csrf": _csrf(html), "once": once[1]}
    first, second = await asyncio.gather(client.post(path, data=data), client.post(path, data=data))
    third = await client.post(path, data=data)
    locations = {r.headers["location"] for r in (first, second, third)}
    assert {first.status_code, second.status_code, third.status_code} == {303}
    assert len(locations) == 1 and _bookings(office) == 1
    fresh = re.search(r'name="once" value="([^"]+)"', (await client.get(path)).text)
    assert fresh is not None and fresh[1] != once[1]
    again = await client.post(path, data={"csrf": _csrf(html), "once": fresh[1]})
    assert again.status_code == 303 and _bookings(office) == 2


SECOND_OFFICE = """
id: north
name: {ru: "Северный ЦЗН", en: "North centre"}
timezone: Europe/Moscow
address: "ул. Северная, 5"
services:
  - {id: reg, prefix: А, name: {ru: "Регистрация", en: "Registration"},
     expected_minutes: 10, max_wait_minutes: 15}
"""


async def test_several_offices_are_listed_first(site: Client) -> None:
    """With two offices, /book asks which one; ?office= opens that office's services."""
    from queue_server.service.config import apply_config, parse_config

    client, office = site
    apply_config(office.engine, parse_config(SECOND_OFFICE, "north.yaml"))
    html = (await client.get("/book")).text
    assert "Выберите офис" in html and "Северный ЦЗН" in html and "Тестовый ЦЗН" in html
    assert 'href="/book?office=north&amp;lang=ru"' in html
    north = (await client.get("/book?office=north")).text
    assert "Выберите услугу" in north and "нет услуг с предварительной записью" in north


@pytest_asyncio.fixture
async def any_site(office: Office) -> AsyncIterator[Client]:
    """The booking pages on each backend (SQLite, and PostgreSQL with the `postgres` marker)."""
    from queue_server.api.events import encode_row

    make_bookable(office.engine)
    settings = ServerSettings(database_url="sqlite://", public_url="http://okno.test")
    container = Container(
        settings, office.engine, office.service, office.queries, office.auth, EventHub(encode_row)
    )
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url="http://okno") as client:
        yield client, office


async def test_book_refuse_and_cancel_on_each_backend(any_site: Client) -> None:
    """Book, a second visitor refused on the full slot, cancel: the same on both databases."""
    client, office = any_site
    manage = await _book(client, name="Иван", phone=PHONE, consent="yes")
    assert "Вы записаны" in (await client.get(f"{manage}?new=1")).text
    client.cookies.clear()
    refused = await _post(client, FORM)
    assert refused.status_code == 409 and _bookings(office) == 1
    confirm = await client.get(f"{manage}/cancel")
    assert (await client.post(f"{manage}/cancel", data={"csrf": _csrf(confirm.text)})).is_redirect
    assert "Запись отменена" in (await client.get(manage)).text
