from django.urls import path

from tongban.supervision import views, views_assess, views_blindspots, views_public

app_name = "supervision"

urlpatterns: list = [
    # The supervisors' dashboards (docs/domain/supervision.md §1, §5): supervisors.
    path("supervision/figures/", views.dashboard, name="dashboard"),
    path("supervision/units/<str:dim>/<str:key>/", views.unit, name="unit"),
    path("supervision/units/<str:dim>/<str:key>/cases/", views.unit_cases, name="unit_cases"),
    path("supervision/units/<str:dim>/<str:key>/tickets/", views.unit_tickets, name="unit_tickets"),
    # assessments, rankings, circulars (docs/domain/supervision-assessments.md §6)
    path("supervision/assessments/", views_assess.assessments, name="assessments"),
    path("supervision/assessments/schemes/", views_assess.schemes, name="schemes"),
    path(
        "supervision/assessments/<str:period_key>/<uuid:office_uuid>.pdf",
        views_assess.assessment_report_pdf,
        name="assessment_pdf",
    ),
    path(
        "supervision/assessments/<str:period_key>/<uuid:office_uuid>.xlsx",
        views_assess.assessment_xlsx,
        name="assessment_xlsx",
    ),
    path("supervision/circulars/", views_assess.circulars, name="circulars"),
    path("supervision/circulars/<uuid:circular_uuid>/", views_assess.circular, name="circular"),
    path(
        "supervision/circulars/<uuid:circular_uuid>.pdf", views_assess.circular_document, name="circular_pdf"
    ),
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

# 服务盲区 (issue 19 §4): supervisors, for their scope (docs/domain/supervision.md §6).
urlpatterns += [
    path("supervision/blind-spots/", views_blindspots.blind_spots, name="blind_spots"),
    path(
        "supervision/blind-spots/themes/<str:theme>/",
        views_blindspots.blind_spot_theme,
        name="blind_spot_theme",
    ),
]
