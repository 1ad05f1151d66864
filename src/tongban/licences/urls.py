from django.urls import path

from tongban.licences import views

app_name = "licences"

urlpatterns = [
    path("licences/", views.card_bag_page, name="card_bag"),
    path("licences/<uuid:licence_uuid>/", views.licence_page, name="licence"),
]
