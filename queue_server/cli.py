"""Server sub-commands of `okno`: server, demo, config apply, device add, operator add|passwd,
api-client add|revoke."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger("okno.server")

DEMO_OFFICE = "demo"
GC_GEN0_THRESHOLD = 10_000


def add_commands(subparsers: Any) -> None:
    """Register the server's commands on the `okno` parser."""
    server = subparsers.add_parser("server", help="run the queue server")
    _server_options(server)
    server.add_argument("--demo", action="store_true", help="seed the demo office (demo only)")
    server.set_defaults(func=run_server)

    demo = subparsers.add_parser(
        "demo", help="the server on SQLite with the demo office, plus every client app"
    )
    _server_options(demo, default_db="var/demo.db")
    demo.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="the simulated office day runs X times faster than real time (default 1)",
    )
    demo.add_argument(
        "--no-simulation",
        action="store_true",
        help="no simulated visitors and operators: the office is quiet",
    )
    demo.set_defaults(func=run_demo, demo=True)

    config = subparsers.add_parser("config", help="office configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    apply = config_sub.add_parser("apply", help="apply an office YAML file")
    apply.add_argument("file", type=Path)
    _db_option(apply)
    apply.set_defaults(func=run_config_apply)
    check = config_sub.add_parser("check", help="validate an office YAML file")
    check.add_argument("file", type=Path)
    check.set_defaults(func=run_config_check)

    device = subparsers.add_parser("device", help="kiosks, displays, rating terminals")
    device_sub = device.add_subparsers(dest="device_command", required=True, metavar="ACTION")
    add = device_sub.add_parser(
        "add", help="register a device (or replace its token) and print the new token"
    )
    add.add_argument("id")
    add.add_argument("--office", required=True)
    add.add_argument("--kind", required=True, choices=["kiosk", "display", "rating"])
    add.add_argument("--workplace")
    _db_option(add)
    add.set_defaults(func=run_device_add)

    operator = subparsers.add_parser("operator", help="specialists' accounts")
    operator_sub = operator.add_subparsers(dest="operator_command", required=True, metavar="ACTION")
    op_add = operator_sub.add_parser("add", help="add an operator (asks for the password)")
    op_add.add_argument("login")
    op_add.add_argument("--office", required=True)
    op_add.add_argument("--name", required=True)
    op_add.add_argument("--role", action="append", choices=["operator", "supervisor", "admin"])
    op_add.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="SERVICE[:LEVEL]",
        help="a service served, level 1 unless given",
    )
    op_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    _db_option(op_add)
    op_add.set_defaults(func=run_operator_add)
    passwd = operator_sub.add_parser("passwd", help="set an operator's password")
    passwd.add_argument("login")
    passwd.add_argument("--password-stdin", action="store_true")
    _db_option(passwd)
    passwd.set_defaults(func=run_operator_passwd)

    client = subparsers.add_parser(
        "api-client", help="outside systems using the booking API (a regional portal)"
    )
    client_sub = client.add_subparsers(dest="client_command", required=True, metavar="ACTION")
    client_add = client_sub.add_parser(
        "add", help="register an outside system of an office and print its bearer token once"
    )
    client_add.add_argument("--office", required=True)
    client_add.add_argument("--name", required=True, help='e.g. "Портал госуслуг региона"')
    client_add.add_argument("--id", default=None, help="the client's id (default: generated)")
    _db_option(client_add)
    client_add.set_defaults(func=run_api_client_add)
    client_revoke = client_sub.add_parser(
        "revoke", help="deactivate an API client: its token is refused from then on"
    )
    client_revoke.add_argument("id")
    _db_option(client_revoke)
    client_revoke.set_defaults(func=run_api_client_revoke)


def _db_option(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    parser.add_argument(
        "--db",
        default=default,
        help="SQLite file or database URL (default: OKNO_DATABASE_URL or var/okno.db)",
    )


def _server_options(parser: argparse.ArgumentParser, default_db: str | None = None) -> None:
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None, help="0 picks a free port")
    parser.add_argument("--public-url", default=None, help="the address printed in QR codes")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    _db_option(parser, default_db)


def _server_settings(args: argparse.Namespace) -> Any:
    """The validated settings of `okno server`/`okno demo`: flags over `OKNO_*` variables.

    Raises SystemExit with the settings' own explanation when they are refused.
    """
    from pydantic import ValidationError

    from queue_server.settings import ServerSettings

    overrides: dict[str, Any] = {"demo": bool(getattr(args, "demo", False))}
    database_url = _database_url_flag(args)
    if database_url is not None:
        overrides["database_url"] = database_url
    for name in ("host", "port", "public_url"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "simulation_token", None):  # the demo at --speed X: a faster clock
        overrides["simulation"] = True
        overrides["simulation_token"] = args.simulation_token
    try:
        return ServerSettings(**overrides)
    except ValidationError as exc:
        raise SystemExit(f"okno: {_settings_problem(exc)}") from None


def _settings_problem(exc: Any) -> str:
    """A settings ValidationError as one line per problem, without pydantic's decorations."""
    lines = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in error["loc"])
        lines.append(f"{where}: {message}" if where else message)
    return "\n".join(lines)


def _database_url_flag(args: argparse.Namespace) -> str | None:
    db = getattr(args, "db", None)
    if not db:
        return None
    return str(db) if "://" in db else f"sqlite:///{Path(db).resolve()}"


def _database_url(args: argparse.Namespace) -> str:
    """`--db`, else OKNO_DATABASE_URL, else the default SQLite file."""
    from queue_server.settings import DatabaseSettings

    return _database_url_flag(args) or DatabaseSettings().database_url


def _fail(message: str) -> int:
    print(f"okno: {message}", file=sys.stderr)
    return 2


def seed_demo(engine: Any) -> None:
    """Apply the demo office; refuses a database that holds any other office's data."""
    from queue_server.service.config import apply_config, office_is_empty_or_demo, parse_config

    if not office_is_empty_or_demo(engine, DEMO_OFFICE):
        raise SystemExit(
            "okno: this database holds other offices' data; the demo seeds only an empty "
            "database (use --db var/demo.db)"
        )
    text = resources.files("queue_server").joinpath("demo_office.yaml").read_text("utf-8")
    apply_config(engine, parse_config(text, "demo_office.yaml"))
    log.warning("demo office seeded: passwords and tokens are public, for the demo only")


def run_server(args: argparse.Namespace) -> int:
    """Validate the settings, bind the port, then build and serve (`--port 0`: a free port)."""
    from queue_server.bootstrap import build

    settings = _server_settings(args)
    sock = _listen(settings.host, settings.port)
    try:
        bound = sock.getsockname()[1]
        if bound != settings.port:  # --port 0: the settings (and demo QR links) get the real one
            settings = settings.listening_on(bound)
        container = build(settings)
        if settings.demo:
            seed_demo(container.engine)
            log.warning("demo: QR codes point at %s", settings.qr_url)
        import uvloop  # uvicorn's own loop choice does not apply when we start the loop

        return uvloop.run(serve(container, sock, args.port_file))
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` (not yet listening), so that the port is known before start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"okno: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


async def serve(container: Any, sock: socket.socket, port_file: Path | None = None) -> int:
    """Run uvicorn on `sock` with the container's settings until stopped."""
    import asyncio
    import gc

    import uvicorn

    from queue_server.api.app import create_app, served_app
    from queue_server.api.status_live import end_streams_on_exit

    settings = container.settings
    app = create_app(container)
    config = uvicorn.Config(
        served_app(container, app),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws="websockets-sansio",  # timers instead of tasks per connection: less memory
        ws_per_message_deflate=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        access_log=False,
        lifespan="on",
    )
    # uvicorn has installed its own log handlers: phones and e-mails stay masked there too.
    from okno.logs import mask_all_handlers

    mask_all_handlers()
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    # Live status pages are endless responses: end them when the server starts to stop.
    streams = asyncio.ensure_future(end_streams_on_exit(server, app.state.status_feed))
    task.add_done_callback(lambda _: streams.cancel())
    while not server.started:
        if task.done():
            return 1
        await asyncio.sleep(0.02)
    # Full garbage collections over everything loaded at start-up stalled a command for 50-80 ms
    # every few hundred commands (seen as the p99 of calls): move what exists now out of the
    # collector's way and collect the young generation less often.
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 10, 10)
    log.info("okno server listening on http://%s:%d", settings.host, settings.port)
    if port_file is not None:
        await asyncio.to_thread(port_file.write_text, str(settings.port))
    await task
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """The demo: the server on SQLite with the demo office (the client apps join as they exist)."""
    return run_server(args)


def run_config_check(args: argparse.Namespace) -> int:
    from queue_server.service.config import ConfigError, load_config

    try:
        config = load_config(args.file, getattr(args, "check_device", None))
    except ConfigError as exc:
        return _fail(str(exc))
    print(f"{args.file}: office {config.id}: {len(config.services)} services, OK")
    return 0


def run_config_apply(args: argparse.Namespace) -> int:
    from queue_server.service.config import ConfigError, apply_config, load_config

    try:
        config = load_config(args.file, getattr(args, "check_device", None))
        counts = apply_config(_migrated_engine(args), config)
    except ConfigError as exc:
        return _fail(str(exc))
    print(
        f"office {config.id}: {counts['services']} services, {counts['workplaces']} workplaces, "
        f"{counts['operators']} operators, {counts['devices']} devices applied"
    )
    if counts["operators_deactivated"] or counts["devices_deactivated"]:
        print(
            f"deactivated (left out of the file): {counts['operators_deactivated']} operators, "
            f"{counts['devices_deactivated']} devices; their tokens no longer work"
        )
    return 0


def run_device_add(args: argparse.Namespace) -> int:
    from queue_server.service.admin import issue_device_token
    from queue_server.service.config import ConfigError

    try:
        token, created = issue_device_token(
            _migrated_engine(args), args.id, args.office, args.kind, args.workplace
        )
    except ConfigError as exc:
        return _fail(str(exc))
    print(token)
    what = "added" if created else "given a new token (the old one no longer works)"
    print(f"device {args.id} ({args.kind}) {what}; this token is shown once", file=sys.stderr)
    return 0


def run_api_client_add(args: argparse.Namespace) -> int:
    from queue_server.domain.errors import DomainError
    from queue_server.service.bookings import add_api_client

    try:
        client, token = add_api_client(_migrated_engine(args), args.office, args.name, args.id)
    except DomainError as exc:
        return _fail(f"{exc.message('ru')} / {exc.message('en')}")
    except ValueError as exc:
        return _fail(str(exc))
    print(token)
    print(
        f"API client {client} of office {args.office} added; this token is shown once "
        "(clients send it as 'Authorization: Bearer <token>')",
        file=sys.stderr,
    )
    return 0


def run_api_client_revoke(args: argparse.Namespace) -> int:
    from queue_server.domain.errors import DomainError
    from queue_server.service.bookings import revoke_api_client

    try:
        row = revoke_api_client(_migrated_engine(args), args.id)
    except DomainError as exc:
        return _fail(f"{exc.message('ru')} / {exc.message('en')}")
    print(
        f"API client {row.id} ({row.name}) of office {row.office} revoked; a running server "
        "refuses its token within seconds",
        file=sys.stderr,
    )
    return 0


def _migrated_engine(args: argparse.Namespace) -> Any:
    from queue_server.storage.db import make_engine, migrate

    engine = make_engine(_database_url(args))
    migrate(engine)
    return engine


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("okno: the passwords differ")
    return first


def run_operator_add(args: argparse.Namespace) -> int:
    from queue_server.service.admin import add_operator
    from queue_server.service.config import ConfigError

    levels: dict[str, int] = {}
    for item in args.service:
        name, _, level = item.partition(":")
        if level and not level.isdigit():
            return _fail(f"bad level in {item!r}: use SERVICE:LEVEL, e.g. registration:1")
        levels[name] = int(level or 1)
    password = _read_password(args)
    try:
        add_operator(
            _migrated_engine(args),
            args.office,
            args.login,
            args.name,
            password,
            args.role or ["operator"],
            levels,
        )
    except ConfigError as exc:
        return _fail(str(exc))
    print(f"operator {args.login} added")
    return 0


def run_operator_passwd(args: argparse.Namespace) -> int:
    from queue_server.service.admin import set_password
    from queue_server.service.config import ConfigError

    password = _read_password(args)
    try:
        set_password(_migrated_engine(args), args.login, password)
    except ConfigError as exc:
        return _fail(str(exc))
    print(f"password of {args.login} changed")
    return 0
