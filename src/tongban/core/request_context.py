"""The request id and client address of the request being served, for audit events and logs."""

from __future__ import annotations

from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("tongban_request_id", default=None)
_client_ip: ContextVar[str | None] = ContextVar("tongban_client_ip", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def current_client_ip() -> str | None:
    return _client_ip.get()


def bind(request_id: str | None, client_ip: str | None):
    return _request_id.set(request_id), _client_ip.set(client_ip)


def unbind(tokens) -> None:
    rid, ip = tokens
    _request_id.reset(rid)
    _client_ip.reset(ip)
