"""HTTP between members: one keep-alive client per partner and process (httpx), JSON bodies, short timeouts.

A member's API base is the ``base_url`` the trust list gives it; every call is
``<base_url>/api/federation/…`` (docs/federation/protocol.md §1)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx
from django.conf import settings

_local = threading.local()


@dataclass(frozen=True)
class Answer:
    status: int
    data: dict

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Unreachable(Exception):
    """The partner did not answer (refused, timed out, reset): try again later."""


def client() -> httpx.Client:
    found = getattr(_local, "client", None)
    if found is None:
        timeout = httpx.Timeout(settings.TONGBAN_FEDERATION_HTTP_TIMEOUT, connect=3.0)
        found = httpx.Client(timeout=timeout, headers={"User-Agent": "tongban-federation/1"})
        _local.client = found
    return found


def post_json(url: str, data: dict, *, headers: dict | None = None) -> Answer:
    try:
        response = client().post(url, json=data, headers=headers or {})
    except httpx.HTTPError as exc:
        raise Unreachable(f"{type(exc).__name__}") from exc
    return _answer(response)


def get_json(url: str, *, headers: dict | None = None, params: dict | None = None) -> Answer:
    try:
        response = client().get(url, headers=headers or {}, params=params)
    except httpx.HTTPError as exc:
        raise Unreachable(f"{type(exc).__name__}") from exc
    return _answer(response)


def _answer(response: httpx.Response) -> Answer:
    if response.status_code >= 500:
        raise Unreachable(f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    return Answer(response.status_code, data if isinstance(data, dict) else {})


def reset() -> None:
    """Forget the keep-alive clients of this thread (after a partner restarted, in tests)."""
    found = getattr(_local, "client", None)
    if found is not None:
        found.close()
        _local.client = None
