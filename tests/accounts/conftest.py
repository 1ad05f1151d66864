"""Helpers of the identity tests: enterprises and authorisations made through the service."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from stdnum.cn import uscc

from tongban.accounts.constants import EnterpriseKind
from tongban.accounts.facade import actor_for
from tongban.accounts.models import Enterprise
from tongban.accounts.services import AuthorisationGrant, authorisation_grant


def make_enterprise(legal_representative, n: int) -> Enterprise:
    """The n-th test enterprise (a valid, distinct USCC), represented by ``legal_representative``."""
    code = f"91310000MA1FL{n:04d}"
    return Enterprise.objects.create(
        name=f"上海示范{n}有限公司",
        uscc=code + uscc.calc_check_digit(code),
        kind=EnterpriseKind.LLC,
        legal_representative=legal_representative,
    )


def authorise(principal, agent, *, enterprise=None, item_codes=()):
    """``principal`` (a person) authorises ``agent`` from today for 30 days: for ``enterprise`` or for
    themselves, for every item or the listed ones."""
    today = timezone.localdate()
    grant = AuthorisationGrant(
        agent_id_kind=agent.id_kind,
        agent_id_number=agent.id_number,
        agent_real_name=agent.real_name,
        valid_from=today,
        valid_until=today + timedelta(days=30),
        all_items=not item_codes,
        item_codes=tuple(item_codes),
    )
    return authorisation_grant(actor=actor_for(principal.user), enterprise=enterprise, grant=grant)
