"""The board against a real server process: calls shown and spoken to WAV files, in order."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from display_board.main import Board, build_board, build_voice, connect_board
from display_board.settings import DisplaySettings
from display_board.voice import MANIFEST
from queue_protocol.client import ClientSession
from queue_protocol.events import Envelope, EventType
from tests.display_board.conftest import run, until
from tests.helpers.office import DISPLAY_TOKEN, KIOSK_TOKEN, OFFICE_YAML
from tests.helpers.server_process import ServerProcess, live_office_yaml

pytestmark = [pytest.mark.gui, pytest.mark.e2e]

DESKS = 10


def hall_office_yaml() -> str:
    """The test office with ten windows and ten operators serving registration."""
    text = live_office_yaml()
    workplaces = "".join(
        f'  - {{id: "w{n}", name: {{ru: "Окно {n}", en: "Window {n}"}}}}\n'
        for n in range(1, DESKS + 1)
    )
    operators = "".join(
        f'  - {{login: op{n}, name: "Оператор {n}", password: pass{n:04d}, services: {{reg: 1}}}}\n'
        for n in range(1, DESKS + 1)
    )
    text = text.replace("workplaces:\n", "workplaces:\n" + workplaces, 1)
    return text.replace("operators:\n", "operators:\n" + operators, 1)


@pytest.fixture
def hall(tmp_path: Path) -> Any:
    assert "operators:\n" in OFFICE_YAML
    process = ServerProcess(tmp_path)
    config = tmp_path / "hall.yaml"
    config.write_text(hall_office_yaml(), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "okno.cli", "config", "apply", str(config), "--db", str(process.db)],
        check=True,
        capture_output=True,
    )
    with process:
        yield process


def login_desks(url: str) -> list[str]:
    with httpx.Client(base_url=url, timeout=10) as http:
        tokens = []
        for n in range(1, DESKS + 1):
            answer = http.post(
                "/api/v1/auth/login",
                json={"login": f"op{n}", "password": f"pass{n:04d}", "workplace": f"w{n}"},
            )
            assert answer.status_code == 200, answer.text
            tokens.append(answer.json()["token"])
        return tokens


def issue(url: str, count: int) -> None:
    with httpx.Client(base_url=url, timeout=10) as http:
        for _ in range(count):
            answer = http.post(
                "/api/v1/offices/test/tickets",
                json={"service": "reg"},
                headers={"Authorization": f"Bearer {KIOSK_TOKEN}"},
            )
            assert answer.status_code == 201, answer.text


def call_next(url: str, token: str) -> tuple[str, float]:
    """(number called, monotonic time the answer came)."""
    with httpx.Client(base_url=url, timeout=10) as http:
        answer = http.post("/api/v1/desk/call-next", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        return answer.json()["ticket"]["number"], time.monotonic()


def start_board(qapp: Any, url: str, tmp_path: Path, **extra: Any) -> Board:
    settings = DisplaySettings(
        server=url,
        token=DISPLAY_TOKEN,
        office="test",
        windowed=True,
        screen_size=(1366, 768),
        audio=f"file:{tmp_path / 'audio'}",
        speech_cache=tmp_path / "speech-cache",
        state_file=tmp_path / "display-state.json",
        **extra,
    )
    board = build_board(qapp, settings)
    board.voice = build_voice(board, settings)
    client = ClientSession(url, DISPLAY_TOKEN, "test", backoff_base=0.05, backoff_max=0.3)
    controller = connect_board(board, settings, "test", client=client)
    board.window.show()
    controller.start()
    return board


async def close_board(board: Board) -> None:
    assert board.controller is not None
    await board.controller.close()
    board.translations.switch("en")  # remove its Russian translator from the shared app
    board.window.close()
    board.window.deleteLater()


def manifest(directory: Path) -> list[dict[str, Any]]:
    path = directory / MANIFEST
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_ten_desks_call_within_a_second(
    qapp: Any, loop: Any, hall: ServerProcess, tmp_path: Path
) -> None:
    """Ten desks call within one second: the board shows the ten calls at once, and the file
    output gets ten WAVs in call order whose play times do not overlap."""
    tokens = login_desks(hall.url)
    issue(hall.url, DESKS)
    audio = tmp_path / "audio"
    received: dict[str, float] = {}
    committed: dict[str, float] = {}  # seconds from the server's event time to the board

    async def scenario() -> tuple[list[str], list[float]]:
        board = start_board(qapp, hall.url, tmp_path)
        assert board.controller is not None
        await asyncio.wait_for(board.controller.ready.wait(), 20)

        def on_event(event: Envelope) -> None:
            if event.kind is EventType.TICKET_CALLED:
                received[event.data["number"]] = time.monotonic()
                committed[event.data["number"]] = (datetime.now(UTC) - event.at).total_seconds()

        board.controller.session.event_received.connect(on_event)
        results: list[tuple[str, float]] = []
        sent: dict[str, float] = {}

        def desk(token: str) -> None:
            start = time.monotonic()
            number, done = call_next(hall.url, token)
            sent[number] = start
            results.append((number, done))

        threads = [threading.Thread(target=desk, args=(token,)) for token in tokens]
        began = time.monotonic()
        for thread in threads:
            thread.start()
            await asyncio.sleep(0.05)
        for thread in threads:
            await asyncio.to_thread(thread.join)
        assert time.monotonic() - began < 1.5
        await until(lambda: len(board.state.current) == DESKS, what="ten calls on the board")
        await until(lambda: board.view.painted_revision == board.state.revision, what="painted")
        latencies = [received[number] - sent[number] for number in sent]
        await until(lambda: len(manifest(audio)) == DESKS, wait=90, what="ten announcements")
        await close_board(board)
        return [row.number for row in board.state.current], latencies

    shown, latencies = run(loop, scenario(), timeout=150)
    records = manifest(audio)
    call_order = sorted(received, key=lambda number: received[number])
    assert [r["number"] for r in records] == call_order
    assert sorted(shown) == sorted(call_order)
    files = sorted(p.name for p in audio.glob("*.wav"))
    assert files == [f"{i:04d}-{number}.wav" for i, number in enumerate(call_order, start=1)]
    for before, after in itertools.pairwise(records):
        assert datetime.fromisoformat(after["started"]) >= datetime.fromisoformat(before["ended"])
    spans = [
        (datetime.fromisoformat(r["ended"]) - datetime.fromisoformat(r["started"])).total_seconds()
        for r in records
    ]
    assert min(spans) > 1.0  # chime + phrase, at the pace of playback
    print(
        f"\ncall request→board: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms; event time→board: p50 "
        f"{statistics.median(committed.values()) * 1000:.1f} ms, "
        f"max {max(committed.values()) * 1000:.1f} ms; "
        f"announcements {min(spans):.2f}–{max(spans):.2f} s; "
        f"order {[r['number'] for r in records]}"
    )


@pytest.mark.slow
def test_server_restart_and_board_restart_speak_only_fresh_calls(
    qapp: Any, loop: Any, hall: ServerProcess, tmp_path: Path
) -> None:
    """The server restarts: calls made after it are shown and spoken once the board reconnects.
    The board restarts from its saved seq: calls older than the age limit are shown, not
    spoken; a fresh one is."""
    tokens = login_desks(hall.url)
    issue(hall.url, 6)
    audio = tmp_path / "audio"

    async def scenario() -> None:
        board = start_board(qapp, hall.url, tmp_path, speak_max_age=3)
        assert board.controller is not None
        await asyncio.wait_for(board.controller.ready.wait(), 20)
        await asyncio.to_thread(hall.stop)
        await until(lambda: board.state.offline_mark(), wait=15, what="нет связи")
        await asyncio.to_thread(hall.start)
        first, _ = await asyncio.to_thread(call_next, hall.url, tokens[0])
        await until(lambda: [r.number for r in board.state.current] == [first], what="reconnect")
        await until(lambda: len(manifest(audio)) == 1, wait=30, what="spoken")
        assert not board.state.offline_mark()
        await close_board(board)
        # calls while the board is off: two old by the time it comes back, one fresh
        old = [(await asyncio.to_thread(call_next, hall.url, t))[0] for t in tokens[1:3]]
        await asyncio.sleep(3.5)
        fresh, _ = await asyncio.to_thread(call_next, hall.url, tokens[3])
        board = start_board(qapp, hall.url, tmp_path, speak_max_age=3)
        await until(lambda: len(board.state.current) == 4, what="replayed calls shown")
        await until(lambda: len(manifest(audio)) == 2, wait=30, what="the fresh call spoken")
        await asyncio.sleep(1.0)
        assert [r["number"] for r in manifest(audio)] == [first, fresh]
        skipped = {a.number for a, why in board.state.skipped if why.startswith("old")}
        assert skipped == set(old)
        await close_board(board)

    run(loop, scenario(), timeout=150)
