"""`POST /api/v1/devices/alerts`: a device asks for staff (printer offline, out of paper)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from queue_protocol.enums import DeviceKind
from queue_protocol.models import DeviceAlertRequest, DeviceAlertStored
from queue_server.api.deps import ContainerDep, IdempotencyKeyDep, PrincipalDep
from queue_server.api.routes import _PROBLEMS, run_command
from queue_server.service import commands as c
from queue_server.service.auth import Forbidden

router = APIRouter(prefix="/api/v1", responses=_PROBLEMS)

_DEVICE_KINDS = frozenset(kind.value for kind in DeviceKind)


@router.post("/devices/alerts", response_model=DeviceAlertStored, status_code=201, tags=["devices"])
async def alert(
    body: DeviceAlertRequest,
    request: Request,
    container: ContainerDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """A kiosk, display or rating terminal tells staff that it needs attention: `kind` is the
    part ("printer"), `code` a stable name of the trouble ("PaperOut", "PrinterOffline"),
    `message` a short sentence (at most 200 characters).

    Logged as the event `device.alert` of the device's office (taken from its token), with the
    device's id, kind and workplace. Operators of every role receive it on `/ws`; the hall
    display, kiosks and rating terminals get it as a `filtered` placeholder. Only device tokens
    may send alerts (403 for an operator). With an `Idempotency-Key` a retried alert is logged
    once.
    """
    if principal.kind not in _DEVICE_KINDS:
        raise Forbidden(
            "Сообщать о неисправности может только устройство (киоск, табло, терминал оценки)",
            "Only a device (kiosk, display, rating terminal) may send device alerts",
        )
    command = c.ReportDeviceAlert(
        office=principal.office,
        device=principal.id,
        device_kind=principal.kind,
        workplace=principal.workplace,
        kind=body.kind,
        code=body.code,
        message=body.message,
    )
    return await run_command(
        request, container, command, principal, idempotency_key, body.model_dump(mode="json"), 201
    )
