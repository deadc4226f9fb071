"""Fixtures of the end-to-end tests: a real `okno server` process on the test office."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.server_process import ServerProcess


@pytest.fixture(scope="session")
def office_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the test office applied once; each server starts from a copy of it."""
    workdir = tmp_path_factory.mktemp("office-template")
    ServerProcess(workdir).apply_test_office()
    return workdir / "okno.db"


def _server(workdir: Path, office_db: Path, **env: str) -> ServerProcess:
    shutil.copyfile(office_db, workdir / "okno.db")
    return ServerProcess(workdir, env=env)


@pytest.fixture(scope="module")
def module_server(
    tmp_path_factory: pytest.TempPathFactory, office_db: Path
) -> Iterator[ServerProcess]:
    """One server shared by the tests of a module (they must leave the queue as they found it)."""
    with _server(tmp_path_factory.mktemp("server"), office_db) as server:
        yield server


@pytest.fixture
def server(tmp_path: Path, office_db: Path) -> Iterator[ServerProcess]:
    """A fresh server with an empty queue for one test."""
    with _server(tmp_path, office_db) as server:
        yield server


@pytest.fixture
def uncoalesced_server(tmp_path: Path, office_db: Path) -> Iterator[ServerProcess]:
    """A fresh server that sends `queue.changed` after every command that touched the queue
    (not coalesced), for tests that count an office's events exactly."""
    with _server(tmp_path, office_db, OKNO_QUEUE_CHANGED_EVERY="0") as server:
        yield server
