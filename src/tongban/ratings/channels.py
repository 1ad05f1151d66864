"""The channel of an evaluation given in a browser (PC or mobile, by the device: ratings.md §1), and the
first-party device cookie the rate limit and the burst rule key on (§4)."""

from __future__ import annotations

import re
import secrets

from django.conf import settings

from tongban.ratings.constants import Channel

_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|HarmonyOS|MicroMessenger", re.IGNORECASE)

DEVICE_COOKIE = "tb_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
_DEVICE = re.compile(r"^[0-9a-f]{32}$")


def browser_channel(request) -> str:
    return Channel.MOBILE if _MOBILE.search(request.headers.get("User-Agent", "")) else Channel.PC


def device_key(request) -> str:
    """The browser's device id from its first-party cookie, "" when it sent none (or a malformed one): a
    client without the cookie is then limited by its account and address only."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if _DEVICE.match(value) else ""


def device_cookie_ensure(request, response):
    """Give a browser without a device cookie one (set on the rating page's answers, so that its next post
    carries it). The value is random: it identifies the browser, not the person."""
    if not device_key(request):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_hex(16),
            max_age=DEVICE_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response
