"""Dependencies declared once: the container, the caller, the idempotency key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from queue_server.bootstrap import Container
from queue_server.service.auth import Forbidden, Principal


async def get_container(request: Request) -> Container:
    # async: FastAPI runs a plain `def` dependency on a worker thread, a hop per request.
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


async def get_principal(
    container: ContainerDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    token = bearer(authorization)
    # A token used lately is answered from memory, without a hop to a worker thread.
    credential = container.auth.recent(token)
    if credential is not None:
        return credential.principal
    return await run_in_threadpool(container.auth.authenticate, token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_operator(principal: PrincipalDep) -> Principal:
    if principal.kind != "operator" or principal.workplace is None:
        raise Forbidden(
            "Команды рабочего места доступны только специалисту",
            "Desk commands are for signed-in operators only",
        )
    return principal


OperatorDep = Annotated[Principal, Depends(get_operator)]

IdempotencyKeyDep = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
