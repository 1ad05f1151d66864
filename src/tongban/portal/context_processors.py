from django.conf import settings
from django.utils.translation import get_language

from tongban.accounts.facade import menu_abilities


def site(request):
    actor = getattr(request, "actor", None)
    user = getattr(request, "user", None)
    logged_in = bool(user is not None and user.is_authenticated and actor is not None)
    english = (get_language() or "").startswith("en")
    return {
        "site_name": (english and settings.TONGBAN_SITE_NAME_EN) or settings.TONGBAN_SITE_NAME,
        "region_name": (english and settings.TONGBAN_REGION_NAME_EN) or settings.TONGBAN_REGION_NAME,
        "elderly_mode": getattr(request, "elderly_mode", False),
        "actor": actor,
        "menu": menu_abilities(actor) if logged_in else {},
    }
