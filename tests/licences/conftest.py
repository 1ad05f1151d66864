"""A market department that issues business licences (to enterprises) and an HR department that issues
vocational certificates (to persons); a person who holds one and represents a company; a stranger."""

from __future__ import annotations

import pytest

from tongban.accounts.constants import EnterpriseKind, OrgKind, Role
from tongban.accounts.models import Enterprise
from tongban.accounts.services import organisation_create
from tongban.licences.constants import HolderKind, Scene
from tongban.licences.services import licence_issue, licence_type_create

BUSINESS = "11100000000013338W001"
VOCATIONAL = "111000007178000872010"
COMPANY_USCC = "91310101MA1FPX121X"


def company_uscc() -> str:
    from stdnum.cn import uscc

    return "91310101MA1FPX121" + uscc.calc_check_digit("91310101MA1FPX121")


@pytest.fixture
def lib(db, make_person, make_staff):
    region = organisation_create(actor=None, kind=OrgKind.REGION, name="上海市", division_code="310000")
    market = organisation_create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="上海市市场监督管理局",
        parent=region,
        uscc="11310000MB2F31883R",
    )
    hr = organisation_create(
        actor=None,
        kind=OrgKind.DEPARTMENT,
        name="上海市人力资源和社会保障局",
        parent=region,
        uscc="11100000000013338W",
    )
    business = licence_type_create(
        actor=None,
        code=BUSINESS,
        name="营业执照",
        define_authority_name="国家市场监督管理总局",
        holder_kind=HolderKind.USCC,
        face_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "名称"},
                "legal_representative": {"type": "string", "title": "法定代表人"},
                "registered_capital": {"type": "string", "title": "注册资本"},
            },
            "required": ["name", "legal_representative"],
        },
        scene_fields={Scene.WINDOW: ["name", "legal_representative"]},
        issuer_department_uuids=[market.uuid],
    )
    vocational = licence_type_create(
        actor=None,
        code=VOCATIONAL,
        name="职业资格证书",
        define_authority_name="人力资源和社会保障部",
        holder_kind=HolderKind.RESIDENT_ID,
        face_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名"},
                "occupation": {"type": "string", "title": "职业"},
                "grade": {
                    "type": "string",
                    "title": "等级",
                    "enum": ["五级", "四级", "三级", "二级", "一级"],
                },
            },
            "required": ["name", "occupation"],
        },
        validity_years=None,
        multiple_per_holder=True,
        scene_fields={Scene.HOTEL: ["name"]},
        issuer_department_uuids=[hr.uuid],
    )
    holder = make_person("张三")
    stranger = make_person("李四")
    company = Enterprise.objects.create(
        name="上海示范科技有限公司", uscc=company_uscc(), kind=EnterpriseKind.LLC, legal_representative=holder
    )
    return {
        "market": market,
        "hr": hr,
        "business": business,
        "vocational": vocational,
        "holder": holder,
        "stranger": stranger,
        "company": company,
        "market_issuer": make_staff(market, Role.ISSUER),
        "hr_issuer": make_staff(hr, Role.ISSUER),
        "market_reviewer": make_staff(market, Role.REVIEWER),
    }


@pytest.fixture
def issue(lib):
    def do(kind="vocational", **overrides):
        if kind == "vocational":
            args = dict(
                type_code=VOCATIONAL,
                holder_code=lib["holder"].id_number,
                holder_name="张三",
                issuer_uuid=lib["hr"].uuid,
                issuer_name=lib["hr"].name,
                issuer_code=lib["hr"].uscc,
                face={"name": "张三", "occupation": "电工", "grade": "三级"},
            )
        else:
            args = dict(
                type_code=BUSINESS,
                holder_code=lib["company"].uscc,
                holder_name=lib["company"].name,
                issuer_uuid=lib["market"].uuid,
                issuer_name=lib["market"].name,
                issuer_code=lib["market"].uscc,
                face={
                    "name": lib["company"].name,
                    "legal_representative": "张三",
                    "registered_capital": "100万元",
                },
            )
        args.update(overrides)
        return licence_issue(actor=None, **args)

    return do
