"""The hall's pages (kiosk, phone, ticket, board, voice, appointments) and the clerk's queue panel."""

from django.urls import path

from tongban.frontdesk import views_hall

urlpatterns = [
    path("hall/<slug:slug>/", views_hall.hall_kiosk, name="hall_kiosk"),
    path("hall/<slug:slug>/take/", views_hall.hall_take, name="hall_take"),
    path("hall/<slug:slug>/tickets/<uuid:ticket_uuid>/", views_hall.hall_ticket, name="hall_ticket"),
    path("hall/<slug:slug>/board/", views_hall.hall_board, name="hall_board"),
    path("hall/<slug:slug>/board/calls", views_hall.hall_board_calls, name="hall_board_calls"),
    path("hall/<slug:slug>/voice/<str:key>.wav", views_hall.hall_voice, name="hall_voice"),
    path("hall/<slug:slug>/appointments/", views_hall.hall_appointments, name="hall_appointments"),
    path("counter/<uuid:window_uuid>/queue/", views_hall.queue_panel, name="queue_panel"),
]
