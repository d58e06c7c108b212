"""Domain errors: raised by services and selectors, mapped to 4xx by views and the API."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the domain refuses; ``message`` is lazy so it renders in the user's language."""

    status = 400

    def __init__(self, message: Any, *, code: str = "invalid", field: str | None = None) -> None:
        self.message = message
        self.code = code
        self.field = field
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409
