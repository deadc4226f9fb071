"""ESC/POS output byte for byte, status mapping and the backends' failures."""

from __future__ import annotations

import dataclasses
import socket
import time
from datetime import datetime
from pathlib import Path

import pytest
from escpos import capabilities

from hardware.config import PrinterSettings
from hardware.printer import (
    CoverOpen,
    PaperOut,
    PrinterConfigError,
    PrinterOffline,
    PrinterStatus,
    make_printer,
)
from hardware.printer.escpos_printer import (
    EscposTicketPrinter,
    render_ticket_bytes,
    status_from_replies,
)
from hardware.printer.profiles import resolve_model
from hardware.printer.ticket import TicketData
from tests.hardware.conftest import DOCUMENTS, FakeNetworkPrinter

ESC, GS = b"\x1b", b"\x1d"


def _text_lines(data: bytes) -> list[str]:
    """The printed text lines, with ESC/GS commands of the layout stripped (no QR/image)."""
    for command in (b"\x1ba\x00", b"\x1ba\x01", b"\x1bE\x00", b"\x1bE\x01"):
        data = data.replace(command, b"")
    return [line.decode("cp866") for line in data.split(b"\n")]


def test_exact_bytes_of_a_small_ticket() -> None:
    """A minimal ticket on a TM-T20II (58 mm) is exactly this byte sequence."""
    ticket = TicketData(
        office_name="ЦЗН",
        service_name="Пособие",
        number="А7",
        issued_at=datetime(2025, 1, 2, 9, 5),
        ahead=0,
        estimate_minutes=None,
        status_url="https://q.ru/1",
    )
    rule = b"-" * 32 + b"\n"
    left, center = ESC + b"a\x00", ESC + b"a\x01"
    url = b"https://q.ru/1"
    expected = b"".join(
        [
            ESC + b"@",  # initialise
            ESC + b"t\x11",  # code table 17 = CP866 on Epson
            center + ESC + b"E\x01" + "ЦЗН".encode("cp866") + b"\n" + ESC + b"E\x00",
            left + rule,
            center + b"\x8f\xae\xe1\xae\xa1\xa8\xa5\n",  # "Пособие" in CP866
            left + b"\n",
            center + ESC + b"E\x01" + GS + b"!\x33" + b"\x807\n" + GS + b"!\x00" + ESC + b"E\x00",
            left + b"\n",
            center + "Выдан: 02.01.2025 09:05".encode("cp866") + b"\n",
            left + rule,
            left + "Перед вами: 0".encode("cp866") + b"\n",
            left + "Ожидание: уточняется".encode("cp866") + b"\n",
            left + b"\n",
            center + "Следите за очередью по QR-коду:".encode("cp866") + b"\n",
            center,
            GS + b"(k\x04\x001A2\x00",  # model 2
            GS + b"(k\x03\x001C\x05",  # module size 5 dots
            GS + b"(k\x03\x001E0",  # error correction L
            GS + b"(k" + bytes([len(url) + 3, 0]) + b"1P0" + url,  # store the data
            GS + b"(k\x03\x001Q0",  # print
            left,
            ESC + b"d\x04" + GS + b"V\x00",  # feed, full cut
        ]
    )
    assert render_ticket_bytes(ticket, resolve_model("TM-T20II", 58)) == expected


@pytest.mark.parametrize(
    ("profile", "table"), [("TM-T20II", 17), ("TM-T88V", 17), ("POS-5890", 59)]
)
def test_code_table_per_model_is_cp866(profile: str, table: int, sample_ticket: TicketData) -> None:
    """Each model gets its own CP866 table number, sent once, and escpos's data confirm it."""
    data = render_ticket_bytes(sample_ticket, resolve_model(profile, 58))
    assert data.startswith(ESC + b"@" + ESC + b"t" + bytes([table]))
    assert data.count(ESC + b"t") == 1  # nothing switches the table away mid-ticket
    assert capabilities.get_profile(profile).codePages[str(table)] == "CP866"


@pytest.mark.parametrize("table", [17, 59])
def test_cyrillic_reads_back_with_either_table(table: int, sample_ticket: TicketData) -> None:
    """With table 17 or 59 the text bytes are CP866 and decode back to the Russian text."""
    model = resolve_model("POS-5890", 58, code_table=table)
    lines = _text_lines(
        render_ticket_bytes(dataclasses.replace(sample_ticket, status_url=None), model)
    )
    assert any(line.endswith("Перед вами: 3") for line in lines)
    assert any(line.endswith("Ожидание: ~12 мин") for line in lines)
    assert any("Центр занятости населения -" in line for line in lines)  # em dash replaced


@pytest.mark.parametrize(("width", "scale_byte"), [(58, 0x33), (80, 0x44)])
def test_big_number_uses_the_size_command(
    width: int, scale_byte: int, sample_ticket: TicketData
) -> None:
    """The number is printed between GS ! n (4x on 58 mm, 5x on 80 mm) and GS ! 0."""
    data = render_ticket_bytes(sample_ticket, resolve_model("TM-T20II", width))
    expected = GS + b"!" + bytes([scale_byte]) + "А042".encode("cp866") + b"\n" + GS + b"!\x00"
    assert expected in data


def test_native_qr_where_the_profile_supports_it(sample_ticket: TicketData) -> None:
    """TM-T20II gets a native QR (GS ( k with the URL); POS-5890 a raster image (GS v 0)."""
    native = render_ticket_bytes(sample_ticket, resolve_model("TM-T20II", 80))
    image = render_ticket_bytes(sample_ticket, resolve_model("POS-5890", 58))
    url = sample_ticket.status_url
    assert url is not None
    assert GS + b"(k" + bytes([len(url) + 3, 0]) + b"1P0" + url.encode() in native
    assert GS + b"v0" not in native
    assert GS + b"v0" in image
    assert GS + b"(k" not in image


def test_cut_only_with_a_cutter(sample_ticket: TicketData) -> None:
    """The ticket ends with GS V 0 on a printer with a cutter and with a plain feed without one."""
    with_cutter = render_ticket_bytes(sample_ticket, resolve_model("TM-T20II", 80))
    without = render_ticket_bytes(sample_ticket, resolve_model("POS-5890", 58))
    forced = render_ticket_bytes(sample_ticket, resolve_model("POS-5890", 58, cut=True))
    assert with_cutter.endswith(GS + b"V\x00")
    assert GS + b"V" not in without
    assert without.endswith(ESC + b"d\x05")
    assert forced.endswith(GS + b"V\x00")


@pytest.mark.parametrize(("width", "columns"), [(58, 32), (80, 48)])
def test_no_word_is_split_on_paper(width: int, columns: int, sample_ticket: TicketData) -> None:
    """Every document word arrives whole on one printed line and no line exceeds the columns."""
    ticket = dataclasses.replace(sample_ticket, status_url=None)
    lines = _text_lines(render_ticket_bytes(ticket, resolve_model("TM-T20II", width)))
    text_lines = [line for line in lines if "\x1d" not in line and "\x1b" not in line]
    assert all(len(line) <= columns for line in text_lines)
    printed_words = {word for line in text_lines for word in line.split()}
    for document in DOCUMENTS:
        assert set(document.split()) <= printed_words


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "status"),
    [
        (b"\x12", b"\x12", b"\x12", PrinterStatus.ONLINE),
        (b"\x1a", b"\x12", b"\x12", PrinterStatus.OFFLINE),
        (b"\x1a", b"\x16", b"\x12", PrinterStatus.COVER_OPEN),
        (b"\x1a", b"\x32", b"\x72", PrinterStatus.PAPER_OUT),
        (b"\x12", b"\x12", b"\x1e", PrinterStatus.PAPER_NEAR_END),
        (None, None, None, PrinterStatus.UNKNOWN),
        (b"\xff", None, None, PrinterStatus.UNKNOWN),  # not a status byte
    ],
)
def test_status_from_dle_eot_replies(
    printer: bytes | None, cause: bytes | None, paper: bytes | None, status: PrinterStatus
) -> None:
    """DLE EOT 1/2/4 reply bits map to the printer status enum."""
    assert status_from_replies(printer, cause, paper) is status


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port: int = server.getsockname()[1]
    return port


def test_unreachable_network_printer_is_offline_fast(sample_ticket: TicketData) -> None:
    """Nothing listening on the port: print raises PrinterOffline within 3 s; status is OFFLINE."""
    settings = PrinterSettings(backend="network", host="127.0.0.1", port=_closed_port(), timeout=3)
    printer = make_printer(settings)
    started = time.monotonic()
    with pytest.raises(PrinterOffline) as raised:
        printer.print_ticket(sample_ticket)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0
    assert "Принтер не отвечает" in str(raised.value)
    assert "does not answer" in raised.value.message_en
    assert printer.status() is PrinterStatus.OFFLINE


def test_network_printer_receives_the_ticket(
    network_printer_factory: type[FakeNetworkPrinter], sample_ticket: TicketData
) -> None:
    """An online network printer is asked its status, then gets exactly the rendered bytes."""
    server = network_printer_factory({1: b"\x12", 2: b"\x12", 4: b"\x12"})
    settings = PrinterSettings(backend="network", host="127.0.0.1", port=server.port)
    printer = EscposTicketPrinter(settings)
    assert printer.status() is PrinterStatus.ONLINE
    printer.print_ticket(sample_ticket)
    deadline = time.monotonic() + 5
    expected = printer.render(sample_ticket)
    while len(server.received) < len(expected) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(server.received) == expected


@pytest.mark.parametrize(
    ("replies", "error"),
    [
        ({1: b"\x1a", 2: b"\x32", 4: b"\x72"}, PaperOut),
        ({1: b"\x1a", 2: b"\x16", 4: b"\x12"}, CoverOpen),
        ({1: b"\x1a", 2: b"\x12", 4: b"\x12"}, PrinterOffline),
    ],
)
def test_network_printer_refuses_when_status_is_bad(
    network_printer_factory: type[FakeNetworkPrinter],
    sample_ticket: TicketData,
    replies: dict[int, bytes],
    error: type[Exception],
) -> None:
    """Paper out, cover open or offline in DLE EOT replies raise that error; nothing is sent."""
    server = network_printer_factory(replies)
    settings = PrinterSettings(backend="network", host="127.0.0.1", port=server.port)
    with pytest.raises(error):
        make_printer(settings).print_ticket(sample_ticket)
    assert b"\x1b@" not in server.received


def test_file_backend_writes_the_bytes(tmp_path: Path, sample_ticket: TicketData) -> None:
    """The file backend (like /dev/usb/lp0) receives the same bytes; its status is UNKNOWN."""
    target = tmp_path / "lp0"
    printer = EscposTicketPrinter(PrinterSettings(backend="file", file_path=target))
    printer.print_ticket(sample_ticket)
    assert target.read_bytes() == printer.render(sample_ticket)
    assert printer.status() is PrinterStatus.UNKNOWN


def test_missing_device_file_is_offline(tmp_path: Path, sample_ticket: TicketData) -> None:
    """A device node that does not exist means the printer is unplugged: PrinterOffline."""
    settings = PrinterSettings(backend="file", file_path=tmp_path / "no-such-dir" / "lp0")
    printer = make_printer(settings)
    with pytest.raises(PrinterOffline):
        printer.print_ticket(sample_ticket)
    assert printer.status() is PrinterStatus.OFFLINE


def test_dummy_backend_keeps_the_output(sample_ticket: TicketData) -> None:
    """The dummy backend is always online and keeps the last ticket's bytes."""
    printer = EscposTicketPrinter(
        PrinterSettings(backend="dummy", profile="POS-5890", paper_width=58)
    )
    printer.print_ticket(sample_ticket)
    assert printer.last_output == printer.render(sample_ticket)
    assert printer.status() is PrinterStatus.ONLINE


def test_unknown_profile_is_a_config_error() -> None:
    """A profile escpos does not know is a configuration error, in both languages."""
    with pytest.raises(PrinterConfigError) as raised:
        make_printer(PrinterSettings(profile="NoSuchPrinter-9000"))
    assert "NoSuchPrinter-9000" in str(raised.value)
    assert "TM-T20II" in raised.value.message_en  # lists the known profiles


def test_settings_refuse_a_backend_without_its_address() -> None:
    """A network backend without a host, or a bad USB id, fails when the settings are loaded."""
    with pytest.raises(ValueError, match="needs host"):
        PrinterSettings(backend="network")
    with pytest.raises(ValueError, match="hex"):
        PrinterSettings(backend="usb", usb_vendor="xyz", usb_product="0e15")
    assert PrinterSettings(backend="usb", usb_vendor="04b8", usb_product="0e15").usb_ids == (
        0x04B8,
        0x0E15,
    )
