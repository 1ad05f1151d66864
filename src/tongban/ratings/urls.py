from django.urls import path

from tongban.ratings import views, views_code, views_hotline, views_tickets

app_name = "ratings"

urlpatterns = [
    path("ratings/cases/<uuid:case_uuid>/", views.case_rate, name="case"),
    path("ratings/mine/", views.my_evaluations, name="mine"),
    path("ratings/by-code/", views_code.rate_by_code, name="by_code"),
    path("ratings/by-code/rate/", views_code.rate_by_code_form, name="by_code_rate"),
    path("ratings/mine/invitations/", views.invitations_switch, name="invitations"),
    path("ratings/tickets/<uuid:ticket_uuid>/", views_tickets.ticket_page, name="ticket"),
    path("ratings/handling/<uuid:ticket_uuid>/", views_tickets.staff_ticket_page, name="staff_ticket"),
    path("hotline/", views_hotline.console, name="hotline"),
    path("hotline/lookup/", views_hotline.lookup, name="hotline_lookup"),
    path("hotline/end-call/", views_hotline.end_call, name="hotline_end_call"),
    path("hotline/tickets/", views_hotline.create, name="hotline_create"),
    path("hotline/tickets/<uuid:ticket_uuid>/", views_hotline.ticket, name="hotline_ticket"),
    path("hotline/new/", views_hotline.new, name="hotline_new"),
]
urlpatterns += [
    path("ratings/handling/", views_tickets.handling, name="handling"),
    path(
        "ratings/handling/<uuid:ticket_uuid>/<slug:step>/",
        views_tickets.staff_ticket_step,
        name="staff_ticket_step",
    ),
    path("ratings/supervision/", views_tickets.supervision, name="supervision"),
    path(
        "ratings/supervision/appeals/<uuid:appeal_uuid>/",
        views_tickets.appeal_decide,
        name="appeal_decide",
    ),
    path(
        "ratings/appeals/<uuid:appeal_uuid>/evidence/<int:index>/",
        views_tickets.appeal_evidence,
        name="appeal_evidence",
    ),
    path(
        "ratings/supervision/evaluations/<uuid:evaluation_uuid>/",
        views_tickets.evaluation_mark,
        name="evaluation_mark",
    ),
]
