import pytest

from tongban.accounts.constants import OrgKind
from tongban.accounts.services import organisation_create


@pytest.fixture
def department(db):
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    return organisation_create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="上海市市场监督管理局",
        parent=region,
        uscc="11310000MB2F3188XA",
    )
