from django.conf import settings

from tongban.accounts.facade import actor_info


def site(request):
    user = getattr(request, "user", None)
    return {
        "site_name": settings.TONGBAN_SITE_NAME,
        "region_name": settings.TONGBAN_REGION_NAME,
        "elderly_mode": getattr(request, "elderly_mode", False),
        "actor": actor_info(user) if user is not None else None,
    }
