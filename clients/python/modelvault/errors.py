"""Exceptions raised by the SDK."""
from __future__ import annotations

from typing import Optional


class ModelvaultError(Exception):
    """The server refused a request, or a transfer failed its checks.

    Attributes:
        status: the HTTP status (0 when the failure is the client's own check).
        code: the server's error code (``not_found``, ``already_exists``, ...).
        message: the server's message.
    """

    def __init__(self, status: int, code: str, message: str,
                 request_id: Optional[str] = None) -> None:
        super().__init__(f"{code}: {message}" + (f" (HTTP {status})" if status else ""))
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id


class NotFoundError(ModelvaultError):
    """404: no such model, version, alias, ..."""


class ConflictError(ModelvaultError):
    """409: already exists, illegal transition, refused by the promotion gate."""


class DigestMismatchError(ModelvaultError):
    """The SHA-256 of the bytes sent or received differs from the one expected."""


def error_from_response(resp) -> ModelvaultError:
    """Builds the exception for a failed ``requests`` response (house and OIP shapes)."""
    code, message = "http_%d" % resp.status_code, resp.reason or ""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            code, message = err.get("code", code), err.get("message", message)
        elif isinstance(err, str):
            code, message = body.get("code", code), err
    cls = {404: NotFoundError, 409: ConflictError}.get(resp.status_code, ModelvaultError)
    return cls(resp.status_code, code, message, resp.headers.get("X-Request-Id"))
