"""SQLite waits for the disk at every commit, except on a throw-away database that says not to."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from queue_server.bootstrap import build
from queue_server.settings import ServerSettings
from queue_server.storage.db import make_engine, sqlite_url

FULL, NORMAL = 2, 1  # PRAGMA synchronous's answers


def _synchronous(url: str, **kwargs: str) -> int:
    engine = make_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
    finally:
        engine.dispose()


def test_every_commit_waits_for_the_disk_by_default(tmp_path: Path) -> None:
    assert _synchronous(sqlite_url(tmp_path / "a.db")) == FULL


def test_a_throw_away_database_may_say_normal(tmp_path: Path) -> None:
    assert _synchronous(sqlite_url(tmp_path / "a.db"), sqlite_synchronous="normal") == NORMAL
    with pytest.raises(ValueError, match="full or normal"):
        make_engine(sqlite_url(tmp_path / "b.db"), sqlite_synchronous="off")


def test_the_server_setting_reaches_its_engine(tmp_path: Path) -> None:
    settings = ServerSettings(
        database_url=sqlite_url(tmp_path / "okno.db"),
        public_url="http://okno.test",
        environment="test",
        sqlite_synchronous="normal",
    )
    container = build(settings)
    try:
        with container.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == NORMAL
    finally:
        container.engine.dispose()


def test_a_production_server_refuses_normal() -> None:
    with pytest.raises(ValidationError) as caught:
        ServerSettings(public_url="https://okno.example.org", sqlite_synchronous="normal")
    message = str(caught.value)
    assert "OKNO_SQLITE_SYNCHRONOUS=normal" in message and "OKNO_ENVIRONMENT=test" in message
    assert "сбой питания" in message
