"""The office YAML: validation errors that name the line, applying, the demo seed's guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from okno.cli import main
from queue_server.service.config import ConfigError, apply_config, load_config, parse_config
from queue_server.storage import tables as t
from queue_server.storage.db import make_engine, migrate, sqlite_url
from tests.helpers.office import OFFICE_YAML

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).parents[3] / "deploy" / "office.example.yaml"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            "id: x\nname: {ru: X}\nservices:\n  - id: a\n    prefix: a1\n    name: {ru: A}\n",
            5,
            "prefix",
        ),
        (
            "id: x\nname: {ru: X}\nservices:\n  - {id: a, prefix: А, name: {ru: A}}\n"
            "timezone: Mars/Base\n",
            5,
            "time zone",
        ),
        ("id: x\nname: {ru: X}\nservices: [\n", 4, "YAML syntax"),
        (
            "id: x\nname: {ru: X}\nservices:\n  - {id: a, prefix: А, name: {ru: A}}\n"
            "operators:\n  - {login: u, name: U, services: {zzz: 1}}\n",
            1,
            "unknown service",
        ),
        (
            "id: x\nname: {ru: X}\nservices:\n  - {id: a, prefix: А, name: {ru: A}, colour: red}\n",
            4,
            "colour",
        ),
        (
            "id: x\nname: {ru: X}\nservices:\n  - {id: a, prefix: А, name: {ru: A}}\n"
            "operators:\n  - {login: u, name: U, services: {a: 1},\n     breaks: 13:45-13:00}\n",
            7,
            "ends before it starts",
        ),
    ],
)
def test_errors_name_the_line(text: str, line: int, words: str) -> None:
    """Each fault in the file is reported with file name, line number and what is wrong."""
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "office.yaml")
    message = str(raised.value)
    assert message.startswith(f"office.yaml:{line}:"), message
    assert words in message


def test_example_office_applies_twice_without_duplicates(tmp_path: Path) -> None:
    """deploy/office.example.yaml is valid, and applying it again changes no counts."""
    engine = make_engine(sqlite_url(tmp_path / "ex.db"))
    migrate(engine)
    config = load_config(EXAMPLE)
    apply_config(engine, config)
    apply_config(engine, config)
    with engine.connect() as conn:
        services = list(conn.execute(select(t.services.c.id, t.services.c.active)))
        levels = list(conn.execute(select(t.operator_services)))
    assert len(services) == 7 and all(active for _, active in services)
    assert len(levels) == sum(len(o.services) for o in config.operators)
    engine.dispose()


def test_service_left_out_of_the_file_is_deactivated(tmp_path: Path) -> None:
    """A service removed from the file stops being offered but its row (and history) stays."""
    engine = make_engine(sqlite_url(tmp_path / "o.db"))
    migrate(engine)
    apply_config(engine, parse_config(OFFICE_YAML))
    smaller = (
        OFFICE_YAML.replace(
            '  - {id: ben, prefix: Б, name: {ru: "Пособие", en: "Benefit"},\n'
            "     expected_minutes: 15, max_wait_minutes: 15, daily_limit: 500}\n",
            "",
        )
        .replace(", ben: 3", "")
        .replace("ben: 1, ", "")
    )
    apply_config(engine, parse_config(smaller))
    with engine.connect() as conn:
        rows = dict(conn.execute(select(t.services.c.id, t.services.c.active)).all())
    assert rows == {"reg": True, "vac": True, "ben": False}
    engine.dispose()


def test_demo_refuses_a_database_with_another_office(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`okno server --demo` on a database holding another office exits with a clear message."""
    db = tmp_path / "real.db"
    assert main(["config", "apply", str(EXAMPLE), "--db", str(db)]) == 0
    with pytest.raises(SystemExit) as raised:
        main(["server", "--demo", "--db", str(db), "--port", "0"])
    assert "other offices" in str(raised.value.code)


def test_config_apply_reports_errors_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken file gives exit code 2 and `file:line: …` on stderr; the database is untouched."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: {ru: X}\nservices:\n  - {id: a, prefix: 1, name: {ru: A}}\n")
    db = tmp_path / "o.db"
    assert main(["config", "apply", str(bad), "--db", str(db)]) == 2
    assert f"{bad}:4:" in capsys.readouterr().err
    engine = make_engine(sqlite_url(db))
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(select(t.offices)).first() is None
    engine.dispose()


def test_device_printer_and_speech_sections_are_checked_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`okno config check` validates a device's printer: and speech: sections and names the line."""
    bad = tmp_path / "office.yaml"
    bad.write_text(
        "id: x\nname: {ru: X}\nservices:\n  - {id: a, prefix: А, name: {ru: A}}\n"
        "devices:\n  - id: k\n    kind: kiosk\n    printer:\n      backend: usb\n"
        "      paper_width: 70\n    speech: {language: de}\n",
        encoding="utf-8",
    )
    assert main(["config", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:10: devices.0.printer.paper_width" in err
    assert f"{bad}:11: devices.0.speech.language" in err
    assert main(["config", "check", str(EXAMPLE)]) == 0
