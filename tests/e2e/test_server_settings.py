"""`okno server` starts only with a public URL that phones can reach (the demo excepted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.api import bearer, client
from tests.helpers.office import KIOSK_TOKEN
from tests.helpers.server_process import TEST_PUBLIC_URL, ServerProcess

pytestmark = pytest.mark.e2e

REFUSAL_TIMEOUT = 60.0  # a server that starts instead of refusing is killed after this


def _okno_server(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    command = [sys.executable, "-m", "okno.cli", "server", "--db", str(tmp_path / "o.db")]
    return subprocess.run(
        [*command, "--port", "0", *flags],
        capture_output=True,
        text=True,
        env=env,
        timeout=REFUSAL_TIMEOUT,
        check=False,
    )


@pytest.mark.parametrize(
    "flags",
    [(), ("--public-url", "http://127.0.0.1:8000"), ("--public-url", "http://localhost")],
    ids=["unset", "127.0.0.1", "localhost"],
)
def test_production_server_refuses_to_start_without_a_reachable_public_url(
    tmp_path: Path, flags: tuple[str, ...]
) -> None:
    """It exits at once with a message naming OKNO_PUBLIC_URL / --public-url, no traceback."""
    result = _okno_server(tmp_path, *flags)
    assert result.returncode != 0
    assert "OKNO_PUBLIC_URL" in result.stderr and "--public-url" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o.db").exists()  # refused before anything was built


def test_production_server_prints_its_public_url_in_qr_links(server: ServerProcess) -> None:
    """The status URL of an issued ticket starts with the configured public URL."""
    with client(server.url) as http:
        response = http.post(
            "/api/v1/offices/test/tickets", json={"service": "reg"}, headers=bearer(KIOSK_TOKEN)
        )
    assert response.status_code == 201, response.text
    assert response.json()["status_url"].startswith(f"{TEST_PUBLIC_URL}/t/")


def test_demo_on_port_0_prints_its_real_port_in_qr_links(tmp_path: Path) -> None:
    """`okno server --demo --port 0`: QR links point at 127.0.0.1 and the port actually bound."""
    with ServerProcess(tmp_path, demo=True) as server, client(server.url) as http:
        response = http.post(
            "/api/v1/offices/demo/tickets",
            json={"service": "registration"},
            headers=bearer("demo-kiosk"),
        )
    assert response.status_code == 201, response.text
    assert response.json()["status_url"].startswith(f"http://127.0.0.1:{server.port}/t/")
