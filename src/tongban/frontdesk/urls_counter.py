"""The counter console's pages (综合窗口 受理台)."""

from django.urls import path

from tongban.frontdesk import views_counter

urlpatterns = [
    path("counter/", views_counter.my_windows, name="my_windows"),
    path("counter/<uuid:window_uuid>/", views_counter.console, name="counter"),
    path("counter/<uuid:window_uuid>/start/", views_counter.start, name="counter_start"),
    path(
        "counter/<uuid:window_uuid>/services/<uuid:service_uuid>/identify/",
        views_counter.identify,
        name="counter_identify",
    ),
    path(
        "counter/<uuid:window_uuid>/services/<uuid:service_uuid>/submit/",
        views_counter.submit,
        name="counter_submit",
    ),
    path(
        "counter/<uuid:window_uuid>/services/<uuid:service_uuid>/finish/",
        views_counter.finish,
        name="counter_finish",
    ),
    path(
        "counter/<uuid:window_uuid>/services/<uuid:service_uuid>/print/",
        views_counter.print_page,
        name="counter_print",
    ),
]
