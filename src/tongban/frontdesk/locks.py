"""Every row lock of the front desk, in one place. Order: a centre's day counter before its tickets; a ticket
before its service; an appointment slot before its appointments. Calling the next ticket locks one waiting
ticket and skips those another window is locking (``SKIP LOCKED``): two windows never get the same ticket and
never wait on each other."""

from __future__ import annotations
