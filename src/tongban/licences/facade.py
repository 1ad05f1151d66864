"""The stable interface other contexts use for the licence library."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tongban.core.errors import DomainError
from tongban.licences import demo
from tongban.licences.application_sql import application_licence_rows
from tongban.licences.identifiers import valid_type_code
from tongban.licences.models import Licence, LicenceType, LicenceUse
from tongban.licences.services import licence_issue
from tongban.licences.signals import licence_document_wanted

__all__ = [
    "DEMO_VERIFIER_KEY",
    "ApplicationLicences",
    "IssuedLicence",
    "LicenceDocumentSource",
    "LicenceRef",
    "demo_load_licences",
    "issue_for_case",
    "licence_document_for_holder",
    "licence_document_source",
    "licence_document_store",
    "licence_document_wanted",
    "licences_for_application",
    "record_case_uses",
    "valid_licences_of",
]


DEMO_VERIFIER_KEY = "tbv_demohotel0000001_Tongban-demo-hotel-2026"  # licences.demo.DEMO_VERIFIER_KEY


def demo_load_licences() -> int:
    return demo.demo_load_licences()


@dataclass(frozen=True)
class LicenceRef:
    uuid: str
    identifier: str
    type_code: str
    type_name: str
    number: str
    holder_name: str
    issuer_name: str
    valid_until: str | None
    face: dict
    face_titles: tuple[tuple[str, str], ...] = ()
    row_id: int | None = None  # the library's own key, to log a use without reading the licence again

    def snapshot(self) -> dict:
        """What a case keeps of the licence it used: enough for clerks to read it without the library."""
        return {
            "uuid": self.uuid,
            "identifier": self.identifier,
            "type_code": self.type_code,
            "type_name": self.type_name,
            "number": self.number,
            "holder_name": self.holder_name,
            "issuer_name": self.issuer_name,
            "valid_until": self.valid_until,
            "face": [[title, self.face[key]] for key, title in self.face_titles if key in self.face],
        }


@dataclass(frozen=True)
class IssuedLicence:
    type_code: str
    uuid: str | None  # None when it could not be issued
    number: str
    problem: str  # why it was not issued
    ref: LicenceRef | None = None  # the licence issued, for the case's materials and results


def _ref(licence) -> LicenceRef:
    return LicenceRef(
        str(licence.uuid),
        licence.identifier,
        licence.type.code,
        licence.type.name,
        licence.number,
        licence.holder_name,
        licence.issuer_name,
        licence.valid_until.isoformat() if licence.valid_until else None,
        licence.face,
        tuple(licence.type.face_fields),
        licence.pk,
    )


def valid_licences_of(*, holder_kind: str, holder_code: str, type_codes: set[str]) -> dict[str, LicenceRef]:
    """The holder's current valid licence of each of ``type_codes`` (those they have), newest first."""

    today = timezone.localdate()
    rows = (
        Licence.objects.select_related("type")
        .in_force(today)
        .filter(holder_kind=holder_kind, holder_code=holder_code, type__code__in=type_codes)
        .order_by("-issue_date", "-id")
    )
    found: dict[str, LicenceRef] = {}
    for licence in rows:
        found.setdefault(licence.type.code, _ref(licence))
    return found


@dataclass(frozen=True)
class ApplicationLicences:
    """For an application: which of the asked-for types the library holds (``known``) and the applicant's
    valid licence of each type they have (``found``)."""

    known: frozenset[str]
    found: dict[str, LicenceRef]


def licences_for_application(*, holder_kind: str, holder_code: str, type_codes: set[str]):
    """The licence types of ``type_codes`` kept in the library, and the holder's current valid licence of
    each, newest first (两个免于提交: the platform attaches them and the applicant uploads nothing). One query,
    none when no code is a licence type code. A type the library does not keep is not ``known``: the caller
    decides what to do (the catalog's shared-data rule)."""

    codes = {c for c in type_codes if valid_type_code(c)}
    if not codes:
        return ApplicationLicences(frozenset(), {})
    rows = application_licence_rows(
        holder_kind=holder_kind, holder_code=holder_code, codes=sorted(codes), today=timezone.localdate()
    )
    known: set[str] = set()
    found: dict[str, LicenceRef] = {}
    for row in rows:
        known.add(row["code"])
        if row["id"] is None or row["code"] in found:
            continue
        props = (row["face_schema"] or {}).get("properties", {})
        found[row["code"]] = LicenceRef(
            str(row["uuid"]),
            row["identifier"],
            row["code"],
            row["name"],
            row["number"],
            row["holder_name"],
            row["issuer_name"],
            row["valid_until"].isoformat() if row["valid_until"] else None,
            row["face"],
            tuple((key, spec.get("title", key)) for key, spec in props.items()),
            row["id"],
        )
    return ApplicationLicences(frozenset(known), found)


def record_case_uses(*, licences: list[LicenceRef], department_name: str, cause: str) -> None:
    """Log that a case used these licences (shown to the holder: 谁使用了我的证照)."""

    LicenceUse.objects.bulk_create(
        LicenceUse(
            licence_id=ref.row_id,
            user_label=department_name[:200],
            channel="case",
            cause=cause[:200],
            fields=[key for key, _title in ref.face_titles],
        )
        for ref in licences
        if ref.row_id is not None
    )


def issue_for_case(
    *,
    type_code: str,
    holder_kind: str,
    holder_code: str,
    holder_name: str,
    issuer_uuid: str,
    issuer_name: str,
    issuer_code: str,
    form_data: dict,
    case_uuid: str,
    item_code: str,
    face: dict | None = None,
) -> IssuedLicence:
    """Issue the licence a case's step yields (in the caller's transaction). The face is taken from the
    form's fields of the same keys, with the holder's name for a ``name`` or ``holder_name`` field; ``face``
    gives values of its own (they win). When the licence cannot be issued (no such type, another holder kind,
    face fields missing…) nothing is written and the problem is returned: the caller refuses the step."""
    given = face or {}

    licence_type = LicenceType.objects.filter(code=type_code).first()
    if licence_type is None:
        return IssuedLicence(type_code, None, "", "unknown_licence_type")
    if licence_type.holder_kind != holder_kind:
        return IssuedLicence(type_code, None, "", "holder_kind_differs")
    face = {}
    for key, _title in licence_type.face_fields:
        if key in given:
            face[key] = given[key]
        elif key in form_data:
            face[key] = form_data[key]
        elif key in ("name", "holder_name"):
            face[key] = holder_name
    try:
        with transaction.atomic():
            licence = licence_issue(
                actor=None,
                type_code=type_code,
                holder_code=holder_code,
                holder_name=holder_name,
                issuer_uuid=issuer_uuid,
                issuer_name=issuer_name,
                issuer_code=issuer_code,
                face=face,
                case_uuid=case_uuid,
                item_code=item_code,
            )
    except DomainError as exc:
        return IssuedLicence(type_code, None, "", exc.code)
    return IssuedLicence(type_code, str(licence.uuid), licence.number, "", _ref(licence))


# --- sealed licence files (the seals context seals them: licences is left of seals) ---------------------------
@dataclass(frozen=True)
class LicenceDocumentSource:
    """What the issuing department seals: the licence's PDF (Chinese) as it is now, where the seal goes
    (``box``: points from the bottom left of the last page) and who issued it."""

    licence_uuid: str
    number: str
    type_name: str
    issuer_uuid: str
    issuer_name: str
    issuer_code: str
    status: str
    current: bool
    pdf: bytes
    box: tuple[float, float, float, float]


def licence_document_source(licence_uuid: str) -> LicenceDocumentSource | None:
    """The licence's PDF to seal; None when there is no such licence or its sealed file already shows it as
    it is (nothing to do)."""
    from tongban.licences.pdf import is_sealed, licence_pdf_for_sealing, seal_box_points

    licence = Licence.objects.select_related("type").filter(uuid=licence_uuid).first()
    if licence is None or is_sealed(licence):  # the file is not read to learn that
        return None
    return LicenceDocumentSource(
        licence_uuid=str(licence.uuid),
        number=licence.number,
        type_name=licence.type.name,
        issuer_uuid=str(licence.issuer_uuid or ""),
        issuer_name=licence.issuer_name,
        issuer_code=licence.issuer_code,
        status=licence.status,
        current=licence.current,
        pdf=licence_pdf_for_sealing(licence),
        box=seal_box_points(),
    )


def licence_document_store(source: LicenceDocumentSource, pdf: bytes) -> bool:
    """Keep the sealed PDF of ``source`` — unless the licence changed meanwhile (another status, no longer
    current): then False, and the change has asked for a new one."""
    import hashlib

    from tongban.licences.locks import lock_licence
    from tongban.licences.models import LicenceDocument

    with transaction.atomic():
        row = Licence.objects.filter(uuid=source.licence_uuid).first()
        if row is None:
            return False
        licence = lock_licence(row)
        if licence.status != source.status or licence.current != source.current:
            return False
        LicenceDocument.objects.update_or_create(
            licence=licence,
            defaults={
                "pdf": pdf,
                "sha256": hashlib.sha256(pdf).hexdigest(),
                "status": source.status,
                "current": source.current,
            },
        )
    return True


@dataclass(frozen=True)
class HeldLicenceDocument:
    licence_uuid: str
    title: str  # the type's name and the licence's number
    pdf: bytes | None  # the sealed file, None while it is being sealed


def licence_document_for_holder(actor, licence_uuid) -> HeldLicenceDocument:
    """The sealed file of a licence the actor holds (``licence.download_pdf`` audited, as a download is);
    ``LicenceNotFound`` (404) for anyone else."""
    from tongban.licences.access import access_licence_for_holder
    from tongban.licences.pdf import sealed_document

    licence = access_licence_for_holder(actor=actor, licence_uuid=licence_uuid, action="licence.download_pdf")
    document = sealed_document(licence)
    return HeldLicenceDocument(
        str(licence.uuid),
        f"{licence.type.name} {licence.number}",
        bytes(document.pdf) if document is not None else None,
    )


# --- the front desk: a licence shown (亮证) at a window to identify the applicant ----------------------------
WINDOW_IDENTIFY_CAUSE = "窗口受理身份核验"


@dataclass(frozen=True)
class ShownAtWindow:
    """What a 亮证 token verified at a window tells the clerk: whose licence it is and which licence."""

    holder_kind: str  # 111 resident ID number, 001 USCC
    holder_code: str
    holder_name: str
    type_name: str
    number: str
    fields: dict


def verify_shown_at_window(*, actor, window_org_uuid: str, window_label: str, token) -> ShownAtWindow:
    """Verify a shown licence's token on behalf of a window (scene 窗口办事): the use is recorded with the
    window as 用证单位 and the cause 窗口受理身份核验, once (a replayed token answers 409 ``token_used``). The
    caller must be a window clerk (403 ``not_a_verifier`` otherwise); the front desk has checked that the
    window is one of theirs."""
    from tongban.licences.constants import Scene
    from tongban.licences.errors import LicenceError
    from tongban.licences.verification import verify_shown
    from tongban.licences.verifiers import VerifierIdentity, identity_of

    staff = identity_of(actor)
    if Scene.WINDOW not in staff.scenes:
        from django.utils.translation import gettext_lazy as _

        from tongban.core.errors import PermissionDenied

        raise PermissionDenied(LicenceError.NOT_A_VERIFIER, _("您不是登记的用证单位，不能核验亮证码"))
    who = VerifierIdentity(str(window_org_uuid), window_label, frozenset({Scene.WINDOW}), "staff")
    done = verify_shown(who=who, token=token, cause=WINDOW_IDENTIFY_CAUSE)
    licence = Licence.objects.select_related("type").get(pk=done.licence.pk)
    return ShownAtWindow(
        licence.holder_kind,
        licence.holder_code,
        licence.holder_name,
        licence.type.name,
        licence.number,
        dict(done.fields),
    )


__all__ += ["WINDOW_IDENTIFY_CAUSE", "ShownAtWindow", "verify_shown_at_window"]


def federation_licence_jwks() -> list[dict]:
    """The public keys a partner region needs to check this platform's licences: every issuing department's
    (SD-JWT VCs, licence signatures) and the platform's 亮证 key, active and retired (RFC 7517 keys)."""
    from tongban.licences.keys import jwks
    from tongban.licences.show import show_key

    show_key()
    return list(jwks()["keys"])


# --- the federation: licences of other platforms (docs/domain/federation.md §4) -------------------------------
def verifier_auth():
    """The API authentication of registered verifiers (``Authorization: Bearer tbv_…`` or an OAuth2 token)."""
    from tongban.licences.verifiers import verifier_auth as auth

    return auth


def verifier_identity(auth, actor):
    """The verifier of an API request, as ``/api/licences/verify`` takes it (``auth``: what its
    authentication returned; 401 ``not_authenticated`` / 403 ``not_a_verifier`` otherwise)."""
    from tongban.licences.verifiers import require_verifier

    return require_verifier(auth, actor)


def foreign_verifier_register(fn) -> None:
    """The federation registers here how a token of another platform is verified (licences.foreign)."""
    from tongban.licences.foreign import foreign_verifier_register as register

    register(fn)


def shown_refusal(code: str, details: dict | None = None):
    """The licence library's refusal of a verification with this code (a partner's answer), or None."""
    from tongban.licences.foreign import shown_refusal as refusal

    return refusal(code, details)


def foreign_shown(**values):
    """What a foreign verifier answers (licences.foreign.ForeignShown)."""
    from tongban.licences.foreign import ForeignShown

    return ForeignShown(**values)


def verify_shown_for_member(
    *,
    member_code: str,
    member_name: str,
    verifier_uuid: str,
    verifier_name: str,
    scene: str,
    token,
    cause: str,
) -> dict:
    """Verify one of this platform's 亮证 tokens for a verifier of a partner platform (it vouches for the
    verifier's permission in ``scene``): the same checks and single use as ``/api/licences/verify``, the use
    recorded as by "<partner> · <verifier>" (the holder sees it). The answer: the licence's type, status and
    validity and the scene's fields, as ``/api/licences/verify`` gives them."""
    from tongban.licences.foreign import federated_identity
    from tongban.licences.verification import verify_shown

    who = federated_identity(
        member_code=member_code,
        member_name=member_name,
        verifier_uuid=verifier_uuid,
        verifier_name=verifier_name,
        scene=scene,
    )
    done = verify_shown(who=who, token=token, cause=cause)
    licence = done.licence
    return {
        "result": "valid",
        "scene": done.scene,
        "licence": {
            "type_code": licence.type.code,
            "type_name": licence.type.name,
            "status": str(licence.status),
            "status_label": str(licence.get_status_display()),
            "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        },
        "fields": done.fields,
        "field_titles": done.field_titles,
        "verified_at": done.at.isoformat(),  # type: ignore[attr-defined]  # a datetime (UseRecord.at)
    }


def licence_type_names() -> dict[str, str]:
    """Every licence type kept here: code → name (to check a recognition list against)."""
    return dict(LicenceType.objects.values_list("code", "name"))


__all__ += [
    "foreign_shown",
    "foreign_verifier_register",
    "licence_type_names",
    "shown_refusal",
    "verifier_auth",
    "verifier_identity",
    "verify_shown_for_member",
]
