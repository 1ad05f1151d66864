from django.urls import path

from tongban.supervision import views

app_name = "supervision"

urlpatterns = [
    path("supervision/figures/", views.dashboard, name="dashboard"),
    path("supervision/units/<str:dim>/<str:key>/", views.unit, name="unit"),
    path("supervision/units/<str:dim>/<str:key>/cases/", views.unit_cases, name="unit_cases"),
    path("supervision/units/<str:dim>/<str:key>/tickets/", views.unit_tickets, name="unit_tickets"),
]
