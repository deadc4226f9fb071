"""Booking pages: time to first byte of /book and of a day's slots page, and time to usable in
Chromium on a phone's viewport, each beside GET /health measured the same way in the same run.

A real `okno server --demo` (SQLite, the demo office books on weekdays 9-18 Moscow time), its
public rate limit lifted for the run. TTFB: stdlib HTTP/1.1 keep-alive, the time from sending
the request to the status line and headers (`getresponse()`), 20 warm-up then 200 measured per
page. Browser: Debian's Chromium through Playwright, 390x844, a fresh navigation per run
(5 warm-up, 30 measured), DOMContentLoaded and load from the Navigation Timing entry.
Goals: TTFB median <= 50 ms; DOMContentLoaded median <= 500 ms on the phone viewport.
"""

from __future__ import annotations

import http.client
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from bench._common import Figure, percentile, print_figures

REQUESTS = 200
WARM_UP = 20
NAVIGATIONS = 30
NAV_WARM_UP = 5
TTFB_GOAL_MS = 50.0
USABLE_GOAL_MS = 500.0
SERVICE = "registration"


@contextmanager
def _lifted_limits() -> Iterator[None]:
    """The server process reads OKNO_* at start: let this one client send as much as it likes."""
    saved = {
        k: os.environ.get(k) for k in ("OKNO_PUBLIC_RATE_PER_MINUTE", "OKNO_PUBLIC_RATE_BURST")
    }
    os.environ["OKNO_PUBLIC_RATE_PER_MINUTE"] = "1000000"
    os.environ["OKNO_PUBLIC_RATE_BURST"] = "100000"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _ttfb(url: str, path: str) -> tuple[list[float], list[float]]:
    """(time to first byte, time to the whole body) in ms for `path`, keep-alive."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    first: list[float] = []
    whole: list[float] = []
    try:
        for i in range(WARM_UP + REQUESTS):
            start = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            headers_at = time.perf_counter()
            body = response.read()
            done = time.perf_counter()
            assert response.status == 200 and body, (path, response.status)
            if i >= WARM_UP:
                first.append((headers_at - start) * 1000)
                whole.append((done - start) * 1000)
    finally:
        conn.close()
    return first, whole


def _first_free_day(url: str) -> str:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        for month in ("", _next_month()):
            query = f"?month={month}" if month else ""
            conn.request("GET", f"/book/demo/{SERVICE}{query}")
            html = conn.getresponse().read().decode()
            found = re.search(rf'href="/book/demo/{SERVICE}/(\d{{4}}-\d{{2}}-\d{{2}})', html)
            if found:
                return found[1]
    finally:
        conn.close()
    raise RuntimeError("the demo office has no free day this month or the next")


def _next_month() -> str:
    today = time.gmtime()
    year, month = (
        (today.tm_year + 1, 1) if today.tm_mon == 12 else (today.tm_year, today.tm_mon + 1)
    )
    return f"{year:04d}-{month:02d}"


def _navigation(url: str, paths: dict[str, str]) -> dict[str, tuple[list[float], list[float]]]:
    """Per name: (DOMContentLoaded, load) in ms of fresh navigations on a phone's viewport."""
    from tests.e2e.booking_shots import PHONE, chromium

    results: dict[str, tuple[list[float], list[float]]] = {}
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, locale="ru-RU")  # type: ignore[arg-type]
        page = context.new_page()
        for name, path in paths.items():
            ready: list[float] = []
            loaded: list[float] = []
            for i in range(NAV_WARM_UP + NAVIGATIONS):
                page.goto("about:blank")
                page.goto(f"{url}{path}", wait_until="load")
                timing: dict[str, Any] = page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " return {ready: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }"
                )
                if i >= NAV_WARM_UP:
                    ready.append(float(timing["ready"]))
                    loaded.append(float(timing["load"]))
            results[name] = (ready, loaded)
        context.close()
    return results


def run() -> list[Figure]:
    from tests.e2e.booking_shots import demo_server

    with _lifted_limits(), demo_server() as server:
        day = _first_free_day(server.url)
        pages = {
            "GET /health (baseline)": "/api/v1/health",
            "/book (services)": "/book",
            "slots page": f"/book/demo/{SERVICE}/{day}",
        }
        ttfb = {name: _ttfb(server.url, path) for name, path in pages.items()}
        browser_pages = {
            "/health (baseline)": "/api/v1/health",
            "/book": "/book",
            "slots page": f"/book/demo/{SERVICE}/{day}",
        }
        navigation = _navigation(server.url, browser_pages)

    base_first = percentile(ttfb["GET /health (baseline)"][0], 50)
    print(f"\n-- booking pages, {REQUESTS} requests each (slots of {day}), ms")
    print(f"{'page':<26} {'TTFB p50':>9} {'p95':>7} {'whole p50':>10} {'x /health':>10}")
    for name, (first, whole) in ttfb.items():
        print(
            f"{name:<26} {percentile(first, 50):>9.2f} {percentile(first, 95):>7.2f}"
            f" {percentile(whole, 50):>10.2f} {percentile(first, 50) / base_first:>10.1f}"
        )
    base_ready = percentile(navigation["/health (baseline)"][0], 50)
    print(f"\n-- Chromium 390x844, {NAVIGATIONS} navigations each, ms")
    print(f"{'page':<26} {'DOMContentLoaded p50':>21} {'p95':>7} {'load p50':>9} {'x /health':>10}")
    for name, (ready, loaded) in navigation.items():
        print(
            f"{name:<26} {percentile(ready, 50):>21.1f} {percentile(ready, 95):>7.1f}"
            f" {percentile(loaded, 50):>9.1f} {percentile(ready, 50) / base_ready:>10.1f}"
        )

    book_ttfb = percentile(ttfb["/book (services)"][0], 50)
    slots_ttfb = percentile(ttfb["slots page"][0], 50)
    book_ready = percentile(navigation["/book"][0], 50)
    slots_ready = percentile(navigation["slots page"][0], 50)
    return [
        Figure("GET /health TTFB, median (baseline)", base_first, "ms", "", None),
        Figure("/book TTFB, median", book_ttfb, "ms", f"<= {TTFB_GOAL_MS:.0f} ms",
               book_ttfb <= TTFB_GOAL_MS),
        Figure("slots page TTFB, median", slots_ttfb, "ms", f"<= {TTFB_GOAL_MS:.0f} ms",
               slots_ttfb <= TTFB_GOAL_MS),
        Figure("/health DOMContentLoaded 390x844 (baseline)", base_ready, "ms", "", None),
        Figure("/book DOMContentLoaded 390x844, median", book_ready, "ms",
               f"<= {USABLE_GOAL_MS:.0f} ms", book_ready <= USABLE_GOAL_MS),
        Figure("slots DOMContentLoaded 390x844, median", slots_ready, "ms",
               f"<= {USABLE_GOAL_MS:.0f} ms", slots_ready <= USABLE_GOAL_MS),
    ]  # fmt: skip


if __name__ == "__main__":
    print_figures("booking pages", run())
