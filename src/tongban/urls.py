from django.contrib import admin
from django.urls import include, path

from tongban.accounts import views as accounts_views
from tongban.api import api
from tongban.portal import views as portal_views

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", accounts_views.language_set, name="set_language"),
    path("accounts/", include("tongban.accounts.urls")),
    path("", include("tongban.catalog.urls")),
    path("", include("tongban.cases.urls")),
    path("", include("tongban.licences.urls")),
    path("", include("tongban.seals.urls")),
    path("", include("tongban.frontdesk.urls")),
    path("", include("tongban.ratings.urls")),
    path("", include("tongban.supervision.urls")),
    path("", include("tongban.federation.urls")),
    path("", include("tongban.notifications.urls")),
    path("", include("tongban.portal.urls")),
]

handler403 = portal_views.error_403
handler404 = portal_views.error_404
handler500 = portal_views.error_500
