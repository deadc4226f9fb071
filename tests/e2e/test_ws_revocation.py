"""A real server: `okno config apply` and `okno device add`, run while it serves, close the
WebSockets of the accounts and tokens they end."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from tests.e2e.api import TIMEOUT, bearer, client, login, ws_url
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN
from tests.helpers.server_process import ServerProcess, live_office_yaml

pytestmark = pytest.mark.e2e

ALICE = '  - {login: alice, name: "Алиса", password: secret1, services: {reg: 1, vac: 2}}\n'
DISPLAY_LINE = "  - {id: display-1, kind: display, token: display-token-1}\n"


def okno(server: ServerProcess, *args: str) -> str:
    """Run an `okno` command on the server's database, as an administrator would."""
    done = subprocess.run(
        [sys.executable, "-m", "okno.cli", *args, "--db", str(server.db)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def hello(ws: ClientConnection, token: str) -> None:
    ws.send(json.dumps({"type": "hello", "v": 1, "token": token, "since": None}))
    assert json.loads(ws.recv(timeout=TIMEOUT))["type"] == "snapshot"


def closed(ws: ClientConnection) -> tuple[int | None, str | None, dict[str, object]]:
    """Read until the server closes: (close code, reason, the last message)."""
    last: dict[str, object] = {}
    with pytest.raises(ConnectionClosed) as raised:
        while True:
            last = json.loads(ws.recv(timeout=TIMEOUT))
    close = raised.value.rcvd
    return (close.code, close.reason, last) if close else (None, None, last)


def test_config_apply_closes_the_sockets_of_those_it_deactivates(server: ServerProcess) -> None:
    """An office file without alice and the display, applied by `okno config apply` on the
    running office: alice's desk socket and the display's close with 4401 `deactivated`, the
    kiosk's stays open, and alice's token is refused."""
    with client(server.url) as http:
        alice = login(http, "alice")
        with (
            ws_connect(ws_url(server.url), open_timeout=TIMEOUT) as desk,
            ws_connect(ws_url(server.url), open_timeout=TIMEOUT) as display,
            ws_connect(ws_url(server.url), open_timeout=TIMEOUT) as kiosk,
        ):
            hello(desk, alice)
            hello(display, DISPLAY_TOKEN)
            hello(kiosk, KIOSK_TOKEN)
            config = server.workdir / "smaller.yaml"
            config.write_text(
                live_office_yaml().replace(ALICE, "").replace(DISPLAY_LINE, ""), encoding="utf-8"
            )
            output = okno(server, "config", "apply", str(config))
            assert "1 operators, 1 devices" in output
            for ws in (desk, display):
                code, reason, last = closed(ws)
                assert (code, reason) == (4401, "deactivated")
                assert last["type"] == "error" and last["code"] == "unauthorized"
            kinds: list[object] = []
            while "config.changed" not in kinds:  # alice's going offline is hidden from it
                kinds.append(json.loads(kiosk.recv(timeout=TIMEOUT))["type"])
            assert set(kinds) == {"filtered", "config.changed"}
        assert http.get("/api/v1/desk", headers=bearer(alice)).status_code == 401


def test_device_add_closes_the_old_tokens_socket(server: ServerProcess) -> None:
    """`okno device add` for the kiosk gives it a new token: the socket opened with the old
    one closes with 4401 `token_replaced`, and the new token works at once."""
    with ws_connect(ws_url(server.url), open_timeout=TIMEOUT) as kiosk:
        hello(kiosk, KIOSK_TOKEN)
        token = okno(server, "device", "add", "kiosk-1", "--office", "test", "--kind", "kiosk")
        code, reason, _ = closed(kiosk)
        assert (code, reason) == (4401, "token_replaced")
    with client(server.url) as http:
        queue = "/api/v1/offices/test/queue"
        assert http.get(queue, headers=bearer(KIOSK_TOKEN)).status_code == 401
        assert http.get(queue, headers=bearer(token.strip())).status_code == 200
