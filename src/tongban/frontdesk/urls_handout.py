"""The hand-out window, paper tracking, the evaluation pad and the centre's dashboard (views_handout.py)."""

from django.urls import path

from tongban.frontdesk import views_handout

urlpatterns = [
    path("counter/<uuid:window_uuid>/handout/", views_handout.handout_page, name="handout"),
    path(
        "counter/<uuid:window_uuid>/handout/<uuid:case_uuid>/",
        views_handout.handout_case,
        name="handout_case",
    ),
    path("counter/<uuid:window_uuid>/papers/", views_handout.papers_page, name="papers"),
    path("hall/<slug:slug>/pad/<uuid:window_uuid>/", views_handout.pad_page, name="pad"),
    path("hall/<slug:slug>/pad/<uuid:window_uuid>/panel/", views_handout.pad_panel, name="pad_panel"),
    path("centres/<uuid:centre_uuid>/dashboard/", views_handout.dashboard_page, name="dashboard"),
]
