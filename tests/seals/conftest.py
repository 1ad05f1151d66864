"""Helpers of the seals tests: an enterprise with its legal representative, a seal authority, seals made
through the services."""

from __future__ import annotations

import itertools

import pytest
from stdnum.cn import uscc

from tongban.accounts.constants import EnterpriseKind, Role
from tongban.accounts.facade import actor_for
from tongban.accounts.models import Enterprise
from tongban.seals import services
from tongban.seals.constants import SealKind

_seq = itertools.count(1)


@pytest.fixture
def make_enterprise(db):
    def make(legal_representative, name: str | None = None) -> Enterprise:
        n = next(_seq)
        code = f"91310000MA1FM{n:04d}"
        return Enterprise.objects.create(
            name=name or f"上海印章示范{n}有限公司",
            uscc=code + uscc.calc_check_digit(code),
            kind=EnterpriseKind.LLC,
            legal_representative=legal_representative,
        )

    return make


@pytest.fixture
def seal_world(make_person, make_enterprise, make_staff, org_tree):
    """The legal representative of an enterprise, an employee, a stranger and a seal authority."""
    rep = make_person("王法人")
    company = make_enterprise(rep)
    employee = make_person("李员工")
    stranger = make_person("赵路人")
    authority = make_staff(org_tree["region"], Role.SEAL_AUTHORITY)
    return {
        "rep": rep,
        "company": company,
        "employee": employee,
        "stranger": stranger,
        "authority": authority,
    }


@pytest.fixture
def active_seal(seal_world):
    """The enterprise's 法定名称章, applied for by its legal representative and approved."""
    rep, company = seal_world["rep"], seal_world["company"]
    application = services.seal_apply(
        actor=actor_for(rep.user), uscc=company.uscc, kinds=[SealKind.LEGAL_NAME, SealKind.CONTRACT]
    )
    services.seal_application_review(
        actor=actor_for(seal_world["authority"]), application_uuid=application.uuid, approve=True
    )
    return application.seal_set.get(kind=SealKind.LEGAL_NAME)
