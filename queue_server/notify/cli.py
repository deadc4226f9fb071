"""`okno notices`: list the notices outbox (recipients masked) and `okno notices retry ID`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

STATUSES = ("pending", "sent", "failed")


def add_commands(subparsers: Any) -> None:
    """Register `okno notices` on the `okno` parser."""
    notices = subparsers.add_parser(
        "notices", help="e-mail, SMS and webhook notices: list, retry a failed one"
    )
    notices.add_argument("--status", help="pending, sent or failed")
    notices.add_argument("--office", help="only this office's notices")
    notices.add_argument("--limit", default="50", help="how many, newest first (default 50)")
    notices.add_argument(
        "--db", help="SQLite file or database URL (default: OKNO_DATABASE_URL or var/okno.db)"
    )
    notices.set_defaults(func=run_list)
    actions = notices.add_subparsers(dest="notices_command", metavar="ACTION")
    retry = actions.add_parser("retry", help="send a failed notice again")
    retry.add_argument("id", help="the notice's number from the list")
    # SUPPRESS: `okno notices --db X retry 5` keeps the --db given before the action.
    retry.add_argument("--db", default=argparse.SUPPRESS, help="as for the list")
    retry.set_defaults(func=run_retry)


def _fail(ru: str, en: str) -> int:
    print(f"okno: {ru} / {en}", file=sys.stderr)
    return 2


def _engine(args: argparse.Namespace) -> Any:
    from queue_server.settings import DatabaseSettings
    from queue_server.storage.db import make_engine, migrate

    db = getattr(args, "db", None)
    if db:
        url = db if "://" in db else f"sqlite:///{Path(db).resolve()}"
    else:
        url = DatabaseSettings().database_url
    engine = make_engine(url)
    migrate(engine)
    return engine


def _channels_line() -> str:
    """Which channels this machine's settings configure (notices are queued only on those)."""
    from pydantic import ValidationError

    from queue_server.notify.settings import NoticeSettings

    try:
        channels = NoticeSettings().notice_channels()
    except ValidationError as exc:
        first = exc.errors()[0]["msg"]
        return f"Каналы: настройки с ошибкой / Channels: settings invalid: {first}"
    parts = []
    for name, on in (
        ("e-mail", channels.email),
        ("SMS", channels.sms),
        ("webhook", channels.webhook),
    ):
        state = (
            "настроен / configured"
            if on
            else "не настроен, не ставятся / not configured, not queued"
        )
        parts.append(f"  {name}: {state}")
    return "Каналы / Channels:\n" + "\n".join(parts)


def _masked(channel: str, recipient: str | None) -> str:
    from okno.logs import mask_email, mask_phone

    if recipient is None:
        return "-"
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)


def run_list(args: argparse.Namespace) -> int:
    from okno.logs import mask_personal
    from queue_server.storage.db import read_transaction
    from queue_server.storage.notices import list_notices

    if args.status is not None and args.status not in STATUSES:
        return _fail(
            f"статус «{args.status}» неизвестен: pending, sent или failed",
            f"unknown status '{args.status}': pending, sent or failed",
        )
    if not args.limit.isdigit() or not 1 <= int(args.limit) <= 10_000:
        return _fail(
            f"--limit «{args.limit}»: нужно число от 1 до 10000",
            f"--limit '{args.limit}': a number from 1 to 10000",
        )
    engine = _engine(args)
    try:
        with read_transaction(engine) as conn:
            rows = list_notices(conn, args.status, args.office, int(args.limit))
    finally:
        engine.dispose()
    print(_channels_line())
    if not rows:
        print("Уведомлений нет / No notices")
        return 0
    print(
        f"{'id':>6}  {'created (UTC)':16}  {'office':10}  {'kind':20}  {'channel':7}  "
        f"{'recipient':16}  {'status':7}  tries  last error"
    )
    for row in rows:
        error = mask_personal(row.last_error or "")[:80]
        print(
            f"{row.id:>6}  {row.created_at:%Y-%m-%d %H:%M}  {row.office[:10]:10}  "
            f"{row.kind[:20]:20}  {row.channel:7}  {_masked(row.channel, row.recipient)[:16]:16}  "
            f"{row.status:7}  {row.attempts:>5}  {error}"
        )
    return 0


def run_retry(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from queue_server.storage.notices import get_notice, requeue

    if not args.id.isdigit():
        return _fail(
            f"номер уведомления «{args.id}» — не число", f"notice id '{args.id}' is not a number"
        )
    notice = int(args.id)
    engine = _engine(args)
    try:
        with engine.begin() as conn:
            row = get_notice(conn, notice)
            if row is None:
                return _fail(f"уведомления {notice} нет", f"there is no notice {notice}")
            if not requeue(conn, notice, datetime.now(UTC)):
                return _fail(
                    f"уведомление {notice} не в статусе failed (сейчас {row.status}): "
                    "повторить можно только неотправленное",
                    f"notice {notice} is {row.status}, not failed: only a failed one is retried",
                )
    finally:
        engine.dispose()
    print(f"Уведомление {notice} снова в очереди / notice {notice} queued again")
    return 0
