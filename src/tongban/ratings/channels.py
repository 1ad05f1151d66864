"""The channel of an evaluation given in a browser: PC or mobile, by the device (ratings.md §1)."""

from __future__ import annotations

import re

from tongban.ratings.constants import Channel

_MOBILE = re.compile(r"Mobi|Android|iPhone|iPad|HarmonyOS|MicroMessenger", re.IGNORECASE)


def browser_channel(request) -> str:
    return Channel.MOBILE if _MOBILE.search(request.headers.get("User-Agent", "")) else Channel.PC
