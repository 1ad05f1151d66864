from django.urls import path

from tongban.ratings import views, views_code, views_tickets

app_name = "ratings"

urlpatterns = [
    path("ratings/cases/<uuid:case_uuid>/", views.case_rate, name="case"),
    path("ratings/mine/", views.my_evaluations, name="mine"),
    path("ratings/by-code/", views_code.rate_by_code, name="by_code"),
    path("ratings/by-code/rate/", views_code.rate_by_code_form, name="by_code_rate"),
    path("ratings/tickets/<uuid:ticket_uuid>/", views_tickets.ticket_page, name="ticket"),
    path("ratings/handling/<uuid:ticket_uuid>/", views_tickets.staff_ticket_page, name="staff_ticket"),
]
