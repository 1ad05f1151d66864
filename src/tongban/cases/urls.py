from django.urls import path

from tongban.cases import views, views_results, views_signing

app_name = "cases"

urlpatterns = [
    path("apply/<str:kind>/<uuid:target_uuid>/", views.apply, name="apply"),
    path("apply/<str:kind>/<uuid:target_uuid>/draft/", views.draft_save, name="draft"),
    path("cases/", views.my_cases, name="list"),
    path("cases/lookup/", views_results.case_lookup, name="lookup"),
    path("cases/<uuid:case_uuid>/", views.case_page, name="case"),
    path("cases/<uuid:case_uuid>/result.pdf", views_results.case_decision_pdf, name="decision_pdf"),
    path(
        "cases/<uuid:case_uuid>/documents/<slug:kind>/verify/",
        views_results.case_document_verify,
        name="document_verify",
    ),
    path(
        "cases/<uuid:case_uuid>/application.pdf", views_signing.application_signed_pdf, name="application_pdf"
    ),
    path(
        "cases/<uuid:case_uuid>/application-draft.pdf",
        views_signing.application_preview,
        name="application_preview",
    ),
    path("cases/<uuid:case_uuid>/acceptance.pdf", views_results.case_acceptance_pdf, name="acceptance_pdf"),
    path("cases/<uuid:case_uuid>/<str:action>/", views.case_action, name="case_action"),
    path("cases/<uuid:case_uuid>/materials/<slug:key>/", views.case_material, name="material"),
    path("staff/inbox/", views.inbox, name="inbox"),
    path("staff/cases/<uuid:case_uuid>/", views.staff_case, name="staff_case"),
    path("staff/cases/<uuid:case_uuid>/materials/<slug:key>/", views.staff_material, name="staff_material"),
    path("staff/cases/<uuid:case_uuid>/do/<str:action>/", views.staff_action, name="staff_action"),
    path(
        "staff/cases/<uuid:case_uuid>/application.pdf",
        views_signing.staff_application_pdf,
        name="staff_application_pdf",
    ),
    path(
        "staff/cases/<uuid:case_uuid>/steps/<slug:step_key>/<str:action>/",
        views.step_action,
        name="step_action",
    ),
    path("supervision/", views.board, name="board"),
    path("supervision/urge/<uuid:case_uuid>/", views.board_urge, name="board_urge"),
]
