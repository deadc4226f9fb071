"""Structured log lines: context fields from `extra`, as text or as one JSON object per line."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from okno.cli import main
from okno.logs import JsonFormatter, TextFormatter, configure_logging


def _record(**extra: object) -> logging.LogRecord:
    logger = logging.getLogger("okno.test")
    record = logger.makeRecord("okno.test", logging.INFO, __file__, 1, "ticket issued", (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_line_carries_level_logger_message_and_context() -> None:
    """A JSON line has time (UTC, ms, Z), level, logger, message and each `extra` field."""
    line = JsonFormatter().format(_record(office="demo", ticket=42, number="А042"))
    entry = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])
    assert entry["level"] == "INFO" and entry["logger"] == "okno.test"
    assert entry["message"] == "ticket issued"
    assert (entry["office"], entry["ticket"], entry["number"]) == ("demo", 42, "А042")


def test_json_line_survives_values_json_cannot_encode() -> None:
    """A context value that is not JSON (an object, a lone surrogate) does not break the line."""
    entry = json.loads(JsonFormatter().format(_record(thing=object(), text="\ud800")))
    assert entry["thing"].startswith("<object")


def test_text_line_appends_context_as_key_value_pairs() -> None:
    """Text lines end with key=value pairs; values with spaces are quoted."""
    line = TextFormatter().format(_record(office="demo", reason="обед и отдых"))
    assert line.endswith('ticket issued office=demo reason="обед и отдых"')


def test_an_unknown_format_is_refused() -> None:
    """configure_logging refuses a format it does not know."""
    with pytest.raises(ValueError, match="json"):
        configure_logging(fmt="xml")


def test_okno_log_format_json_applies_to_every_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`okno --log-format json …` makes the process's log lines JSON objects."""
    broken = tmp_path / "office.yaml"
    broken.write_text("id: [\n", encoding="utf-8")
    code = main(["--log-format", "json", "config", "check", str(broken)])
    logging.getLogger("okno.check").warning("checked", extra={"office": "demo"})
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    entry = json.loads(err[-1])
    assert entry["message"] == "checked" and entry["office"] == "demo"
    configure_logging()  # leave the root logger as other tests expect it


def test_logging_follows_the_present_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """Records go to sys.stderr as it is when they are logged, not as it was at set-up (a
    closed stream from an earlier test must never receive them)."""
    import io
    import sys

    old = sys.stderr
    sys.stderr = io.StringIO()
    configure_logging()
    sys.stderr.close()
    sys.stderr = old
    logging.getLogger("okno.later").warning("still heard")
    assert "still heard" in capsys.readouterr().err
