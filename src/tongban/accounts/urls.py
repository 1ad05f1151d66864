from django.urls import path

from tongban.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_page, name="register"),
    path("password-reset/", views.password_reset_page, name="password_reset"),
    path("register/enterprise/", views.register_enterprise_page, name="register_enterprise"),
    path("me/", views.me_page, name="me"),
    path("me/logout-everywhere/", views.logout_everywhere_view, name="logout_everywhere"),
    path("me/authorisations/", views.authorisation_grant_view, name="authorisation_grant"),
    path("me/confirm-identity/", views.confirm_identity_view, name="confirm_identity"),
    path(
        "me/authorisations/<uuid:authorisation_uuid>/revoke/",
        views.authorisation_revoke_view,
        name="authorisation_revoke",
    ),
    path("preferences/elderly/", views.elderly_toggle, name="elderly_toggle"),
    path("workbench/", views.workbench_page, name="workbench"),
    path("workbench/person-lookup/", views.person_lookup_view, name="person_lookup"),
    path("workbench/person-recover/", views.person_recover_view, name="person_recover"),
    path("workbench/persons/<uuid:person_uuid>/verify/", views.person_verify_view, name="person_verify"),
    path("ops/audit/", views.audit_page, name="audit"),
    path("ops/outbox/", views.outbox_page, name="outbox"),
]
