"""A signed-in session as a browser gets it, over HTTP or in process: the benchmarks' clients log in with
:func:`session_login` and send its headers (the cookies and ``X-CSRFToken``) with every unsafe request."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.cookies import SimpleCookie

# send(method, path, body, headers) -> (status, the answer's headers as (name, value) pairs, body)
Sender = Callable[[str, str, bytes, dict], tuple[int, list[tuple[str, str]], bytes]]


def cookies_of(headers: list[tuple[str, str]]) -> dict:
    jar = SimpleCookie()
    for name, value in headers:
        if name.lower() == "set-cookie":
            jar.load(value)
    return {k: m.value for k, m in jar.items()}


def cookie_header(cookies: dict) -> dict:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


def http_sender(base_url: str) -> Sender:
    """Each request on a new connection to the server (harness ``http_request``)."""
    from bench.harness.server import http_request

    return lambda method, path, body, headers: http_request(base_url, method, path, body or None, headers)


def wsgi_sender(call) -> Sender:
    """Requests to the WSGI application called directly (harness ``inprocess.wsgi_caller``)."""

    def send(method: str, path: str, body: bytes, headers: dict):
        status, content = call(method, path, body, headers)
        return status, list(call.last_headers), content

    return send


def session_login(send: Sender, username: str, password: str) -> tuple[dict, bytes]:
    """POST /api/auth/login, then the CSRF cookie (GET /accounts/login/ when the login answer did not set it).
    Answers the headers every unsafe request of this client sends, and the login answer's body."""
    body = json.dumps({"username": username, "password": password}).encode()
    status, headers, answer = send("POST", "/api/auth/login", body, {"Content-Type": "application/json"})
    if status != 200:
        raise RuntimeError(f"login of {username} answered {status}: {answer[:300]!r}")
    cookies = cookies_of(headers)
    if "csrftoken" not in cookies:
        _, headers, _ = send("GET", "/accounts/login/", b"", cookie_header(cookies))
        cookies.update(cookies_of(headers))
    if "sessionid" not in cookies or "csrftoken" not in cookies:
        raise RuntimeError(f"no session or CSRF cookie for {username}: {sorted(cookies)}")
    return {**cookie_header(cookies), "X-CSRFToken": cookies["csrftoken"]}, answer
