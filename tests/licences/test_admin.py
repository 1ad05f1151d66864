"""The licences admin's change lists: each shows every row and costs the same queries however many."""

import pytest

from tests.licences.conftest import VOCATIONAL
from tongban.licences.constants import HolderKind, Scene
from tongban.licences.keys import issuer_key_rotate
from tongban.licences.models import IssuerKey, Licence, LicenceType, ShareGrant, Verifier
from tongban.licences.services import licence_type_create
from tongban.licences.share import share_grant
from tongban.licences.verifiers import verifier_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def grow(lib, issue, make_api_client):
    """Two more of every row: licences (of two types), licence types, issuer keys (rotated), verifiers and
    share grants."""
    client, _key = make_api_client(lib["market"], ["licences:share"])
    issue(), issue("business")  # the first keys of both departments

    def two_more():
        for _ in range(2):
            n = LicenceType.objects.count()
            licence_type = licence_type_create(
                actor=None,
                code=f"{VOCATIONAL[:18]}{n:03d}",
                name=f"证照{n}",
                define_authority_name="人力资源和社会保障部",
                holder_kind=HolderKind.RESIDENT_ID,
                face_schema={"type": "object", "properties": {"name": {"type": "string"}}},
                multiple_per_holder=True,
            )
            issue(face={"name": "张三", "occupation": f"工种{n}"})
            issuer_key_rotate(lib["hr"].uuid)
            verifier_create(actor=None, name=f"酒店{n}", kind="hotel", scenes=[Scene.HOTEL])
            share_grant(actor=None, client=client, type_code=licence_type.code)

    two_more()
    return two_more


@pytest.mark.parametrize(
    ("model", "queries"),
    [(Licence, 5), (LicenceType, 5), (IssuerKey, 5), (Verifier, 5), (ShareGrant, 5)],
)
def test_the_licences_admin_lists_cost_the_same_queries_however_many_rows(
    assert_flat_admin_list, grow, model, queries
):
    assert_flat_admin_list(model, queries, grow)
