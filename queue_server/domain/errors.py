"""Domain errors: each has a stable code and a message in Russian and English.

Hierarchy::

    DomainError
    ├── CodedError          a family whose code is given when raised
    │   ├── NotFound            (unknown office, service, ticket, operator, workplace)
    │   └── ServiceUnavailable  the service is closed or its daily limit is reached
    ├── QueueEmpty          nothing waits that this operator may call
    ├── InvalidTransition   the ticket's state does not allow the command
    ├── NoCurrentTicket     the desk has no called or serving ticket
    ├── TicketInProgress    the desk must finish its current ticket first
    ├── NotServedHere       the operator does not serve the ticket's service
    ├── OperatorPaused      a paused operator cannot call
    ├── NotOnKiosk          a kiosk asked for a service the kiosk does not offer
    └── NoteNotOnKiosk      a kiosk sent a note for the specialist (only staff may)

The API maps `code` to the problem JSON and the HTTP status; nothing changed when one is raised.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused command. `code` is stable; `message(lang)` is for the person."""

    code = "domain_error"
    status = 409

    def __init__(self, ru: str, en: str, **extra: object) -> None:
        super().__init__(en)
        self.ru = ru
        self.en = en
        self.extra = extra

    def message(self, lang: str) -> str:
        """The message in `lang` ("ru" or "en"), Russian otherwise."""
        return self.en if lang == "en" else self.ru


class CodedError(DomainError):
    """A family of refusals sharing an HTTP status, each with its own code given when raised."""

    def __init__(self, code: str, ru: str, en: str, **extra: object) -> None:
        super().__init__(ru, en, **extra)
        self.code = code


class NotFound(CodedError):
    code = "not_found"
    status = 404


class QueueEmpty(DomainError):
    code = "queue_empty"
    status = 404


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class NoCurrentTicket(DomainError):
    code = "no_current_ticket"
    status = 409


class TicketInProgress(DomainError):
    code = "ticket_in_progress"
    status = 409


class NotServedHere(DomainError):
    code = "not_served_here"
    status = 409


class OperatorPaused(DomainError):
    code = "operator_paused"
    status = 409


class NotOnKiosk(DomainError):
    """The service is issued by staff only (`kiosk: false`): a kiosk may not issue it."""

    code = "not_on_kiosk"
    status = 403


class NoteNotOnKiosk(DomainError):
    """A note for the specialist is written by staff issuing a ticket, never by a kiosk."""

    code = "note_not_on_kiosk"
    status = 403


class ServiceUnavailable(CodedError):
    code = "service_closed"
    status = 409
