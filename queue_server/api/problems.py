"""RFC 9457 problem JSON for every error, with a stable `code` and the caller's language."""

from __future__ import annotations

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
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def request_lang(request: Request) -> str:
    """ "en" when the caller prefers English (Accept-Language), Russian otherwise."""
    header = request.headers.get("accept-language", "")
    return "en" if header.lower().startswith("en") else "ru"


def problem(
    status: int, code: str, detail: str, extra: dict[str, Any] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": _STATUS_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if extra:
        body["extra"] = extra
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 429 and extra and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem JSON."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        extra = {k: v for k, v in exc.extra.items() if isinstance(v, str | int | float | bool)}
        return problem(exc.status, exc.code, exc.message(request_lang(request)), extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        malformed = any(e.get("type") == "json_invalid" for e in errors)
        fields = [
            ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body" for e in errors
        ]
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
                    f"{f}: {e.get('msg')}" for f, e in zip(fields, errors, strict=True)
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
            return problem(405, "method_not_allowed", detail)
        return problem(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        lang = request_lang(request)
        detail = "Internal server error" if lang == "en" else "Внутренняя ошибка сервера"
        return problem(500, "internal_error", detail)
