"""`okno printer test`, `okno say` and `okno announce`: check the devices from a terminal.

Heavy libraries (python-escpos, Pillow, pyttsx3, Qt) are imported inside the commands.
"""

from __future__ import annotations

import argparse
import sys
import threading
import wave
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "sample_ticket"]


def _error(message_ru: str, message_en: str) -> None:
    print(f"Ошибка: {message_ru}\nError: {message_en}", file=sys.stderr)


def sample_ticket(lang: str = "ru") -> Any:
    """The demonstration ticket printed by `okno printer test` and shown in the docs."""
    from hardware.printer.ticket import TicketData

    if lang == "en":
        return TicketData(
            office_name="Employment Centre - North branch",
            service_name="Registering as unemployed",
            number="A042",
            issued_at=datetime(2025, 3, 12, 10, 42),
            ahead=3,
            estimate_minutes=12,
            documents=["Passport", "Employment record book", "SNILS (insurance number)"],
            status_url="https://okno.example.ru/t/A042",
            footer="Thank you! Watch the display board for your call.",
            lang="en",
        )
    return TicketData(
        office_name="Центр занятости населения — отдел «Северный»",
        service_name="Регистрация в качестве безработного",
        number="А042",
        issued_at=datetime(2025, 3, 12, 10, 42),
        ahead=3,
        estimate_minutes=12,
        documents=[
            "Паспорт гражданина Российской Федерации",
            "Трудовая книжка или сведения о трудовой деятельности",
            "СНИЛС",
            "Документ об образовании и квалификации",
        ],
        status_url="https://okno.example.ru/t/A042",
        footer="Спасибо! Следите за вызовом на табло.",
    )


def _printer_test(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from hardware.config import PrinterSettings
    from hardware.printer.errors import PrinterError
    from hardware.printer.escpos_printer import EscposTicketPrinter
    from hardware.printer.preview import save_preview

    try:
        settings = PrinterSettings(
            backend=args.backend,
            profile=args.profile,
            paper_width=args.width,
            code_table=args.code_table,
            host=args.host,
            port=args.port,
            timeout=args.timeout,
            usb_vendor=args.usb_vendor,
            usb_product=args.usb_product,
            serial_device=args.serial_device,
            baudrate=args.baudrate,
            file_path=args.device,
        )
    except ValidationError as error:
        problems = "; ".join(str(item["msg"]) for item in error.errors())
        _error(f"неверные параметры принтера: {problems}", f"bad printer options: {problems}")
        return 2
    ticket = sample_ticket(args.lang)
    try:
        printer = EscposTicketPrinter(settings)
        data = printer.render(ticket)
        if args.out:
            Path(args.out).write_bytes(data)
            print(f"ESC/POS: {len(data)} байт -> {args.out}")
        if args.preview:
            save_preview(ticket, Path(args.preview), settings.paper_width)
            print(f"Превью -> {args.preview}")
        if settings.backend.value != "dummy" or not (args.out or args.preview):
            printer.print_ticket(ticket)
            print(
                f"Талон {ticket.number} напечатан ({settings.backend.value}, {len(data)} байт); "
                f"состояние: {printer.status().value}"
            )
    except PrinterError as error:
        _error(error.message_ru, error.message_en)
        return 1
    except OSError as error:
        _error(f"не удалось записать файл: {error}", f"cannot write the file: {error}")
        return 1
    return 0


def _speech_settings(args: argparse.Namespace) -> Any:
    from hardware.config import SpeechSettings

    values: dict[str, Any] = {"language": args.lang}
    if args.voice:
        values["voice"] = args.voice
    if args.cache_dir:
        values["cache_dir"] = Path(args.cache_dir)
    return SpeechSettings(**values)


def _concatenate_wavs(parts: list[Path], out: Path, gap: float = 0.25) -> float:
    """Join WAVs of the same format with `gap` seconds of silence; returns the duration."""
    frames: list[bytes] = []
    params: Any = None
    for index, part in enumerate(parts):
        with wave.open(str(part), "rb") as wav:
            if params is None:
                params = wav.getparams()
            elif (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (
                params.framerate,
                params.nchannels,
                params.sampwidth,
            ):
                raise ValueError(f"{part.name} has a different WAV format")
            if index:
                frames.append(b"\x00" * int(gap * params.framerate) * params.sampwidth)
            frames.append(wav.readframes(wav.getnframes()))
    out.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(frames)
    with wave.open(str(out), "wb") as target:
        target.setnchannels(params.nchannels)
        target.setsampwidth(params.sampwidth)
        target.setframerate(params.framerate)
        target.writeframes(data)
    frame_bytes: int = params.sampwidth * params.nchannels
    return len(data) / (frame_bytes * int(params.framerate))


def _play(paths: list[Path]) -> None:
    """Play `paths` one after another with the best available player; blocks until done."""
    from hardware.config import PlayerKind
    from hardware.speech.players import NullPlayer, make_player

    player = make_player(PlayerKind.AUTO)
    if isinstance(player, NullPlayer):
        print(
            f"Звук не воспроизведён: {player.reason}. Используйте --out FILE.wav.\n"
            f"Nothing played: {player.reason}. Use --out FILE.wav.",
            file=sys.stderr,
        )
        return
    for path in paths:
        done = threading.Event()
        player.play(path, done.set)
        done.wait(60)
    player.close()


def _say(args: argparse.Namespace) -> int:
    from hardware.speech.errors import SpeechError
    from hardware.speech.synth import Synthesizer, wav_duration

    synth = Synthesizer(_speech_settings(args))
    try:
        rendered = synth.render(args.text, args.lang).result(timeout=60)
    except SpeechError as error:
        _error(error.message_ru, error.message_en)
        return 1
    finally:
        synth.close()
    if args.out:
        _concatenate_wavs([rendered.path], Path(args.out))
        print(f"{args.out}: {wav_duration(Path(args.out)):.2f} с, голос {rendered.voice or 'кэш'}")
    else:
        _play([rendered.path])
    return 0


def _announce(args: argparse.Namespace) -> int:
    from hardware.speech.chime import write_chime
    from hardware.speech.errors import SpeechError
    from hardware.speech.phrases import Call, WorkplaceKind, call_phrase
    from hardware.speech.synth import Synthesizer

    settings = _speech_settings(args)
    call = Call(args.number, args.workplace, WorkplaceKind(args.kind), recall=args.recall)
    text = call_phrase(call, args.lang)
    print(text)
    synth = Synthesizer(settings)
    try:
        rendered = synth.render(text, args.lang).result(timeout=60)
    except SpeechError as error:
        _error(error.message_ru, error.message_en)
        return 1
    finally:
        synth.close()
    chime = settings.cache_dir / "chime.wav"
    if not chime.exists():
        write_chime(chime)
    if args.out:
        duration = _concatenate_wavs([chime, rendered.path], Path(args.out))
        print(f"{args.out}: {duration:.2f} с (сигнал + фраза / chime + phrase)")
    else:
        _play([chime, rendered.path])
    return 0


def _add_speech_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=["ru", "en"], default="ru", help="language (ru)")
    parser.add_argument("--voice", help="eSpeak voice id overriding the language, e.g. zle/ru")
    parser.add_argument("--cache-dir", help="directory of rendered phrases")
    parser.add_argument("--out", help="write a WAV file instead of playing")


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `printer test`, `say` and `announce` to the `okno` command."""
    printer = subparsers.add_parser("printer", help="ticket printer checks")
    printer_commands = printer.add_subparsers(dest="printer_command", required=True)
    test = printer_commands.add_parser(
        "test", help="print a sample ticket, or save its ESC/POS bytes and preview"
    )
    test.add_argument(
        "--backend", choices=["dummy", "file", "network", "usb", "serial"], default="dummy"
    )
    test.add_argument("--profile", default="TM-T20II", help="python-escpos printer profile")
    test.add_argument("--width", type=int, choices=[58, 80], default=80, help="paper width, mm")
    test.add_argument("--code-table", type=int, help="ESC t number of CP866 (profile's default)")
    test.add_argument("--host", help="network printer address")
    test.add_argument("--port", type=int, default=9100)
    test.add_argument("--timeout", type=float, default=3.0, help="network timeout, s")
    test.add_argument("--usb-vendor", help="USB vendor id, hex (04b8)")
    test.add_argument("--usb-product", help="USB product id, hex (0e15)")
    test.add_argument("--serial-device", help="serial port, e.g. /dev/ttyUSB0")
    test.add_argument("--baudrate", type=int, default=9600)
    test.add_argument("--device", help="device file for the file backend, e.g. /dev/usb/lp0")
    test.add_argument("--lang", choices=["ru", "en"], default="ru", help="ticket language")
    test.add_argument("--out", help="write the ESC/POS bytes to FILE.bin")
    test.add_argument("--preview", help="write the ticket preview to FILE.png")
    test.set_defaults(func=_printer_test)

    say = subparsers.add_parser("say", help="speak a text (or render it to a WAV file)")
    say.add_argument("text")
    _add_speech_options(say)
    say.set_defaults(func=_say)

    announce = subparsers.add_parser("announce", help="announce a call: chime and phrase")
    announce.add_argument("number", help="ticket number, e.g. А042")
    announce.add_argument("workplace", help="window or room number, e.g. 3")
    announce.add_argument("--kind", choices=["window", "room"], default="window")
    announce.add_argument("--recall", action="store_true", help="repeated call")
    _add_speech_options(announce)
    announce.set_defaults(func=_announce)
