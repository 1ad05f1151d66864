from django.urls import path

from tongban.supervision import views, views_public

app_name = "supervision"

urlpatterns: list = [
    # The supervisors' dashboards (docs/domain/supervision.md §1, §5): supervisors.
    path("supervision/figures/", views.dashboard, name="dashboard"),
    path("supervision/units/<str:dim>/<str:key>/", views.unit, name="unit"),
    path("supervision/units/<str:dim>/<str:key>/cases/", views.unit_cases, name="unit_cases"),
    path("supervision/units/<str:dim>/<str:key>/tickets/", views.unit_tickets, name="unit_tickets"),
    # 好差评 public results (docs/domain/supervision-public.md): anyone.
    path("ratings/public/", views_public.public_list, name="public_ratings"),
    path(
        "ratings/public/departments/<uuid:unit_uuid>/",
        views_public.public_unit,
        {"kind": "department"},
        name="public_department",
    ),
    path(
        "ratings/public/items/<uuid:unit_uuid>/",
        views_public.public_unit,
        {"kind": "item"},
        name="public_item",
    ),
    path(
        "ratings/public/centres/<uuid:unit_uuid>/",
        views_public.public_unit,
        {"kind": "centre"},
        name="public_centre",
    ),
]
