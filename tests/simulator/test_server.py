"""The throw-away simulation server: its operators log in with cheaply hashed passwords, and its
commits do not wait for the disk."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from simulator.client import Refused, ServerClient
from simulator.scenario import load_scenario
from simulator.server import SimulationServer


@pytest.mark.e2e
def test_simulated_operators_log_in_with_cheap_hashes(scenario_dir: Path) -> None:
    scenario = load_scenario(scenario_dir / "small.yaml")
    with SimulationServer(scenario_dir, scenario) as server:
        with sqlite3.connect(server.db) as db:
            hashes = dict(db.execute("SELECT id, password_hash FROM operators"))
        assert set(server.passwords) == {"alice", "bob", "carol"}
        for login in server.passwords:
            assert hashes[login].startswith("$argon2id$v=19$m=8,t=1,p=1$")
        assert server.process is not None
        environ = Path(f"/proc/{server.process.pid}/environ").read_bytes().split(b"\0")
        assert b"OKNO_SQLITE_SYNCHRONOUS=normal" in environ
        client = ServerClient(server.url, scenario.office.id, server.kiosk_token, server.sim_token)
        try:
            assert client.login("alice", server.passwords["alice"], "1")
            with pytest.raises(Refused) as refused:
                client.login("bob", server.passwords["bob"] + "x", "2")
            assert refused.value.status == 401
        finally:
            client.close()
