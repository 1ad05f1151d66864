"""The seal registry's lifecycle: apply, review, make, authorise, use, suspend, resume, revoke, expire; and
every refusal, each audited and its owner told."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from tongban.accounts.constants import AssuranceLevel
from tongban.accounts.facade import actor_for
from tongban.core.actors import SYSTEM
from tongban.core.errors import DomainError
from tongban.core.models import AuditEvent
from tongban.notifications.models import Message
from tongban.seals import facade, services
from tongban.seals.constants import ApplicationStatus, SealKind, SealStatus
from tongban.seals.errors import SealError, SealNotFound, SealsError
from tongban.seals.models import Seal, SealApplication, SealStatusChange, SealUse

pytestmark = pytest.mark.django_db
DOC = hashlib.sha256(b"a contract").hexdigest()


def _use(user, seal, purpose="签订合同"):
    return services.seal_use_record(
        actor=actor_for(user), seal_uuid=seal.uuid, document_sha256=DOC, purpose=purpose
    )


def _code(excinfo) -> str:
    return str(excinfo.value.code)


def test_the_happy_path(seal_world):
    rep, company, authority = seal_world["rep"], seal_world["company"], seal_world["authority"]
    application = services.seal_apply(
        actor=actor_for(rep.user), uscc=company.uscc, kinds=[SealKind.LEGAL_NAME, SealKind.FINANCE]
    )
    assert application.status == ApplicationStatus.SUBMITTED and application.legal_rep_name == "王法人"
    reviewed = services.seal_application_review(
        actor=actor_for(authority), application_uuid=application.uuid, approve=True
    )
    assert reviewed.status == ApplicationStatus.APPROVED and reviewed.reviewer_user_id == authority.pk
    seals = list(Seal.objects.filter(owner_code=company.uscc).order_by("kind"))
    assert {s.kind for s in seals} == {SealKind.LEGAL_NAME, SealKind.FINANCE}
    for seal in seals:
        assert seal.status == SealStatus.ACTIVE and seal.certificate is not None
        assert seal.owner_name == company.name and seal.name_text == company.name
        assert seal.valid_until == seal.certificate.not_after
    seal = next(s for s in seals if s.kind == SealKind.LEGAL_NAME)
    # The owner uses it; the use is logged and visible to them.
    _use(rep.user, seal)
    # The owner authorises an employee, who uses it too; then withdraws the authorisation.
    employee = seal_world["employee"]
    grant = services.seal_authorise(
        actor=actor_for(rep.user),
        seal_uuid=seal.uuid,
        grantee=services.Grantee(employee.id_number, employee.real_name),
    )
    _use(employee.user, seal, "报销凭证")
    assert [u.purpose for u in SealUse.objects.filter(seal=seal)] == ["报销凭证", "签订合同"]
    assert [s.uuid for s in facade.seals_usable_by(actor_for(employee.user))] == [str(seal.uuid)]
    services.seal_unauthorise(actor=actor_for(rep.user), seal_uuid=seal.uuid, authorisation_id=grant.pk)
    with pytest.raises(SealNotFound):
        _use(employee.user, seal)
    # Suspended, resumed, revoked: each with its reason, audited, the owner told.
    services.seal_suspend(actor=actor_for(rep.user), seal_uuid=seal.uuid, reason="核查中")
    services.seal_resume(actor=actor_for(authority), seal_uuid=seal.uuid, reason="核查完毕")
    services.seal_revoke(actor=actor_for(authority), seal_uuid=seal.uuid, reason="企业注销")
    history = [(c.from_status, c.to_status, c.reason) for c in SealStatusChange.objects.filter(seal=seal)]
    assert history == [
        ("", "active", "制作完成"),
        ("active", "suspended", "核查中"),
        ("suspended", "active", "核查完毕"),
        ("active", "revoked", "企业注销"),
    ]
    actions = list(
        AuditEvent.objects.filter(object_id=str(seal.uuid)).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "seal.make",
        "seal.use",
        "seal.authorise",
        "seal.use",
        "seal.unauthorise",
        "seal.suspended",
        "seal.active",
        "seal.revoked",
    ]
    told = list(Message.objects.filter(user_id=rep.user_id).values_list("body", flat=True))
    assert any("已通过" in t for t in told) and any("已挂起：核查中" in t for t in told)
    assert any("已注销：企业注销" in t for t in told) and any("已恢复使用" in t for t in told)
    assert Message.objects.filter(user_id=employee.user_id, body__contains="已授权您使用").exists()
    assert seal.certificate.__class__.objects.get(pk=seal.certificate_id).revoked_at is not None


def test_rejection_needs_a_reason_and_tells_the_applicant(seal_world):
    rep, company, authority = seal_world["rep"], seal_world["company"], seal_world["authority"]
    application = services.seal_apply(actor=actor_for(rep.user), uscc=company.uscc, kinds=[SealKind.CONTRACT])
    with pytest.raises(SealsError) as missing:
        services.seal_application_review(
            actor=actor_for(authority), application_uuid=application.uuid, approve=False
        )
    assert _code(missing) == SealError.REASON_REQUIRED
    services.seal_application_review(
        actor=actor_for(authority), application_uuid=application.uuid, approve=False, reason="材料不全"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED and application.reason == "材料不全"
    assert not Seal.objects.filter(owner_code=company.uscc).exists()
    assert Message.objects.filter(user_id=rep.user_id, body__contains="材料不全").exists()
    with pytest.raises(SealsError) as again:
        services.seal_application_review(
            actor=actor_for(authority), application_uuid=application.uuid, approve=True
        )
    assert _code(again) == SealError.APPLICATION_DECIDED


def test_only_the_legal_representative_with_l2_applies(seal_world, make_person, make_enterprise):
    company = seal_world["company"]
    for who in (seal_world["employee"], seal_world["stranger"]):
        with pytest.raises(SealsError) as refused:
            services.seal_apply(actor=actor_for(who.user), uscc=company.uscc, kinds=[SealKind.LEGAL_NAME])
        assert _code(refused) == SealError.NOT_LEGAL_REPRESENTATIVE and refused.value.status == 403
    weak = make_person("钱一级", level=AssuranceLevel.L1)
    weak_company = make_enterprise(weak)
    with pytest.raises(SealsError) as low:
        services.seal_apply(actor=actor_for(weak.user), uscc=weak_company.uscc, kinds=[SealKind.LEGAL_NAME])
    assert _code(low) == SealError.ASSURANCE_TOO_LOW and low.value.details["required"] == 2
    rep = seal_world["rep"]
    with pytest.raises(SealsError) as bad_kind:
        services.seal_apply(actor=actor_for(rep.user), uscc=company.uscc, kinds=[SealKind.DEPARTMENT])
    assert _code(bad_kind) == SealError.INVALID_SEAL_KIND
    with pytest.raises(SealsError) as none:
        services.seal_apply(actor=actor_for(rep.user), uscc=company.uscc, kinds=[])
    assert _code(none) == SealError.NO_SEAL_KINDS


def test_a_kind_held_is_not_applied_for_again(active_seal, seal_world):
    with pytest.raises(SealsError) as held:
        services.seal_apply(
            actor=actor_for(seal_world["rep"].user),
            uscc=seal_world["company"].uscc,
            kinds=[SealKind.LEGAL_NAME],
        )
    assert _code(held) == SealError.SEAL_KIND_HELD and held.value.status == 409


def test_only_the_seal_authority_reviews(seal_world):
    rep, company = seal_world["rep"], seal_world["company"]
    application = services.seal_apply(actor=actor_for(rep.user), uscc=company.uscc, kinds=[SealKind.INVOICE])
    with pytest.raises(SealsError) as refused:
        services.seal_application_review(
            actor=actor_for(rep.user), application_uuid=application.uuid, approve=True
        )
    assert _code(refused) == SealError.NOT_SEAL_AUTHORITY


def test_a_stranger_cannot_see_or_use_another_s_seal(active_seal, seal_world):
    stranger = seal_world["stranger"]
    with pytest.raises(SealNotFound):
        facade.seal_info(actor_for(stranger.user), str(active_seal.uuid))
    with pytest.raises(SealNotFound):
        _use(stranger.user, active_seal)
    with pytest.raises(SealNotFound):
        services.seal_suspend(actor=actor_for(stranger.user), seal_uuid=active_seal.uuid, reason="x")
    with pytest.raises(SealNotFound):
        facade.seal_signing_material(actor_for(stranger.user), str(active_seal.uuid))
    with pytest.raises(SealNotFound):
        services.seal_authorise(
            actor=actor_for(stranger.user),
            seal_uuid=active_seal.uuid,
            grantee=services.Grantee(stranger.id_number, stranger.real_name),
        )
    assert not SealUse.objects.exists()


def test_the_authority_sees_but_does_not_use(active_seal, seal_world):
    authority = actor_for(seal_world["authority"])
    assert facade.seal_info(authority, str(active_seal.uuid)).status == SealStatus.ACTIVE
    with pytest.raises(SealsError) as refused:
        _use(seal_world["authority"], active_seal)
    assert _code(refused) == SealError.SEAL_USE_DENIED and refused.value.status == 403


@pytest.mark.parametrize("change", ["suspend", "revoke"])
def test_a_suspended_or_revoked_seal_cannot_be_used(active_seal, seal_world, change):
    rep = seal_world["rep"]
    getattr(services, f"seal_{change}")(actor=actor_for(rep.user), seal_uuid=active_seal.uuid, reason="原因")
    with pytest.raises(SealsError) as refused:
        _use(rep.user, active_seal)
    assert _code(refused) == SealError.SEAL_NOT_ACTIVE and refused.value.status == 409
    with pytest.raises(SealsError):
        facade.seal_signing_material(actor_for(rep.user), str(active_seal.uuid))
    assert not SealUse.objects.exists()


def test_revoked_is_final(active_seal, seal_world):
    rep = actor_for(seal_world["rep"].user)
    services.seal_revoke(actor=rep, seal_uuid=active_seal.uuid, reason="遗失")
    with pytest.raises(SealsError) as refused:
        services.seal_resume(actor=rep, seal_uuid=active_seal.uuid)
    assert _code(refused) == SealError.INVALID_STATUS_CHANGE
    with pytest.raises(SealsError) as no_reason:
        services.seal_suspend(actor=rep, seal_uuid=active_seal.uuid, reason=" ")
    assert _code(no_reason) == SealError.REASON_REQUIRED


def test_an_unauthorised_person_cannot_use_and_bad_input_is_refused(active_seal, seal_world):
    rep, employee = seal_world["rep"], seal_world["employee"]
    with pytest.raises(SealNotFound):
        _use(employee.user, active_seal)
    with pytest.raises(SealsError) as bad_hash:
        services.seal_use_record(
            actor=actor_for(rep.user), seal_uuid=active_seal.uuid, document_sha256="xyz", purpose="合同"
        )
    assert _code(bad_hash) == SealError.INVALID_DOCUMENT_HASH
    with pytest.raises(SealsError) as no_purpose:
        services.seal_use_record(
            actor=actor_for(rep.user), seal_uuid=active_seal.uuid, document_sha256=DOC, purpose=""
        )
    assert _code(no_purpose) == SealError.PURPOSE_REQUIRED
    with pytest.raises(SealsError) as unknown:
        services.seal_authorise(
            actor=actor_for(rep.user),
            seal_uuid=active_seal.uuid,
            grantee=services.Grantee("110101199003070000", "无此人"),
        )
    assert _code(unknown) == SealError.SEAL_GRANTEE_NOT_FOUND
    grantee = services.Grantee(employee.id_number, employee.real_name)
    services.seal_authorise(actor=actor_for(rep.user), seal_uuid=active_seal.uuid, grantee=grantee)
    with pytest.raises(SealsError) as twice:
        services.seal_authorise(actor=actor_for(rep.user), seal_uuid=active_seal.uuid, grantee=grantee)
    assert _code(twice) == SealError.SEAL_AUTHORISATION_EXISTS
    # An authorised person does not manage the seal.
    with pytest.raises(SealNotFound):
        services.seal_suspend(actor=actor_for(employee.user), seal_uuid=active_seal.uuid, reason="x")


def test_seals_past_their_end_expire(active_seal, seal_world):
    assert services.seals_expire(actor=SYSTEM) == 0
    # Both seals were made a moment apart (a second or more on a loaded machine): past the later one's end.
    ends = Seal.objects.filter(status=SealStatus.ACTIVE).values_list("valid_until", flat=True)
    later = max(ends) + timedelta(seconds=1)
    assert services.seals_expire(actor=SYSTEM, now=later) == 2  # the 法定名称章 and the 合同专用章
    active_seal.refresh_from_db()
    assert active_seal.status == SealStatus.EXPIRED
    with pytest.raises(SealsError) as refused:
        _use(seal_world["rep"].user, active_seal)
    assert _code(refused) == SealError.SEAL_NOT_ACTIVE
    assert Message.objects.filter(user_id=seal_world["rep"].user_id, body__contains="已过期").exists()


def test_seals_made_for_a_new_enterprise(seal_world, make_enterprise, make_person):
    rep = make_person("孙新开")
    company = make_enterprise(rep)
    made = facade.seals_make_for_enterprise(
        SYSTEM, company.uscc, company.name, str(rep.uuid), [SealKind.FINANCE, SealKind.LEGAL_REP]
    )
    assert [m.kind for m in made] == [SealKind.LEGAL_NAME, SealKind.FINANCE, SealKind.LEGAL_REP]
    assert all(m.status == SealStatus.ACTIVE for m in made)
    assert next(m for m in made if m.kind == SealKind.LEGAL_REP).name_text == "孙新开"
    # The legal representative owns them at once, and asking again makes nothing twice.
    assert {s.uuid for s in facade.seals_usable_by(actor_for(rep.user))} == {m.uuid for m in made}
    assert facade.seals_make_for_enterprise(SYSTEM, company.uscc, company.name, str(rep.uuid), []) == []
    assert Message.objects.filter(user_id=rep.user_id, body__contains="法定名称章").exists()


def test_a_person_applies_for_their_personal_seal(seal_world):
    employee, authority = seal_world["employee"], seal_world["authority"]
    application = services.seal_apply_personal(actor=actor_for(employee.user))
    services.seal_application_review(
        actor=actor_for(authority), application_uuid=application.uuid, approve=True
    )
    seal = Seal.objects.get(owner_code=employee.id_number)
    assert seal.kind == SealKind.PERSONAL and seal.name_text == employee.real_name
    _use(employee.user, seal)
    with pytest.raises(SealNotFound):
        _use(seal_world["rep"].user, seal)


def test_the_platform_uses_department_seals_only(active_seal, seal_world):
    department = facade.department_seal(SYSTEM, "00000000-0000-0000-0000-000000000009", "示范局")
    assert (
        facade.department_seal(SYSTEM, "00000000-0000-0000-0000-000000000009", "示范局").uuid
        == department.uuid
    )
    facade.seal_use_record(SYSTEM, department.uuid, DOC, "加盖证照")
    with pytest.raises(DomainError):
        facade.seal_use_record(SYSTEM, str(active_seal.uuid), DOC, "加盖证照")


# --- the API -----------------------------------------------------------------------------------------------------
def _post(client, url, body):
    from tests.conftest import csrf_headers

    return client.post(url, body, content_type="application/json", **csrf_headers(client))


def test_the_api_lifecycle_and_its_refusals(seal_world):
    from tests.conftest import login_client

    rep, company = seal_world["rep"], seal_world["company"]
    rep_client, authority_client = login_client(rep.user), login_client(seal_world["authority"])
    stranger_client = login_client(seal_world["stranger"].user)
    refused = _post(
        stranger_client, "/api/seals/applications", {"uscc": company.uscc, "kinds": ["legal_name"]}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_legal_representative"
    bad = _post(rep_client, "/api/seals/applications", {"uscc": company.uscc, "kinds": ["no_such_kind"]})
    assert bad.status_code == 422
    applied = _post(rep_client, "/api/seals/applications", {"uscc": company.uscc, "kinds": ["legal_name"]})
    assert applied.status_code == 201, applied.content
    uuid = applied.json()["uuid"]
    assert _post(rep_client, f"/api/seals/applications/{uuid}/review", {"approve": True}).status_code == 403
    pending = authority_client.get("/api/seals/applications").json()
    assert [a["uuid"] for a in pending] == [uuid]
    approved = _post(authority_client, f"/api/seals/applications/{uuid}/review", {"approve": True})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    (seal,) = rep_client.get("/api/seals").json()
    assert seal["kind_label"] == "法定名称章" and seal["status"] == "active" and seal["certificate_serial"]
    missing = stranger_client.get(f"/api/seals/{seal['uuid']}")
    assert missing.status_code == 404 and missing.json()["code"] == "seal_not_found"
    assert stranger_client.get("/api/seals").json() == []
    use = {"document_sha256": DOC, "purpose": "签订合同"}
    assert _post(stranger_client, f"/api/seals/{seal['uuid']}/uses", use).status_code == 404
    assert _post(rep_client, f"/api/seals/{seal['uuid']}/uses", use).status_code == 201
    assert [u["purpose"] for u in rep_client.get(f"/api/seals/{seal['uuid']}/uses").json()] == ["签订合同"]
    employee = seal_world["employee"]
    grant = _post(
        rep_client,
        f"/api/seals/{seal['uuid']}/authorisations",
        {"id_number": employee.id_number, "real_name": employee.real_name},
    )
    assert grant.status_code == 201
    employee_client = login_client(employee.user)
    assert _post(employee_client, f"/api/seals/{seal['uuid']}/uses", use).status_code == 201
    assert employee_client.get(f"/api/seals/{seal['uuid']}/uses").status_code == 404  # not the owner
    suspended = _post(rep_client, f"/api/seals/{seal['uuid']}/suspend", {"reason": "核查"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    blocked = _post(employee_client, f"/api/seals/{seal['uuid']}/uses", use)
    assert blocked.status_code == 409 and blocked.json()["code"] == "seal_not_active"
    revoked = _post(authority_client, f"/api/seals/{seal['uuid']}/revoke", {"reason": "注销"})
    assert revoked.json()["status"] == "revoked"
    again = _post(rep_client, f"/api/seals/{seal['uuid']}/resume", {"reason": ""})
    assert again.status_code == 409 and again.json()["code"] == "invalid_status_change"


# --- the pages ------------------------------------------------------------------------------------------------------
def test_the_pages(seal_world):
    from tests.conftest import login_client

    rep, company, employee = seal_world["rep"], seal_world["company"], seal_world["employee"]
    rep_client = login_client(rep.user)
    page = rep_client.get("/seals/")
    assert (
        page.status_code == 200
        and "我的电子印章" in page.content.decode()
        and company.name in page.content.decode()
    )
    refused = rep_client.post(
        "/seals/", {"uscc": company.uscc}, HTTP_X_CSRFTOKEN=rep_client.cookies["csrftoken"].value
    )
    assert refused.status_code == 400 and "请至少选择一种印章" in refused.content.decode()
    applied = rep_client.post(
        "/seals/",
        {"uscc": company.uscc, "kinds": ["legal_name", "contract"]},
        HTTP_X_CSRFTOKEN=rep_client.cookies["csrftoken"].value,
    )
    assert applied.status_code == 302
    assert rep_client.get("/seals/review/").status_code == 403
    authority_client = login_client(seal_world["authority"])
    review = authority_client.get("/seals/review/")
    assert review.status_code == 200 and "合同专用章" in review.content.decode()
    application = SealApplication.objects.get(owner_code=company.uscc)
    done = authority_client.post(
        "/seals/review/",
        {"application": str(application.uuid), "decision": "approve"},
        HTTP_X_CSRFTOKEN=authority_client.cookies["csrftoken"].value,
    )
    assert done.status_code == 302
    seal = Seal.objects.get(owner_code=company.uscc, kind=SealKind.LEGAL_NAME)
    assert login_client(seal_world["stranger"].user).get(f"/seals/{seal.uuid}/").status_code == 404
    granted = rep_client.post(
        f"/seals/{seal.uuid}/",
        {"action": "authorise", "id_number": employee.id_number, "real_name": employee.real_name},
        HTTP_X_CSRFTOKEN=rep_client.cookies["csrftoken"].value,
    )
    assert granted.status_code == 302
    _use(employee.user, seal, "签订采购合同")
    shown = rep_client.get(f"/seals/{seal.uuid}/").content.decode()
    assert "李员工" in shown and "签订采购合同" in shown and "撤销授权" in shown
    employee_view = login_client(employee.user).get(f"/seals/{seal.uuid}/").content.decode()
    assert "签订采购合同" not in employee_view and "挂起" not in employee_view  # not the owner
    suspended = rep_client.post(
        f"/seals/{seal.uuid}/",
        {"action": "suspend", "reason": ""},
        HTTP_X_CSRFTOKEN=rep_client.cookies["csrftoken"].value,
    )
    assert suspended.status_code == 400 and "请填写原因" in suspended.content.decode()
