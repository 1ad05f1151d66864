"""A smaller simulated day (300 tickets, 6 windows, a fixed seed; bench/frontdesk_day.py makes the large one):
the dashboard's figures (tongban.frontdesk.figures) equal a recomputation done here from the raw rows in plain
Python — served counts, average waiting and service times per window and for the centre, on-the-spot shares."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from bench.frontdesk_day import simulate_day
from django.utils import timezone

from tongban.frontdesk import figures
from tongban.frontdesk.models import Service, ServiceCentre, TicketEvent

pytestmark = pytest.mark.django_db
DAY = date(2026, 6, 15)


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _recompute(centre):
    """From the raw events: per ticket its take, first call, last start and finish; per finishing window the
    served count and the sums of the durations (whole microseconds), divided once at the end."""
    per_ticket: dict[int, dict] = defaultdict(lambda: {"call": None, "starts": []})
    for ticket_id, action, at, window_id in TicketEvent.objects.filter(ticket__centre=centre).values_list(
        "ticket_id", "action", "at", "window_id"
    ):
        t = per_ticket[ticket_id]
        if action == "take":
            t["take"] = at
        elif action == "call":
            t["call"] = at if t["call"] is None else min(t["call"], at)
        elif action == "start":
            t["starts"].append(at)
        elif action == "finish":
            t["finish"], t["window"] = at, window_id
    sums: dict = defaultdict(lambda: [0, 0, 0, 0, 0])  # served, wait sum, wait n, service sum, service n
    for t in per_ticket.values():
        if "finish" not in t:
            continue
        for key in (t["window"], "centre"):
            s = sums[key]
            s[0] += 1
            s[1] += _us(t["call"] - t["take"])
            s[2] += 1
            start = max(x for x in t["starts"] if x <= t["finish"])
            s[3] += _us(t["finish"] - start)
            s[4] += 1
    spots: dict = defaultdict(lambda: [0, 0])
    for window_id, on_the_spot in Service.objects.filter(centre=centre).values_list(
        "window_id", "on_the_spot"
    ):
        for key in (window_id, "centre"):
            spots[key][0] += on_the_spot
            spots[key][1] += 1
    return sums, spots


def test_the_figures_equal_a_recomputation_from_the_raw_events(db):
    made = simulate_day(tickets=300, windows=6, seed=17, day=DAY, slug="test-day")
    centre = ServiceCentre.objects.get(pk=made["centre_id"])
    assert made["tickets"] == 300 and made["windows"] == 6
    start = timezone.make_aware(datetime.combine(DAY, datetime.min.time()))
    windows, clerks, total = figures.centre_figures(centre, start, start + timedelta(days=1))
    sums, spots = _recompute(centre)

    by_window = {w.key: w for w in windows}
    assert len(by_window) == 6 and len(clerks) == 6
    for window in centre.windows.all():
        row, s, spot = by_window[str(window.uuid)], sums[window.pk], spots[window.pk]
        assert row.served == s[0] > 0
        assert row.wait_avg == s[1] / s[2] / 1_000_000
        assert row.service_avg == s[3] / s[4] / 1_000_000
        assert row.on_the_spot_share == spot[0] / spot[1]
    s, spot = sums["centre"], spots["centre"]
    assert total.served == s[0] == made["services"]
    assert total.served + TicketEvent.objects.filter(ticket__centre=centre, action="no_show").count() == 300
    assert total.wait_avg == s[1] / s[2] / 1_000_000
    assert total.service_avg == s[3] / s[4] / 1_000_000
    assert total.on_the_spot_share == spot[0] / spot[1]
    assert sum(c.served for c in clerks) == total.served
    # The same seed makes the same day.
    again = simulate_day(tickets=300, windows=6, seed=17, day=DAY, slug="test-day")
    centre = ServiceCentre.objects.get(pk=again["centre_id"])
    _w, _c, total_again = figures.centre_figures(centre, start, start + timedelta(days=1))
    assert (total_again.served, total_again.wait_avg, total_again.service_avg) == (
        total.served,
        total.wait_avg,
        total.service_avg,
    )
    # Nothing outside the day.
    _w, _c, empty = figures.centre_figures(centre, start + timedelta(days=1), start + timedelta(days=2))
    assert empty.served == 0 and empty.wait_avg is None
