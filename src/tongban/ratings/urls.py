from django.urls import path

from tongban.ratings import views

app_name = "ratings"

urlpatterns = [
    path("ratings/cases/<uuid:case_uuid>/", views.case_rate, name="case"),
    path("ratings/mine/", views.my_evaluations, name="mine"),
]
