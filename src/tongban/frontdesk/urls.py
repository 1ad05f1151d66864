"""The front desk's pages. Each area adds its own list here: the hall (kiosk, phone ticket, board), the
counter (the window's console), hand-out and the evaluation pad, the centre's dashboard."""

from django.urls import path  # noqa: F401  (the areas' lists use it)

from tongban.frontdesk import urls_handout

app_name = "frontdesk"

urlpatterns: list = []
urlpatterns += urls_handout.urlpatterns
