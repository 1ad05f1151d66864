from django.conf import settings


def site(request):
    return {
        "site_name": settings.TONGBAN_SITE_NAME,
        "region_name": settings.TONGBAN_REGION_NAME,
        "elderly_mode": getattr(request, "elderly_mode", False),
        "actor": getattr(request, "actor", None),
    }
