from django.urls import path

from tongban.supervision import views_public

app_name = "supervision"

urlpatterns: list = [
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
