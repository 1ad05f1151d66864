from django.urls import path

from tongban.ratings import views, views_tickets

app_name = "ratings"

urlpatterns = [
    path("ratings/cases/<uuid:case_uuid>/", views.case_rate, name="case"),
    path("ratings/mine/", views.my_evaluations, name="mine"),
    path("ratings/mine/invitations/", views.invitations_switch, name="invitations"),
    path("ratings/tickets/<uuid:ticket_uuid>/", views_tickets.ticket_page, name="ticket"),
    path("ratings/handling/<uuid:ticket_uuid>/", views_tickets.staff_ticket_page, name="staff_ticket"),
]
