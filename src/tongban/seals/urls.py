from django.urls import path

from tongban.seals import views
from tongban.seals.sealing import tsa_identity
from tongban.seals.verify_views import licence_verify_page, verify_page
from tongban.seals.views_tsa import TimeStampView

app_name = "seals"

urlpatterns = [
    path("seals/", views.my_seals_page, name="mine"),
    path("seals/review/", views.review_page, name="review"),
    path("seals/verify/", verify_page, name="verify"),
    path("seals/verify/licences/<uuid:licence_uuid>/", licence_verify_page, name="verify_licence"),
    path("seals/tsa", TimeStampView.as_view(identity=tsa_identity), name="tsa"),
    path("seals/<uuid:seal_uuid>/", views.seal_page, name="seal"),
    path("seals/<uuid:seal_uuid>/image.png", views.seal_image, name="image"),
    path("seals/<uuid:seal_uuid>/seseal.esl", views.seal_seseal, name="seseal"),
    path("seals/pki/root.crt", views.root_certificate, name="root_crt"),
    path("seals/pki/root.crl", views.root_crl, name="root_crl"),
    path("seals/pki/issuing.crt", views.issuing_certificate, name="issuing_crt"),
    path("seals/pki/issuing.crl", views.issuing_crl, name="issuing_crl"),
    path("seals/pki/sm2-maker.crt", views.sm2_maker_certificate, name="sm2_maker_crt"),
    path("seals/pki/sm2-root.crt", views.sm2_root_certificate, name="sm2_root_crt"),
    path("seals/pki/ca/<int:ca_id>.crt", views.ca_certificate, name="ca_crt"),
    path("seals/pki/ca/<int:ca_id>.crl", views.ca_crl, name="ca_crl"),
    path("seals/pki/ocsp", views.ocsp_post, name="ocsp"),
    path("seals/pki/ocsp/<path:encoded>", views.ocsp_get, name="ocsp_get"),
]
