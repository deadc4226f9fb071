"""Device alerts: a kiosk, display or rating terminal asks for staff (`device.alert`).

An alert changes nothing in the queue; it is only written to the office's event log, in the
office's transaction like every other event, so that staff clients (and later the dashboard)
get it in order with the rest, also after a reconnect.
"""

from __future__ import annotations

from queue_protocol import payloads as p
from queue_protocol.events import EventType
from queue_protocol.models import DeviceAlertStored
from queue_server.service import commands as c
from queue_server.service.tx import Tx

__all__ = ["report_device_alert"]


def report_device_alert(tx: Tx, cmd: c.ReportDeviceAlert) -> DeviceAlertStored:
    """Log the alert as `device.alert`; the answer repeats what was logged."""
    payload = p.DeviceAlert(
        device=cmd.device,
        device_kind=cmd.device_kind,
        workplace=cmd.workplace,
        kind=cmd.kind,
        code=cmd.code,
        message=cmd.message,
    )
    tx.emit(EventType.DEVICE_ALERT, payload)
    return DeviceAlertStored(**payload.model_dump(), received_at=tx.now)
