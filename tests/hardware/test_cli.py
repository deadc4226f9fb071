"""The hardware commands of `okno`, called through their argparse parsers."""

from __future__ import annotations

import argparse
import socket
import wave
from pathlib import Path

import pytest

from hardware import cli


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="okno")
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_printer_test_writes_bytes_and_preview(tmp_path: Path) -> None:
    """`printer test --out --preview` writes the ESC/POS bytes and a PNG of the same ticket."""
    out, preview = tmp_path / "t.bin", tmp_path / "t.png"
    code = _run("printer", "test", "--width", "58", "--profile", "POS-5890",
                "--out", str(out), "--preview", str(preview))  # fmt: skip
    assert code == 0
    data = out.read_bytes()
    assert data.startswith(b"\x1b@\x1bt\x3b")  # CP866 as table 59 on POS-5890
    assert "Перед вами: 3".encode("cp866") in data
    assert preview.read_bytes().startswith(b"\x89PNG")


def test_printer_test_offline_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unreachable network printer: exit code 1, a Russian and English message, no traceback."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    code = _run(
        "printer", "test", "--backend", "network", "--host", "127.0.0.1", "--port", str(port)
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "Принтер не отвечает" in err and "does not answer" in err
    assert "Traceback" not in err


def test_printer_test_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A network backend without --host is refused with exit code 2 and says what is missing."""
    assert _run("printer", "test", "--backend", "network") == 2
    assert "needs host" in capsys.readouterr().err


def test_announce_writes_chime_and_phrase(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`announce А042 3 --out` prints the phrase and writes chime + phrase as one WAV."""
    out = tmp_path / "call.wav"
    code = _run("announce", "А042", "3", "--out", str(out), "--cache-dir", str(tmp_path / "c"))
    assert code == 0
    assert "Талон А 42, окно 3" in capsys.readouterr().out
    with wave.open(str(out), "rb") as wav:
        duration = wav.getnframes() / wav.getframerate()
    assert 1.5 < duration < 6.0  # 0.9 s chime + 0.25 s gap + the phrase


def test_say_with_missing_voice_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`say --voice nope` exits 1 with the VoiceMissing message instead of a traceback."""
    code = _run("say", "привет", "--voice", "nope", "--cache-dir", str(tmp_path))
    err = capsys.readouterr().err
    assert code == 1
    assert "Голос 'nope' не найден" in err
    assert "Traceback" not in err


def test_printer_test_file_backend_keeps_the_ticket(tmp_path: Path) -> None:
    """`printer test --backend file --device X` leaves the ticket's bytes in X (the status check
    after printing must not reopen X for writing and truncate it)."""
    device = tmp_path / "lp0"
    out = tmp_path / "expected.bin"
    assert _run("printer", "test", "--backend", "file", "--device", str(device)) == 0
    assert _run("printer", "test", "--out", str(out)) == 0
    printed = device.read_bytes()
    assert printed == out.read_bytes()
    assert "Перед вами: 3".encode("cp866") in printed


def test_printer_file_status_unwritable_is_offline(tmp_path: Path) -> None:
    """The file backend reports OFFLINE for a device file in a directory that does not exist."""
    from hardware.config import PrinterSettings
    from hardware.printer.base import PrinterStatus
    from hardware.printer.escpos_printer import EscposTicketPrinter

    settings = PrinterSettings(backend="file", file_path=tmp_path / "missing" / "lp0")
    assert EscposTicketPrinter(settings).status() is PrinterStatus.OFFLINE
