"""The front desk's pages, by area: the hall (kiosk, phone ticket, board, appointments, the evaluation pad),
the counter (the window's console), hand-out and paper, the centre's dashboard."""

from tongban.frontdesk import urls_counter, urls_hall, urls_handout

app_name = "frontdesk"

urlpatterns: list = [*urls_hall.urlpatterns, *urls_counter.urlpatterns, *urls_handout.urlpatterns]
