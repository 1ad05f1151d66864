from django.conf import settings

from tongban.accounts.facade import menu_abilities


def site(request):
    actor = getattr(request, "actor", None)
    user = getattr(request, "user", None)
    logged_in = bool(user is not None and user.is_authenticated and actor is not None)
    return {
        "site_name": settings.TONGBAN_SITE_NAME,
        "region_name": settings.TONGBAN_REGION_NAME,
        "elderly_mode": getattr(request, "elderly_mode", False),
        "actor": actor,
        "menu": menu_abilities(actor) if logged_in else {},
    }
