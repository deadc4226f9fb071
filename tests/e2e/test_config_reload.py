"""An office file applied while the server runs: clients hear of it, the server uses it at once."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from websockets.sync.client import connect as ws_connect

from tests.e2e.api import TIMEOUT, bearer, client, ws_url
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN
from tests.helpers.server_process import ServerProcess, live_office_yaml

pytestmark = pytest.mark.e2e

NEW_SERVICE = """  - {id: cert, prefix: С, name: {ru: "Справки", en: "Certificates"},
     expected_minutes: 5, max_wait_minutes: 15}
workplaces:"""


def test_config_applied_by_another_process_reaches_clients_and_the_queue(
    server: ServerProcess,
) -> None:
    """`okno config apply` with a new service: a display gets config.changed and the kiosk can
    issue for the new service right away (the server's cached office is reloaded)."""
    with ws_connect(ws_url(server.url), open_timeout=TIMEOUT) as ws:
        ws.send(json.dumps({"type": "hello", "v": 1, "token": DISPLAY_TOKEN, "since": None}))
        assert json.loads(ws.recv(timeout=TIMEOUT))["type"] == "snapshot"
        with client(server.url) as http:
            # Warm the server's cache of the office with a ticket before the change.
            first = http.post(
                "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=bearer(KIOSK_TOKEN)
            )
            assert first.status_code == 201
            config = server.workdir / "changed.yaml"
            changed = live_office_yaml().replace("workplaces:", NEW_SERVICE, 1)
            config.write_text(changed, encoding="utf-8")
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "okno.cli",
                    "config",
                    "apply",
                    str(config),
                    "--db",
                    str(server.db),
                ],
                check=True,
                capture_output=True,
                timeout=60,
            )
            types = []
            while "config.changed" not in types:
                message = json.loads(ws.recv(timeout=TIMEOUT))
                types.append(message.get("type"))
            response = http.post(
                "/api/v1/offices/test/tickets",
                json={"service": "cert"},
                headers=bearer(KIOSK_TOKEN),
            )
            assert response.status_code == 201, response.text
            assert response.json()["number"] == "С001"


def test_operator_added_while_the_server_runs_can_work_at_once(server: ServerProcess) -> None:
    """`okno operator add` on a running office: the new operator logs in and calls next."""
    with client(server.url) as http:
        issued = http.post(
            "/api/v1/offices/test/tickets", json={"service": "vac"}, headers=bearer(KIOSK_TOKEN)
        )
        assert issued.status_code == 201
        subprocess.run(
            [
                sys.executable,
                "-m",
                "okno.cli",
                "operator",
                "add",
                "dan",
                "--office",
                "test",
                "--name",
                "Даниил",
                "--service",
                "vac:1",
                "--password-stdin",
                "--db",
                str(server.db),
            ],
            input=b"dan-secret\n",
            check=True,
            capture_output=True,
            timeout=60,
        )
        login = http.post(
            "/api/v1/auth/login", json={"login": "dan", "password": "dan-secret", "workplace": "3"}
        )
        assert login.status_code == 200, login.text
        called = http.post("/api/v1/desk/call-next", headers=bearer(login.json()["token"]))
        assert called.status_code == 200, called.text
        assert called.json()["ticket"]["id"] == issued.json()["id"]
