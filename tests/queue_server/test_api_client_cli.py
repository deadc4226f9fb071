"""`okno api-client add`: prints a bearer token once; the token is an API client of the office."""

from __future__ import annotations

from pathlib import Path

import pytest

from okno.cli import main
from queue_server.service.auth import API_CLIENT, Auth, AuthError
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


def test_api_client_revoke_makes_its_token_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `okno api-client revoke ID` the client's token no longer authenticates."""
    office = make_office(tmp_path / "okno.db")
    db = str(tmp_path / "okno.db")
    args = ["api-client", "add", "--office", "test", "--name", "Портал", "--id", "portal"]
    assert main([*args, "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["api-client", "revoke", "portal", "--db", db]) == 0
    assert "revoked" in capsys.readouterr().err
    with pytest.raises(AuthError) as caught:
        Auth(office.engine, office.service, office.clock).authenticate(token)
    assert caught.value.en == "This API client was deactivated"
    assert main(["api-client", "revoke", "nobody", "--db", db]) == 2
    assert "nobody" in capsys.readouterr().err
    office.engine.dispose()
