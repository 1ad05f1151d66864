from django.urls import path

from tongban.licences import views, views_show

app_name = "licences"

urlpatterns = [
    path("licences/", views.card_bag_page, name="card_bag"),
    path("licences/<uuid:licence_uuid>/", views.licence_page, name="licence"),
    path("licences/<uuid:licence_uuid>/pdf", views.licence_pdf_page, name="pdf"),
    path("licences/<uuid:licence_uuid>/show/", views_show.show_page, name="show"),
    path("verify/", views_show.verify_page, name="verify"),
    path("verify/forget/", views_show.verify_forget, name="verify_forget"),
    # JWT VC Issuer Metadata of the issuer URL <base>/issuers/<uuid> (SD-JWT VC draft §3.1).
    path(
        ".well-known/jwt-vc-issuer/issuers/<uuid:department_uuid>",
        views.jwt_vc_issuer_metadata,
        name="jwt_vc_issuer",
    ),
]
