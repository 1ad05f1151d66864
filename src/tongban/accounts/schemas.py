from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from tongban.core.identifiers import IdKind, mask_id_number, mask_name, mask_phone


class LoginIn(Schema):
    username: str = Field(min_length=1, max_length=64, description="登录名或手机号")
    password: str = Field(min_length=1, max_length=128)


class SmsSendIn(Schema):
    phone: str = Field(max_length=20)
    purpose: str = Field(pattern="^(login|register|reset|recover)$")


class SmsSentOut(Schema):
    sent: bool
    expires_in: int


class SmsLoginIn(Schema):
    phone: str = Field(max_length=20)
    code: str = Field(max_length=6)


class PasswordResetIn(Schema):
    phone: str = Field(max_length=20)
    code: str = Field(max_length=6)
    new_password: str = Field(max_length=128)


class PersonRegisterIn(Schema):
    real_name: str = Field(max_length=50)
    id_kind: IdKind = IdKind.RESIDENT_ID
    id_number: str = Field(max_length=32)
    phone: str = Field(max_length=20)
    sms_code: str = Field(max_length=6)
    password: str = Field(max_length=128)


class PersonOut(Schema):
    uuid: UUID
    real_name: str
    id_kind: str
    id_number: str
    phone: str
    assurance_level: int
    identity_confirmed: bool = Field(
        description="人口库（L2）或窗口面核（L3）已确认身份；L1 仅为声明，不能办事或用证"
    )

    @staticmethod
    def of(person, *, holder: bool) -> dict:
        return {
            "uuid": person.uuid,
            "real_name": person.real_name if holder else mask_name(person.real_name),
            "id_kind": person.id_kind,
            "id_number": person.id_number if holder else mask_id_number(person.id_number),
            "phone": person.phone if holder else mask_phone(person.phone),
            "assurance_level": person.assurance_level,
            "identity_confirmed": person.identity_confirmed,
        }


class MembershipOut(Schema):
    organisation: UUID
    organisation_name: str
    role: str


class MeOut(Schema):
    acting_level: int = Field(
        description="the real-name level this session acts with: the person's, or after a login through another "
        "member of the region (长三角) the level that member asserted when lower (never raised)"
    )
    uuid: UUID
    username: str
    elderly_mode: bool
    language: str
    person: PersonOut | None
    roles: list[MembershipOut]


class PreferencesIn(Schema):
    elderly_mode: bool | None = None
    language: str | None = Field(default=None, pattern="^(zh-hans|en)$")


class EnterpriseIn(Schema):
    name: str = Field(max_length=200)
    uscc: str = Field(max_length=30)
    kind: str = Field(max_length=30)


class EnterpriseOut(Schema):
    uuid: UUID
    name: str
    uscc: str
    kind: str
    legal_representative: str
    i_am_legal_representative: bool


class AuthorisationIn(Schema):
    enterprise: UUID | None = Field(default=None, description="为法人授权时填写；为本人授权时留空")
    agent_id_kind: IdKind = IdKind.RESIDENT_ID
    agent_id_number: str = Field(max_length=32)
    agent_real_name: str = Field(max_length=50)
    all_items: bool = True
    item_codes: list[str] = Field(default_factory=list, max_length=200)
    licence_use: bool = Field(default=False, description="代办人可使用委托人的电子证照（卡包、亮证、导出）")
    valid_from: date
    valid_until: date


class AuthorisationOut(Schema):
    uuid: UUID
    principal: str
    enterprise: UUID | None
    agent: str
    agent_id_number: str
    all_items: bool
    item_codes: list[str]
    licence_use: bool
    valid_from: date
    valid_until: date
    revoked_at: datetime | None
    active: bool


class OrganisationOut(Schema):
    uuid: UUID
    kind: str
    name: str
    parent: UUID | None
    division_code: str
    uscc: str


class StaffOut(Schema):
    username: str
    display_name: str
    role: str


class PersonLookupIn(Schema):
    id_kind: IdKind = IdKind.RESIDENT_ID
    id_number: str = Field(max_length=32)
    purpose: str = Field(min_length=2, max_length=200, description="查询事由（记入审计）")


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    actor_label: str
    actor_kind: str
    action: str
    object_type: str
    object_id: str
    before: dict | None
    after: dict | None
    request_id: str


class AccessLogOut(Schema):
    created_at: datetime
    actor_label: str
    action: str
    organisation: str = Field(default="", description="使用单位：部门、窗口（工作人员的读取），本人或平台")
    purpose: str = Field(default="", description="用途")

    @staticmethod
    def resolve_organisation(event, context) -> str:
        from tongban.core.audit import data_use_of_event

        return data_use_of_event(event, user_id=context["request"].auth.pk).organisation

    @staticmethod
    def resolve_purpose(event) -> str:
        from tongban.core.audit import audit_purpose_text

        return audit_purpose_text(event.action, event.after if isinstance(event.after, dict) else {})


class ConfirmWithRegisterIn(Schema):
    real_name: str = Field(max_length=50)


class WindowRecoveryIn(Schema):
    id_kind: IdKind = IdKind.RESIDENT_ID
    id_number: str = Field(max_length=32)
    real_name: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    sms_code: str = Field(max_length=6)
