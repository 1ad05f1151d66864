"""Per-person preferences: the elderly-friendly mode (适老化) and the language, remembered per account
(or in a cookie before login)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

ELDERLY_COOKIE = "tongban_elderly"


class PreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        cookie_elderly = request.COOKIES.get(ELDERLY_COOKIE)
        if user is not None and user.is_authenticated:
            # Chosen on this device before logging in, or remembered on the account.
            request.elderly_mode = user.elderly_mode or cookie_elderly == "1"
            cookie_lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if user.language and not cookie_lang:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            request.elderly_mode = cookie_elderly == "1"
        return self.get_response(request)
