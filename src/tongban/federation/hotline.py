"""12345 一号通办 between members (docs/domain/federation.md §8): the federation's side of the ratings port.

It tells ratings who the other members are (the trust list) and carries its two messages: ``hotline.transfer``
(a ticket handed to another member's 12345) and ``hotline.status`` (that member's report of each change back
to the origin). Both are written to the outbox in the transaction of the change; their handlers run in the
transaction that marks the message processed. The bodies carry a caller's name and phone: they are never
logged here."""

from __future__ import annotations

import logging

from tongban.federation import trust
from tongban.federation.handlers import handles
from tongban.federation.models import InboundMessage
from tongban.ratings import facade as ratings

logger = logging.getLogger(__name__)

TRANSFER = "hotline.transfer"
STATUS = "hotline.status"


def _members() -> list[ratings.RegionMember]:
    snapshot = trust.current()
    if snapshot is None:
        return []
    return [ratings.RegionMember(code=m.code, name=m.name) for m in snapshot.others()]


def _send_transfer(to: str, body: dict) -> None:
    from tongban.federation.messages import send

    send(to=to, type=TRANSFER, body=body, correlation=body["ref"])


def _send_status(to: str, body: dict) -> None:
    """A report to the origin; a member no longer on the trust list cannot be told (the change itself stands)."""
    from tongban.federation.messages import send

    snapshot = trust.current()
    if snapshot is None or to not in snapshot.members:
        logger.warning("12345 status for member %s not sent: not on the trust list", to)
        return
    send(to=to, type=STATUS, body=body, correlation=body["ref"])


@handles(TRANSFER)
def transfer(message: InboundMessage) -> None:
    """A ticket another member's 12345 transferred here: one local 12345 ticket per (member, its ticket)."""
    member = trust.require_current().member(message.from_member)
    ratings.hotline_transfer_receive(member=message.from_member, member_name=member.name, body=message.body)


@handles(STATUS)
def status(message: InboundMessage) -> None:
    """A member's report on a ticket transferred there: applied unless a later report was."""
    ratings.hotline_status_receive(member=message.from_member, body=message.body)


def register() -> None:
    ratings.region_link_set(
        ratings.RegionLink(members=_members, transfer=_send_transfer, status=_send_status)
    )
