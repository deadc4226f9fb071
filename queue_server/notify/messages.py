"""Notice texts: Jinja2 text templates per kind and language (RU, EN), rendered when sent."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from queue_server.notify.channels import NoticeKind

TEMPLATES = Path(__file__).parent / "templates"
LANGS = ("ru", "en")


@dataclass(frozen=True)
class Message:
    """A notice's text: the e-mail subject and body, and the short SMS text."""

    subject: str
    body: str
    sms: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Plain text, not HTML: no autoescape; a missing variable is an error, not an empty string.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def render(kind: NoticeKind | str, data: dict[str, Any]) -> Message:
    """The texts of notice `kind` in the language `data["lang"]` (Russian when unknown)."""
    kind = NoticeKind(kind)
    lang = data.get("lang") if data.get("lang") in LANGS else "ru"
    values = {"name": None, "manage_url": None, "address": "", "service_name": {}, **data}
    values.setdefault("office_name", {})
    template = _environment().get_template(f"{kind.value}.{lang}.j2")

    def block(name: str) -> str:
        context = template.new_context(dict(values))
        return "".join(template.blocks[name](context)).strip()

    return Message(block("subject"), block("body"), block("sms"))
