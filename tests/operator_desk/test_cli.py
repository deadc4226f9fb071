"""`okno desk` / `okno rating` command lines: the demo's apps parse, bad flags are refused."""

from __future__ import annotations

import pytest

from okno.cli import build_parser, main
from operator_desk.cli import demo_commands


@pytest.mark.parametrize("name", ["desk", "rating"])
def test_the_demo_apps_command_lines_parse(name: str) -> None:
    """`okno demo` starts the desk and the rating terminal with flags their commands know."""
    argv = dict(demo_commands("http://127.0.0.1:8000"))[name][3:]  # after "python -m okno.cli"
    args = build_parser().parse_args(argv)
    assert args.command == name and args.server == "http://127.0.0.1:8000"


def test_password_stdin_needs_login_and_workplace(capsys: pytest.CaptureFixture[str]) -> None:
    """--password-stdin without --login/--workplace is refused in Russian and English, no window."""
    assert main(["desk", "--server", "http://127.0.0.1:1", "--password-stdin"]) == 2
    err = capsys.readouterr().err
    assert "--login" in err and "Ошибка" in err


def test_a_bad_server_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """A server address that is not http(s) stops the rating terminal before any window."""
    assert main(["rating", "--server", "ftp://x", "--token", "t"]) == 2
    assert "server" in capsys.readouterr().err
