"""Every write to identity data: keyword-only, atomic, audited in the same transaction."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.access import require_window_clerk
from tongban.accounts.actors import actor_for
from tongban.accounts.constants import (
    ORG_PARENTS,
    ApiScope,
    AssuranceLevel,
    EnterpriseKind,
    OrgKind,
    OtpPurpose,
    Role,
)
from tongban.accounts.errors import (
    AccountError,
    AccountFrozen,
    AccountLocked,
    AlreadyRegistered,
    AssuranceTooLow,
    IdentityHeld,
    IdentityUnconfirmed,
    InvalidSmsCode,
    LoginFailed,
    LoginIncomplete,
    LoginThrottled,
    PersonNotFound,
    SmsThrottled,
)
from tongban.accounts.locks import (
    lock_authorisation,
    lock_claimants,
    lock_confirmed_holder,
    lock_latest_challenge,
    lock_person,
    lock_person_of_user,
    lock_user_by_phone,
)
from tongban.accounts.models import (
    ApiClient,
    Authorisation,
    BusinessRegisterEntry,
    Enterprise,
    Organisation,
    OtpChallenge,
    Person,
    StaffMembership,
    User,
)
from tongban.accounts.passwords import FROZEN, LOCKED, THROTTLED, address_allowed, password_failures_clear
from tongban.accounts.register import business_register, item_catalog, population_register
from tongban.accounts.selectors import person_of_actor, staff_roles
from tongban.accounts.signals import identity_transferred
from tongban.accounts.throttle import throttle_hit, throttle_interval
from tongban.core.actors import Actor
from tongban.core.audit import audit_record
from tongban.core.errors import Conflict, InvalidInput, PermissionDenied, Throttled
from tongban.core.identifiers import (
    USCC_ALPHABET,
    IdKind,
    mask_id_number,
    mask_phone,
    uscc_make,
    validate_id_number,
    validate_phone,
    validate_uscc,
)
from tongban.core.messaging import sms_queue
from tongban.core.models import SmsKind

logger = logging.getLogger(__name__)

HOUR = 3600


# --- one-time SMS codes ---------------------------------------------------------------------------
def _code_hash(phone: str, purpose: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


def otp_send(*, phone: str, purpose: str, ip: str) -> None:
    """Send a 6-digit code. Answers the same whether or not the phone has an account (no enumeration)."""
    phone = validate_phone(phone)
    if purpose not in OtpPurpose.values:
        raise InvalidInput(AccountError.INVALID_PURPOSE, _("验证码用途无效"), field="purpose")
    if not throttle_hit("sms-ip", ip, limit=settings.TONGBAN_SMS_IP_PER_HOUR, window=HOUR):
        raise SmsThrottled()
    interval = settings.TONGBAN_SMS_PHONE_INTERVAL_SECONDS
    if not throttle_interval("sms-phone-min", f"{purpose}:{phone}", seconds=interval):
        raise SmsThrottled()
    if not throttle_hit("sms-phone", phone, limit=settings.TONGBAN_SMS_PHONE_PER_HOUR, window=HOUR):
        raise SmsThrottled()
    registered = User.objects.filter(phone=phone).exists()
    if (purpose in (OtpPurpose.LOGIN, OtpPurpose.RESET) and not registered) or (
        purpose == OtpPurpose.REGISTER and registered
    ):
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    ttl = settings.TONGBAN_SMS_CODE_TTL_SECONDS
    with transaction.atomic():
        OtpChallenge.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        OtpChallenge.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_code_hash(phone, purpose, code),
            expires_at=timezone.now() + timedelta(seconds=ttl),
        )
        text = gettext("【通办】您的验证码是%(code)s，%(minutes)s分钟内有效。请勿告诉他人。") % {
            "code": code,
            "minutes": ttl // 60,
        }
        # The outbox row (code encrypted, wiped once sent or expired) commits with the challenge.
        sms_queue(
            phone=phone, text=text, kind=SmsKind.OTP, expires_at=timezone.now() + timedelta(seconds=ttl)
        )
    logger.info("sms code issued purpose=%s", purpose)


def otp_verify(*, phone: str, purpose: str, code: str) -> bool:
    """Check a code: the latest unused, unexpired challenge; 5 tries; used once. Commits its counters."""
    code = (code or "").strip()
    with transaction.atomic():
        challenge = lock_latest_challenge(phone=phone, purpose=purpose, now=timezone.now())
        if challenge is None or challenge.attempts >= settings.TONGBAN_SMS_CODE_MAX_TRIES:
            return False
        if (
            len(code) == 6
            and code.isdigit()
            and hmac.compare_digest(challenge.code_hash, _code_hash(phone, purpose, code))
        ):
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["used_at"])
            return True
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        return False


# --- registration ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonRegistration:
    real_name: str
    id_kind: str
    id_number: str
    phone: str
    password: str
    sms_code: str


def _validate_password(password: str, user: User | None = None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            AccountError.INVALID_PASSWORD,
            _("密码不符合要求：至少8位，不能过于简单或全为数字"),
            field="password",
        ) from exc


def _validate_real_name(name: str) -> str:
    name = (name or "").strip()
    if not (1 < len(name) <= 50) or any(ch.isdigit() for ch in name):
        raise InvalidInput(AccountError.INVALID_REAL_NAME, _("姓名格式不正确"), field="real_name")
    return name


def person_register(*, data: PersonRegistration, ip: str = "") -> Person:
    """Register a natural person: validate the input, then the SMS code (which proves the phone is theirs),
    and only then say whether the identity is already registered (no enumeration without a phone)."""
    if not throttle_hit("register-ip", ip or "unknown", limit=settings.TONGBAN_SMS_IP_PER_HOUR, window=HOUR):
        raise Throttled(AccountError.REGISTER_THROTTLED)
    real_name = _validate_real_name(data.real_name)
    id_number = validate_id_number(data.id_kind, data.id_number)
    phone = validate_phone(data.phone)
    _validate_password(data.password)
    if not otp_verify(phone=phone, purpose=OtpPurpose.REGISTER, code=data.sms_code):
        raise InvalidSmsCode(field="sms_code")
    # Only a confirmed holder blocks the number: a claim the register did not confirm blocks nobody, so a
    # squatter cannot lock the real person out (docs/domain/identity.md).
    if (
        Person.objects.filter(
            id_kind=data.id_kind, id_number=id_number, assurance_level__gte=AssuranceLevel.L2
        ).exists()
        or User.objects.filter(phone=phone).exists()
    ):
        raise AlreadyRegistered()
    # Asked before the transaction: a real register connector may be slow and must not hold a write lock.
    matched = data.id_kind == IdKind.RESIDENT_ID and population_register().match(
        id_number=id_number, real_name=real_name
    )
    try:
        return _person_create(
            real_name=real_name,
            id_kind=data.id_kind,
            id_number=id_number,
            phone=phone,
            password=data.password,
            matched=matched,
        )
    except IntegrityError as exc:
        raise AlreadyRegistered() from exc


@transaction.atomic
def _person_create(
    *, real_name: str, id_kind: str, id_number: str, phone: str, password: str, matched: bool
) -> Person:
    user = User.objects.create_user(username=phone, password=password, phone=phone, display_name=real_name)
    person = Person.objects.create(
        user=user, real_name=real_name, id_kind=id_kind, id_number=id_number, phone=phone
    )
    if matched:
        person.assurance_level = AssuranceLevel.L2
        person.register_matched_at = timezone.now()
        person.save(update_fields=["assurance_level", "register_matched_at"])
    audit_record(
        actor=actor_for(user),
        action="person.register",
        object_type="person",
        object_id=person.uuid,
        after={
            "id_kind": id_kind,
            "id_number": mask_id_number(id_number),
            "phone": mask_phone(phone),
            "assurance_level": person.assurance_level,
        },
        subject_user_id=user.pk,
    )
    if matched:
        _claimants_freeze(person, actor=actor_for(user), how="register")
    return person


def _claimants_freeze(person: Person, *, actor: Actor, how: str) -> int:
    """Freeze every other account that claims ``person``'s now confirmed identifier (each audited)."""
    frozen = 0
    claims = lock_claimants(person)
    for claim in claims:
        if claim.user.frozen_at is None:
            _user_freeze(claim.user, actor=actor, how=how, identifier=person.id_number)
            frozen += 1
    return frozen


def _user_freeze(user: User, *, actor: Actor, how: str, identifier: str) -> None:
    user.frozen_at = timezone.now()
    user.frozen_reason = gettext("所登记的身份已由本人找回（%(how)s）") % {
        "how": gettext("窗口面核") if how == "window" else gettext("人口库核验")
    }
    user.is_active = False
    user.session_salt = secrets.token_hex(16)  # every session of the account ends
    user.save(update_fields=["frozen_at", "frozen_reason", "is_active", "session_salt"])
    audit_record(
        actor=actor,
        action="account.freeze",
        object_type="user",
        object_id=user.uuid,
        before={"frozen": False},
        after={"frozen": True, "how": how, "id_number": mask_id_number(identifier)},
        subject_user_id=user.pk,
    )
    logger.warning("account frozen: its identity was recovered by its owner (%s)", how)


def person_confirm_with_register(*, actor: Actor, real_name: str, ip: str = "") -> Person:
    """An account the register did not confirm (a typo in the name, say) asks again with the right name.
    A match confirms it (L2) and freezes the other claims to the number; a number another account already
    confirmed stays theirs (409 ``identity_held``: the real person recovers it at a window)."""
    if not throttle_hit("register-ip", ip or "unknown", limit=settings.TONGBAN_SMS_IP_PER_HOUR, window=HOUR):
        raise Throttled(AccountError.REGISTER_THROTTLED)
    person = person_of_actor(actor)
    if person is None:
        raise PersonNotFound()
    if person.identity_confirmed:
        return person
    real_name = _validate_real_name(real_name)
    if person.id_kind != IdKind.RESIDENT_ID or not population_register().match(
        id_number=person.id_number, real_name=real_name
    ):
        raise PermissionDenied(
            AccountError.REGISTER_MISMATCH,
            _("姓名与证件号码和人口库不一致；如确认无误，请携带身份证件到政务服务窗口核验"),
            field="real_name",
        )
    try:
        with transaction.atomic():
            person = lock_person(person)
            if Person.objects.filter(
                id_kind=person.id_kind, id_number=person.id_number, assurance_level__gte=AssuranceLevel.L2
            ).exists():
                raise IdentityHeld()
            before = person.assurance_level
            person.real_name = real_name
            person.assurance_level = AssuranceLevel.L2
            person.register_matched_at = timezone.now()
            person.save(update_fields=["real_name", "assurance_level", "register_matched_at"])
            User.objects.filter(pk=actor.require_user_id()).update(display_name=real_name)
            audit_record(
                actor=actor_for(actor),
                action="person.confirm_with_register",
                object_type="person",
                object_id=person.uuid,
                before={"assurance_level": before},
                after={"assurance_level": person.assurance_level},
                subject_user_id=actor.id,
            )
            _claimants_freeze(person, actor=actor_for(actor), how="register")
    except IntegrityError as exc:  # a concurrent confirmation of the same number won
        raise IdentityHeld() from exc
    return person


@dataclass(frozen=True)
class WindowRecovery:
    id_kind: str
    id_number: str
    real_name: str
    phone: str
    sms_code: str


def person_recover_at_window(*, actor: Actor, data: WindowRecovery) -> Person:
    """At a window, the clerk has checked the person and their document face to face, and the SMS code
    sent to the phone they hold proves it is theirs. That account (made now if the phone has none) gets
    the identity at L3; whoever else held or claimed the number is frozen, and what a squatting account
    did with the confirmed identity (enterprises represented, authorisations, cases in that name) passes
    to the real person. Each step audited."""
    require_window_clerk(actor)
    real_name = _validate_real_name(data.real_name)
    id_number = validate_id_number(data.id_kind, data.id_number)
    phone = validate_phone(data.phone)
    if not otp_verify(phone=phone, purpose=OtpPurpose.RECOVER, code=data.sms_code):
        raise InvalidSmsCode(field="sms_code")
    try:
        with transaction.atomic():
            return _recover(actor, data.id_kind, id_number, real_name, phone)
    except IntegrityError as exc:  # a registration of the same phone or number at this very moment
        raise Conflict(
            AccountError.RECOVERY_CONFLICT, _("该手机号或证件号码正在被另一操作使用，请稍后重试")
        ) from exc


def _recover(actor: Actor, id_kind: str, id_number: str, real_name: str, phone: str) -> Person:
    who = actor_for(actor)
    org_path = next(iter(actor.org_paths({Role.WINDOW_CLERK})), "")
    if User.objects.filter(pk=actor.require_user_id(), phone=phone).exists():
        raise PermissionDenied(AccountError.OWN_RECORD, _("不能核验自己的身份"))
    account = lock_user_by_phone(phone)
    created = account is None
    if account is None:
        account = User.objects.create_user(username=phone, password=None, phone=phone, display_name=real_name)
    mine = lock_person_of_user(account)
    if mine is None:
        if staff_roles(account):
            raise Conflict(AccountError.PHONE_BOUND_TO_STAFF, _("该手机号属于工作人员账号，不能用于找回身份"))
        mine = Person.objects.create(
            user=account, real_name=real_name, id_kind=id_kind, id_number=id_number, phone=phone
        )
    elif (mine.id_kind, mine.id_number) != (id_kind, id_number):
        raise Conflict(
            AccountError.PHONE_BOUND_TO_OTHER, _("该手机号已绑定其他证件号码的身份"), field="phone"
        )
    holder = lock_confirmed_holder(id_kind=id_kind, id_number=id_number, besides=mine)
    transferred = {}
    if holder is not None:  # a squatter confirmed the number: it is no longer theirs
        holder.assurance_level = AssuranceLevel.L1
        holder.save(update_fields=["assurance_level"])
        transferred = _identity_transfer(holder, mine)
    before = mine.assurance_level
    mine.real_name, mine.phone = real_name, phone
    mine.assurance_level = AssuranceLevel.L3
    mine.verified_in_person_at = timezone.now()
    mine.save(update_fields=["real_name", "phone", "assurance_level", "verified_in_person_at"])
    if account.frozen_at is not None or not account.is_active:
        account.frozen_at, account.frozen_reason, account.is_active = None, "", True
        account.save(update_fields=["frozen_at", "frozen_reason", "is_active"])
    frozen = _claimants_freeze(mine, actor=who, how="window")
    audit_record(
        actor=who,
        action="person.recover_at_window",
        object_type="person",
        object_id=mine.uuid,
        before={"assurance_level": before},
        after={
            "assurance_level": mine.assurance_level,
            "id_number": mask_id_number(id_number),
            "phone": mask_phone(phone),
            "account_created": created,
            "accounts_frozen": frozen,
            "transferred": transferred,
        },
        subject_user_id=account.pk,
        org_path=org_path,
    )
    if holder is not None:  # in this transaction: the cases move with the rest, or nothing does
        identity_transferred.send(
            sender=Person, from_person_uuid=str(holder.uuid), to_person_uuid=str(mine.uuid)
        )
    return mine


def _identity_transfer(squatter: Person, owner: Person) -> dict:
    """What was done with the identity belongs to its owner: enterprises represented and authorisations
    given or held move over (cases follow through the ``identity_transferred`` signal)."""
    return {
        "enterprises": Enterprise.objects.filter(legal_representative=squatter).update(
            legal_representative=owner
        ),
        "authorisations_held": Authorisation.objects.filter(agent=squatter).update(agent=owner),
        "authorisations_given": Authorisation.objects.filter(principal_person=squatter).update(
            principal_person=owner
        ),
    }


@transaction.atomic
def person_verify_in_person(*, actor: Actor, person: Person, method: str = "window") -> Person:
    """A window clerk checked the person and their document face to face: L3."""
    require_window_clerk(actor)
    if person.user_id == actor.id:
        raise PermissionDenied(AccountError.OWN_RECORD, _("不能核验自己的身份"))
    person = lock_person(person)
    before = person.assurance_level
    person.assurance_level = AssuranceLevel.L3
    person.verified_in_person_at = timezone.now()
    person.save(update_fields=["assurance_level", "verified_in_person_at"])
    audit_record(
        actor=actor_for(actor),
        action="person.verify_in_person",
        object_type="person",
        object_id=person.uuid,
        before={"assurance_level": before},
        after={
            "assurance_level": person.assurance_level,
            "method": method,
            "organisation": actor_for(actor).organisation_name({Role.WINDOW_CLERK}),
            "purpose": str(_("现场核验本人身份")),
        },
        subject_user_id=person.user_id,
        org_path=next(iter(actor.org_paths({Role.WINDOW_CLERK})), ""),
    )
    return person


# --- enterprises and authorisations ---------------------------------------------------------------
def _require_person(actor: Actor, level: int) -> Person:
    person = person_of_actor(actor)
    if person is None or person.assurance_level < level:
        raise AssuranceTooLow(required=level, current=person.assurance_level if person else None)
    return person


def enterprise_register(*, actor: Actor, name: str, uscc: str, kind: str) -> Enterprise:
    """The legal representative registers the enterprise (needs real-name level L2)."""
    name = (name or "").strip()
    if not 2 <= len(name) <= 200:
        raise InvalidInput(AccountError.INVALID_ENTERPRISE_NAME, _("法人名称格式不正确"), field="name")
    code = validate_uscc(uscc)
    if kind not in EnterpriseKind.values:
        raise InvalidInput(AccountError.INVALID_ENTERPRISE_KIND, _("法人类型无效"), field="kind")
    person = _require_person(actor, AssuranceLevel.L2)
    if not business_register().legal_representative_matches(
        uscc=code, name=name, id_kind=person.id_kind, id_number=person.id_number
    ):
        raise PermissionDenied(
            AccountError.LEGAL_REPRESENTATIVE_MISMATCH,
            _("市场主体登记信息中没有以您为法定代表人的该法人：请核对名称和统一社会信用代码"),
            field="uscc",
        )
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(
                name=name, uscc=code, kind=kind, legal_representative=person
            )
            audit_record(
                actor=actor_for(actor),
                action="enterprise.register",
                object_type="enterprise",
                object_id=enterprise.uuid,
                after={"name": name, "uscc": code, "kind": kind},
                subject_user_id=actor.id,
            )
    except IntegrityError as exc:
        raise Conflict(AccountError.ENTERPRISE_EXISTS, _("该统一社会信用代码已注册")) from exc
    return enterprise


# The registration authority and entity type that open a USCC (GB 32100-2015 §4.1, 4.2: 9 for market
# regulation; 1 enterprise, 2 individual business, 3 farmers' cooperative) by the kind registered.
_USCC_PREFIX: dict[str, str] = {
    EnterpriseKind.LLC: "91",
    EnterpriseKind.JOINT_STOCK: "91",
    EnterpriseKind.SOLE_PROPRIETORSHIP: "91",
    EnterpriseKind.PARTNERSHIP: "91",
    EnterpriseKind.INDIVIDUAL_BUSINESS: "92",
    EnterpriseKind.COOPERATIVE: "93",
}


def uscc_assign(*, kind: str, division_code: str) -> str:
    """A new unified social credit code for a market entity registered in ``division_code``: the authority
    and type (2), the division (6), a random organisation code body (8) with its GB 11714 check character,
    and the GB 32100 check character; not one the register or the platform already holds."""
    prefix = _USCC_PREFIX.get(kind)
    if prefix is None or not (len(division_code) == 6 and division_code.isdigit()):
        raise InvalidInput(AccountError.INVALID_ENTERPRISE_KIND, _("法人类型无效"), field="kind")
    for _attempt in range(20):
        code = uscc_make(prefix + division_code, "".join(secrets.choice(USCC_ALPHABET) for _ in range(8)))
        taken = (
            Enterprise.objects.filter(uscc=code).exists()
            or BusinessRegisterEntry.objects.filter(uscc=code).exists()
        )
        if not taken:
            return code
    raise Conflict(AccountError.ENTERPRISE_EXISTS, _("未能分配统一社会信用代码，请重试"))  # pragma: no cover


@transaction.atomic
def enterprise_establish(
    *, name: str, kind: str, legal_representative_uuid, division_code: str, registrar_name: str
) -> Enterprise:
    """The establishment registration of a market entity (设立登记), as the 营业执照 step of 开办企业 concludes
    it: a USCC assigned, the entity written into the market-entity register with the applicant as its
    legal representative, and the enterprise made on the platform (its legal representative acts for it
    and holds its licences from now on). Audited."""
    name = (name or "").strip()
    if not 2 <= len(name) <= 200:
        raise InvalidInput(
            AccountError.INVALID_ENTERPRISE_NAME, _("法人名称格式不正确"), field="company_name"
        )
    person = Person.objects.filter(uuid=legal_representative_uuid).first()
    if person is None or person.assurance_level < AssuranceLevel.L2:
        raise AssuranceTooLow(required=AssuranceLevel.L2, current=person.assurance_level if person else None)
    code = uscc_assign(kind=kind, division_code=division_code)
    BusinessRegisterEntry.objects.create(
        uscc=code,
        name=name,
        legal_representative_id_kind=person.id_kind,
        legal_representative_id_number=person.id_number,
    )
    enterprise = Enterprise.objects.create(name=name, uscc=code, kind=kind, legal_representative=person)
    audit_record(
        actor=None,
        action="enterprise.establish",
        object_type="enterprise",
        object_id=enterprise.uuid,
        after={"name": name, "uscc": code, "kind": kind, "registrar": registrar_name},
        subject_user_id=person.user_id,
    )
    return enterprise


@dataclass(frozen=True)
class AuthorisationGrant:
    agent_id_kind: str
    agent_id_number: str
    agent_real_name: str
    valid_from: date
    valid_until: date
    all_items: bool = True
    item_codes: tuple[str, ...] = ()
    licence_use: bool = False


@transaction.atomic
def authorisation_grant(
    *, actor: Actor, grant: AuthorisationGrant, enterprise: Enterprise | None = None
) -> Authorisation:
    """The legal representative authorises an agent for the enterprise, or a person for themselves: for
    all items or for listed implementation codes of published items, and the licences only when the grant
    says so. Both the principal and the agent must have confirmed identities (L2+)."""
    person = person_of_actor(actor)
    if person is not None and not person.identity_confirmed:
        raise IdentityUnconfirmed()
    principal = _require_person(actor, AssuranceLevel.L2)
    if enterprise is not None and enterprise.legal_representative_id != principal.pk:
        raise PermissionDenied(AccountError.NOT_LEGAL_REPRESENTATIVE, _("只有法定代表人可以为法人授权"))
    if not (date(2000, 1, 1) <= grant.valid_from <= date(2100, 12, 31)) or grant.valid_until > date(
        2100, 12, 31
    ):
        raise InvalidInput(
            AccountError.INVALID_PERIOD, _("日期超出支持范围（2000–2100年）"), field="valid_from"
        )
    if grant.valid_until < grant.valid_from:
        raise InvalidInput(AccountError.INVALID_PERIOD, _("截止日期不能早于生效日期"), field="valid_until")
    if grant.valid_until < timezone.localdate():
        raise InvalidInput(AccountError.INVALID_PERIOD, _("截止日期不能早于今天"), field="valid_until")
    if grant.valid_until - grant.valid_from > timedelta(days=366 * 5):
        raise InvalidInput(AccountError.INVALID_PERIOD, _("授权期限最长5年"), field="valid_until")
    codes = [c.strip() for c in grant.item_codes if c and c.strip()]
    if not grant.all_items and not codes:
        raise InvalidInput(
            AccountError.INVALID_ITEM_CODES, _("请列出授权的事项编码，或选择全部事项"), field="item_codes"
        )
    if any(len(c) > 64 for c in codes):
        raise InvalidInput(AccountError.INVALID_ITEM_CODES, _("事项编码过长"), field="item_codes")
    codes = list(dict.fromkeys(codes))
    catalog = item_catalog()
    unknown = catalog.unknown_item_codes(codes) if catalog is not None and codes else []
    if unknown:
        raise InvalidInput(
            AccountError.UNKNOWN_ITEM_CODES,
            _("以下事项编码在事项目录中不存在或未发布：%(codes)s") % {"codes": "、".join(unknown[:10])},
            field="item_codes",
            unknown=unknown[:50],
        )
    number = validate_id_number(grant.agent_id_kind, grant.agent_id_number, field="agent_id_number")
    agent = Person.objects.filter(
        id_kind=grant.agent_id_kind, id_number=number, assurance_level__gte=AssuranceLevel.L2
    ).first()
    if agent is None or agent.real_name != grant.agent_real_name.strip():
        raise PersonNotFound(
            AccountError.AGENT_NOT_FOUND, _("代办人尚未注册或尚未实名认证，或姓名与证件号码不一致")
        )
    if agent.pk == principal.pk:
        raise InvalidInput(AccountError.INVALID_AGENT, _("不能授权给自己"), field="agent_id_number")
    auth = Authorisation.objects.create(
        enterprise=enterprise,
        principal_person=None if enterprise else principal,
        agent=agent,
        all_items=grant.all_items,
        item_codes=[] if grant.all_items else codes,
        licence_use=grant.licence_use,
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        granted_by_id=actor.require_user_id(),
    )
    audit_record(
        actor=actor_for(actor),
        action="authorisation.grant",
        object_type="authorisation",
        object_id=auth.uuid,
        after={
            "enterprise": str(enterprise.uuid) if enterprise else None,
            "agent": str(agent.uuid),
            "all_items": auth.all_items,
            "item_codes": auth.item_codes,
            "licence_use": auth.licence_use,
            "valid_from": str(auth.valid_from),
            "valid_until": str(auth.valid_until),
        },
        subject_user_id=agent.user_id,
    )
    return auth


@transaction.atomic
def authorisation_revoke(*, actor: Actor, authorisation: Authorisation) -> Authorisation:
    person = person_of_actor(actor)
    auth = lock_authorisation(authorisation)
    grantor = auth.principal_person_id or (
        auth.enterprise.legal_representative_id if auth.enterprise else None
    )
    if person is None or grantor != person.pk:
        raise PermissionDenied(AccountError.NOT_GRANTOR, _("只有授权人可以撤销授权"))
    if auth.revoked_at is not None:
        raise Conflict(AccountError.ALREADY_REVOKED, _("该授权已撤销"))
    auth.revoked_at = timezone.now()
    auth.revoked_by_id = actor.id
    auth.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor_for(actor),
        action="authorisation.revoke",
        object_type="authorisation",
        object_id=auth.uuid,
        before={"revoked": False},
        after={"revoked": True},
        subject_user_id=auth.agent.user_id,
    )
    return auth


# --- login and sessions ---------------------------------------------------------------------------
def login_with_password(*, request, identifier: str, password: str) -> User:
    missing = [
        name for name, value in (("username", identifier.strip()), ("password", password)) if not value
    ]
    if missing:
        # Nothing to check: said before any attempt is counted (as the backend never counted one).
        raise LoginIncomplete(missing)
    authed = authenticate(request, username=identifier, password=password)
    if authed is None:
        reason = getattr(request, "tongban_login_refusal", None)
        if reason == THROTTLED:
            raise LoginThrottled()
        if reason == LOCKED:
            raise AccountLocked(seconds=getattr(request, "tongban_locked_seconds", None))
        if reason == FROZEN:
            raise AccountFrozen()
        raise LoginFailed(attempts_left=getattr(request, "tongban_login_attempts_left", None))
    _login(request, authed, method="password")
    return authed


def login_with_sms(*, request, phone: str, code: str) -> User:
    if not address_allowed(request):
        raise LoginThrottled()
    phone = validate_phone(phone)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if not otp_verify(phone=phone, purpose=OtpPurpose.LOGIN, code=code) or user is None:
        logger.info("sms login failed")
        raise InvalidSmsCode(field="code")
    now = timezone.now()
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(seconds=int((user.locked_until - now).total_seconds()))
    setattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0])  # noqa: B010 — what login() reads
    password_failures_clear(user)
    _login(request, user, method="sms")
    return user


def _login(request, user: User, *, method: str) -> None:
    request.tongban_login_method = method
    login(request, user)  # the audit row is written by the user_logged_in receiver (signals.py)
    if user.language:
        request.session["_language"] = user.language
    logger.info("login ok method=%s", method)


def password_reset(*, phone: str, code: str, new_password: str) -> User:
    """Set a new password with an SMS code sent to the account's phone; every session is ended."""
    phone = validate_phone(phone)
    user = User.objects.filter(phone=phone, is_active=True).first()
    _validate_password(new_password, user)
    if not otp_verify(phone=phone, purpose=OtpPurpose.RESET, code=code) or user is None:
        raise InvalidSmsCode(field="code")
    with transaction.atomic():
        user.set_password(new_password)
        user.session_salt = secrets.token_hex(16)
        user.locked_until = None
        user.save(update_fields=["password", "session_salt", "locked_until"])
        password_failures_clear(user)
        audit_record(
            actor=actor_for(user),
            action="auth.password_reset",
            object_type="user",
            object_id=user.uuid,
            subject_user_id=user.pk,
        )
    logger.info("password reset by sms")
    return user


def logout_here(*, request) -> None:
    logout(request)


@transaction.atomic
def user_logout_everywhere(*, request) -> None:
    """Invalidate every session of the user (the session hash depends on the rotated salt)."""
    user = request.user
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])
    audit_record(
        actor=actor_for(user),
        action="auth.logout_everywhere",
        object_type="user",
        object_id=user.uuid,
        subject_user_id=user.pk,
    )
    logout(request)


def user_set_preferences(
    *, user: User, elderly_mode: bool | None = None, language: str | None = None
) -> User:
    fields = []
    if elderly_mode is not None:
        user.elderly_mode = elderly_mode
        fields.append("elderly_mode")
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise InvalidInput(AccountError.INVALID_LANGUAGE, _("不支持的语言"), field="language")
        user.language = language
        fields.append("language")
    if fields:
        user.save(update_fields=fields)
    return user


# --- organisations, staff and API clients (used by admin pages, demo data and tests) -----------------
def organisation_validate(*, kind: str, parent: Organisation | None, division_code: str, uscc: str) -> str:
    """The tree rules of a new node; returns the normalised USCC."""
    allowed = ORG_PARENTS.get(kind)
    if allowed is None:
        raise InvalidInput(AccountError.INVALID_ORG_KIND, _("组织类型无效"), field="kind")
    if (parent is None and allowed) or (parent is not None and parent.kind not in allowed):
        raise InvalidInput(AccountError.INVALID_ORG_PARENT, _("上级组织类型不符合组织树规则"), field="parent")
    if kind in (OrgKind.REGION, OrgKind.DISTRICT) and not (
        len(division_code) == 6 and division_code.isdigit()
    ):
        raise InvalidInput(
            AccountError.INVALID_DIVISION_CODE,
            _("行政区划代码应为6位数字（GB/T 2260）"),
            field="division_code",
        )
    return validate_uscc(uscc) if uscc else ""


@transaction.atomic
def organisation_create(
    *,
    actor: Actor | None,
    kind: str,
    name: str,
    parent: Organisation | None = None,
    division_code: str = "",
    uscc: str = "",
) -> Organisation:
    uscc = organisation_validate(kind=kind, parent=parent, division_code=division_code, uscc=uscc)
    org = Organisation.objects.create(
        kind=kind, name=name, parent=parent, division_code=division_code, uscc=uscc
    )
    audit_record(
        actor=actor_for(actor),
        action="organisation.create",
        object_type="organisation",
        object_id=org.uuid,
        after={"kind": kind, "name": name},
        org_path=org.path,
    )
    return org


@transaction.atomic
def staff_membership_add(
    *, actor: Actor | None, user: User, organisation: Organisation, role: str
) -> StaffMembership:
    if role not in Role.values:
        raise InvalidInput(AccountError.INVALID_ROLE, _("角色无效"), field="role")
    membership, _created = StaffMembership.objects.get_or_create(
        user=user, organisation=organisation, role=role
    )
    audit_record(
        actor=actor_for(actor),
        action="staff.add_role",
        object_type="user",
        object_id=user.uuid,
        after={"role": role, "organisation": str(organisation.uuid)},
        org_path=organisation.path,
    )
    return membership


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_client_create(
    *, actor: Actor | None, name: str, organisation: Organisation, scopes: list[str]
) -> tuple[ApiClient, str]:
    """Create a machine client; returns it with the full key, shown once."""
    unknown = set(scopes) - set(ApiScope.values)
    if unknown:
        raise InvalidInput(
            AccountError.INVALID_SCOPE, _("未知的权限范围"), field="scopes", unknown=sorted(unknown)
        )
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, organisation=organisation, key_id=key_id, secret_hash=_secret_hash(secret), scopes=scopes
    )
    audit_record(
        actor=actor_for(actor),
        action="api_client.create",
        object_type="api_client",
        object_id=client.uuid,
        after={"name": name, "scopes": scopes},
        org_path=organisation.path,
    )
    return client, f"tb_{key_id}_{secret}"


def api_client_authenticate(key: str) -> ApiClient | None:
    parts = (key or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "tb":
        return None
    client = ApiClient.objects.filter(key_id=parts[1], is_active=True).select_related("organisation").first()
    if client is None or not hmac.compare_digest(client.secret_hash, _secret_hash(parts[2])):
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > timedelta(minutes=1):
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)  # at most once a minute
    return client


# --- 长三角: a person another member of the region vouches for ------------------------------------------------
@dataclass(frozen=True)
class FederatedPerson:
    member: str  # the vouching member's code
    subject: str  # the person's stable id there
    id_kind: str
    id_number: str
    real_name: str
    assurance_level: int  # as the member asserts it


def person_link_federated(data: FederatedPerson) -> tuple[Person, int]:
    """The local person for a person another member vouches for, linked by their ID number: the one holding
    the number with a confirmed identity here, or a new account made now (no password, no phone: they log in
    through their home member). Returns ``(person, level)``: the level to act with is the one the member
    asserted, never raised by what is known here. Refused: a name that is not the confirmed holder's, or a
    link of the subject to another number (409 ``federated_identity_conflict``). Audited."""
    from tongban.accounts.models import FederatedIdentity

    id_number = validate_id_number(data.id_kind, data.id_number)
    real_name = _validate_real_name(data.real_name)
    level = max(AssuranceLevel.L1, min(int(data.assurance_level), AssuranceLevel.L3))
    with transaction.atomic():
        link = (
            FederatedIdentity.objects.select_related("person")
            .filter(member=data.member, subject=data.subject)
            .first()
        )
        if link is not None:
            person = link.person
            if (person.id_kind, person.id_number) != (data.id_kind, id_number):
                raise Conflict(AccountError.FEDERATED_IDENTITY_CONFLICT, _("该跨区域身份已关联另一证件号码"))
            if link.assurance_level != level:
                FederatedIdentity.objects.filter(pk=link.pk).update(assurance_level=level)
            return person, level
        # Only a confirmed assertion reaches the confirmed holder here: an unconfirmed one (L1) is a claim, and
        # a claim never gets a confirmed person's cases and licences.
        found: Person | None = (
            Person.objects.filter(
                id_kind=data.id_kind, id_number=id_number, assurance_level__gte=AssuranceLevel.L2
            )
            .select_related("user")
            .first()
            if level >= AssuranceLevel.L2
            else None
        )
        created = found is None
        if found is None:
            account = User.objects.create_user(
                username=f"fed-{data.member}-{secrets.token_hex(8)}", password=None, display_name=real_name
            )
            person = Person.objects.create(
                user=account,
                real_name=real_name,
                id_kind=data.id_kind,
                id_number=id_number,
                phone="",
                # Only a confirmed level holds the number (and meets the unique constraint); an L1 assertion
                # makes an unconfirmed claim, as a self-registration would.
                assurance_level=level,
            )
        else:
            person = found
            if person.real_name != real_name:
                raise Conflict(AccountError.FEDERATED_IDENTITY_CONFLICT, _("姓名与本地实名信息不一致"))
        FederatedIdentity.objects.create(
            person=person, member=data.member, subject=data.subject[:100], assurance_level=level
        )
        audit_record(
            actor=None,
            action="person.link_federated",
            object_type="person",
            object_id=person.uuid,
            after={
                "member": data.member,
                "assurance_level": level,
                "id_number": mask_id_number(id_number),
                "account_created": created,
            },
            subject_user_id=person.user_id,
        )
    return person, level
