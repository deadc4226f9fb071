"""RFC 9457 problem JSON for every error, with a stable `code` and the caller's language.

The encoder never fails and never answers with more than a few kB: text that cannot be encoded
(a lone surrogate) is replaced, and whatever may come from the request is cut to a bounded size.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from queue_server.domain.errors import DomainError

log = logging.getLogger("okno.server")

PROBLEM_TYPE = "https://okno.example/problems/"
MEDIA_TYPE = "application/problem+json"

_STATUS_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def request_lang(request: Request) -> str:
    """ "en" when the caller prefers English (Accept-Language), Russian otherwise."""
    return lang_of(request.headers.get("accept-language", ""))


def lang_of(accept_language: str) -> str:
    """ "en" when an Accept-Language header prefers English, Russian otherwise."""
    return "en" if accept_language.lower().startswith("en") else "ru"


MAX_TEXT = 1000  # characters of one text in a problem (detail, an extra value)
MAX_LISTED_ERRORS = 10  # validation errors named in one problem
MAX_FIELD_NAME = 64  # characters of one part of a field's path (a client may send any key)


class ProblemResponse(JSONResponse):
    """Problem JSON whose encoding cannot fail: unencodable text becomes "?"."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False, default=str)
        except ValueError:  # a NaN or infinity in an extra value: answer without the extras
            text = json.dumps({k: v for k, v in content.items() if k != "extra"})
        return text.encode("utf-8", errors="replace")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text`, cut to `limit` characters with an ellipsis when longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem(
    status: int, code: str, detail: str, extra: dict[str, Any] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": _STATUS_TITLES.get(status, "Error"),
        "status": status,
        "detail": clip(detail),
        "code": code,
    }
    if extra:
        body["extra"] = {k: clip(v) if isinstance(v, str) else v for k, v in extra.items()}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 429 and extra and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return ProblemResponse(body, status_code=status, headers=headers)


def payload_too_large(lang: str, max_bytes: int | None) -> JSONResponse:
    """413 `payload_too_large`: the request body is over the limit (OKNO_MAX_BODY_BYTES)."""
    if max_bytes is None:
        detail = "Слишком большое тело запроса", "The request body is too large"
    else:
        detail = (
            f"Тело запроса больше {max_bytes} байт",
            f"The request body is larger than {max_bytes} bytes",
        )
    extra = {"max_bytes": max_bytes} if max_bytes is not None else None
    return problem(413, "payload_too_large", detail[1] if lang == "en" else detail[0], extra)


def domain_problem(exc: DomainError, lang: str) -> JSONResponse:
    """The problem answering a refusal of the domain, in `lang` ("ru" or "en")."""
    extra = {k: v for k, v in exc.extra.items() if isinstance(v, str | int | float | bool)}
    return problem(exc.status, exc.code, exc.message(lang), extra)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(clip(str(p), MAX_FIELD_NAME) for p in loc if p != "body") or "body"


def install(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem JSON."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc, request_lang(request))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The errors' `input` (the value sent) is never echoed: only field names and messages,
        # each cut short, and at most MAX_LISTED_ERRORS of them.
        errors = exc.errors()
        malformed = any(e.get("type") == "json_invalid" for e in errors)
        errors = errors[:MAX_LISTED_ERRORS]
        fields = list(dict.fromkeys(_field(tuple(e.get("loc", ()))) for e in errors))
        lang = request_lang(request)
        if malformed:
            detail = (
                "Malformed JSON in the request body"
                if lang == "en"
                else ("Тело запроса не является корректным JSON")
            )
            return problem(400, "malformed_request", detail)
        detail = (
            f"Invalid request fields: {', '.join(fields)}"
            if lang == "en"
            else f"Неверные поля запроса: {', '.join(fields)}"
        )
        return problem(
            422,
            "validation_error",
            detail,
            {
                "errors": "; ".join(
                    f"{_field(tuple(e.get('loc', ())))}: {clip(str(e.get('msg')), 200)}"
                    for e in errors
                )
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = request_lang(request)
        if exc.status_code == 404:
            detail = "No such address" if lang == "en" else "Такого адреса нет"
            return problem(404, "not_found", detail)
        if exc.status_code == 405:
            detail = "Method not allowed" if lang == "en" else "Метод не поддерживается"
            refusal = problem(405, "method_not_allowed", detail)
            # RFC 9110: a 405 says which methods the resource does allow.
            if exc.headers and "Allow" in exc.headers:
                refusal.headers["Allow"] = exc.headers["Allow"]
            return refusal
        if exc.status_code == 413:  # a body found too large while it was being read
            return payload_too_large(lang, getattr(exc, "max_bytes", None))
        return problem(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        lang = request_lang(request)
        detail = "Internal server error" if lang == "en" else "Внутренняя ошибка сервера"
        return problem(500, "internal_error", detail)
