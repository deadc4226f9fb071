"""`okno api-client add`: prints a bearer token once; the token is an API client of the office."""

from __future__ import annotations

from pathlib import Path

import pytest

from okno.cli import main
from queue_server.service.auth import API_CLIENT
from tests.helpers.office import make_office

pytestmark = pytest.mark.integration


def test_api_client_add_prints_a_token_that_authenticates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed token authenticates as the office's API client; only its hash is stored."""
    office = make_office(tmp_path / "okno.db")
    db = str(tmp_path / "okno.db")
    assert main(["api-client", "add", "--office", "test", "--name", "Портал", "--db", db]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert "shown once" in out.err
    principal = office.auth.authenticate(token)
    assert (principal.kind, principal.office) == (API_CLIENT, "test")
    assert main(["api-client", "add", "--office", "nowhere", "--name", "X", "--db", db]) == 2
    assert "nowhere" in capsys.readouterr().err
    office.engine.dispose()
