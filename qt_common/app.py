"""Starting an app on the asyncio-Qt loop (qasync), finding the device's office, screenshots.

Each app's composition root calls `run_qt(main)`: the QApplication and the loop are built there,
never at import. `main(app)` builds the window, awaits until the app should end and returns the
exit code.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queue_protocol.client import CLOSE_BAD_HELLO, REFUSAL_CODES, websocket_url
from queue_protocol.errors import ConnectionLost, ProtocolError, SessionRefused
from queue_protocol.messages import Hello, Snapshot, WsError, decode_server_message, encode_message

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["discover_office", "run_qt", "save_png", "screenshot_when_ready"]

logger = logging.getLogger("okno.qt")

AppMain = Callable[["QApplication"], Coroutine[Any, Any, int]]


def run_qt(main: AppMain, app_name: str) -> int:
    """Build the QApplication and the qasync loop, run `main(app)` to its end, return its code."""
    os.environ.setdefault("QT_API", "pyside6")  # qasync picks its Qt binding from this
    import qasync
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName(app_name)
    app.setOrganizationName("Okno")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            result: int = loop.run_until_complete(main(app))
    finally:
        asyncio.set_event_loop(None)
    return result


async def discover_office(server: str, token: str, wait: float = 10.0) -> str:
    """The office a device token belongs to, from the server's answer to a hello.

    Raises SessionRefused for a token the server refuses, ConnectionLost when the server cannot
    be reached, ProtocolError for an answer this client does not understand.
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

    try:
        async with asyncio.timeout(wait):
            async with connect(websocket_url(server), compression=None, close_timeout=1) as ws:
                await ws.send(encode_message(Hello(token=token, since=None, role="kiosk")))
                message = decode_server_message(await ws.recv())
    except InvalidStatus as exc:
        if exc.response.status_code in {401, 403}:
            raise SessionRefused("unauthorized", f"HTTP {exc.response.status_code}") from exc
        raise ConnectionLost(f"handshake refused: HTTP {exc.response.status_code}") from exc
    except ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd is not None else None
        if code is not None and code >= 4400 and code != CLOSE_BAD_HELLO:
            raise SessionRefused("unauthorized", f"closed with {code}") from exc
        raise ConnectionLost(f"connection closed: {exc}") from exc
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise ConnectionLost(f"cannot reach {server}: {exc or type(exc).__name__}") from exc
    if isinstance(message, WsError):
        if message.code in REFUSAL_CODES:
            raise SessionRefused(message.code, message.detail)
        raise ProtocolError(f"the server answered the hello with {message.code}")
    if not isinstance(message, Snapshot):
        raise ProtocolError(f"expected a snapshot, got {type(message).__name__}")
    return message.office


def save_png(widget: QWidget, path: Path) -> None:
    """Render `widget` (as it is now) to a PNG file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    logger.info("screenshot saved to %s", path)


async def screenshot_when_ready(
    widget: QWidget, path: Path, ready: asyncio.Event, after: float
) -> None:
    """Wait until the app has its data (`ready`) or `after` seconds, then save a PNG."""
    try:
        await asyncio.wait_for(ready.wait(), after)
    except TimeoutError:
        logger.warning("no data after %.1f s: the screenshot shows what there is", after)
    # Let the loop lay out and show what the last render added (never processEvents() inside
    # a coroutine: qasync would run other tasks' steps re-entrantly).
    await asyncio.sleep(0.1)
    save_png(widget, path)
