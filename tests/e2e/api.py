"""Small HTTP and WebSocket helpers of the end-to-end tests (the server is a black box)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.sync.client import connect as ws_connect

from tests.helpers.office import KIOSK_TOKEN, PASSWORDS, WORKPLACES

OFFICE = "test"
TIMEOUT = 10.0
QUEUE_PATH = f"/api/v1/offices/{OFFICE}/queue"
TICKETS_PATH = f"/api/v1/offices/{OFFICE}/tickets"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=TIMEOUT)


def login(http: httpx.Client, operator: str) -> str:
    """Sign `operator` in at their workplace and return the bearer token."""
    response = http.post(
        "/api/v1/auth/login",
        json={
            "login": operator,
            "password": PASSWORDS[operator],
            "workplace": WORKPLACES[operator],
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def issue(http: httpx.Client, service: str, priority: bool = False) -> dict[str, Any]:
    response = http.post(
        TICKETS_PATH, json={"service": service, "priority": priority}, headers=bearer(KIOSK_TOKEN)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def queue(http: httpx.Client) -> dict[str, Any]:
    response = http.get(QUEUE_PATH, headers=bearer(KIOSK_TOKEN))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://", 1) + "/ws"


def office_seq(url: str) -> int:
    """The office's last event seq, as a fresh WebSocket snapshot tells it."""
    with ws_connect(ws_url(url), open_timeout=TIMEOUT, close_timeout=2) as ws:
        ws.send(json.dumps({"type": "hello", "v": 1, "token": KIOSK_TOKEN, "since": None}))
        message = json.loads(ws.recv(timeout=TIMEOUT))
    assert message["type"] == "snapshot", message
    return int(message["seq"])
