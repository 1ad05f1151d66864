import math

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    Throttled,
)


class AccountError(ErrorCode):
    """The accounts context's error codes (identity, organisations, agents, login)."""

    ACCOUNT_FROZEN = "account_frozen"
    FEDERATED_IDENTITY_CONFLICT = "federated_identity_conflict"
    ACCOUNT_LOCKED = "account_locked"
    AGENT_NOT_FOUND = "agent_not_found"
    ALREADY_REGISTERED = "already_registered"
    ALREADY_REVOKED = "already_revoked"
    ASSURANCE_TOO_LOW = "assurance_too_low"
    AUTHORISATION_NOT_FOUND = "authorisation_not_found"
    CSRF_FAILED = "csrf_failed"
    ENTERPRISE_EXISTS = "enterprise_exists"
    ENTERPRISE_NOT_FOUND = "enterprise_not_found"
    IDENTITY_HELD = "identity_held"
    IDENTITY_UNCONFIRMED = "identity_unconfirmed"
    INVALID_AGENT = "invalid_agent"
    INVALID_DATE = "invalid_date"
    INVALID_DIVISION_CODE = "invalid_division_code"
    INVALID_ENTERPRISE_KIND = "invalid_enterprise_kind"
    INVALID_ENTERPRISE_NAME = "invalid_enterprise_name"
    INVALID_ITEM_CODES = "invalid_item_codes"
    INVALID_LANGUAGE = "invalid_language"
    INVALID_ORG_KIND = "invalid_org_kind"
    INVALID_ORG_PARENT = "invalid_org_parent"
    INVALID_PASSWORD = "invalid_password"  # noqa: S105 — an error code
    INVALID_PERIOD = "invalid_period"
    INVALID_PURPOSE = "invalid_purpose"
    INVALID_REAL_NAME = "invalid_real_name"
    INVALID_ROLE = "invalid_role"
    INVALID_SCOPE = "invalid_scope"
    INVALID_SMS_CODE = "invalid_sms_code"
    LEGAL_REPRESENTATIVE_MISMATCH = "legal_representative_mismatch"
    LOGIN_FAILED = "login_failed"
    LOGIN_INCOMPLETE = "login_incomplete"
    LOGIN_THROTTLED = "login_throttled"
    NOT_GRANTOR = "not_grantor"
    NOT_LEGAL_REPRESENTATIVE = "not_legal_representative"
    ORGANISATION_NOT_FOUND = "organisation_not_found"
    OWN_RECORD = "own_record"
    PERSON_NOT_FOUND = "person_not_found"
    PHONE_BOUND_TO_OTHER = "phone_bound_to_other"
    PHONE_BOUND_TO_STAFF = "phone_bound_to_staff"
    RECOVERY_CONFLICT = "recovery_conflict"
    REGISTER_MISMATCH = "register_mismatch"
    REGISTER_THROTTLED = "register_throttled"
    SCOPE_MISSING = "scope_missing"
    SMS_THROTTLED = "sms_throttled"
    UNKNOWN_ITEM_CODES = "unknown_item_codes"


class AlreadyRegistered(Conflict):
    code = AccountError.ALREADY_REGISTERED
    default_message = _("该证件号码或手机号已注册")


class InvalidSmsCode(InvalidInput):
    code = AccountError.INVALID_SMS_CODE
    default_message = _("短信验证码错误、已过期或已使用，请重新获取")


def _lock_minutes() -> int:
    return max(math.ceil(settings.TONGBAN_LOGIN_LOCKOUT_SECONDS / 60), 1)


class LoginFailed(NotAuthenticated):
    """A wrong login name or password. With ``attempts_left`` (counted per login name, so it tells nothing
    about whether an account exists) the last tries warn of the lock, and the try that starts it says so."""

    code = AccountError.LOGIN_FAILED
    default_message = _("登录名或密码错误")
    WARN_FROM = 2  # warn when this many tries or fewer are left

    def __init__(self, attempts_left: int | None = None):
        message = None
        details = {}
        if attempts_left is not None:
            details["attempts_left"] = attempts_left
            minutes = _lock_minutes()
            if attempts_left == 0:
                message = ngettext(
                    "登录名或密码错误。失败次数过多，账户已被锁定 %(minutes)s 分钟",
                    "登录名或密码错误。失败次数过多，账户已被锁定 %(minutes)s 分钟",
                    minutes,
                ) % {"minutes": minutes}
                details["locked_minutes"] = minutes
            elif attempts_left <= self.WARN_FROM:
                message = ngettext(
                    "登录名或密码错误。再输错 %(n)s 次账户将被锁定 %(minutes)s 分钟",
                    "登录名或密码错误。再输错 %(n)s 次账户将被锁定 %(minutes)s 分钟",
                    attempts_left,
                ) % {"n": attempts_left, "minutes": minutes}
        super().__init__(message=message, **details)


class LoginIncomplete(InvalidInput):
    """A login with the name or the password left empty: says which (``details.fields``, by field)."""

    code = AccountError.LOGIN_INCOMPLETE

    def __init__(self, missing: list[str]):
        said = {"username": gettext("请填写登录名或手机号"), "password": gettext("请填写密码")}
        fields = {name: said[name] for name in missing}
        message = (
            gettext("请填写登录名（或手机号）和密码") if len(fields) > 1 else next(iter(fields.values()))
        )
        super().__init__(message=message, fields=fields)


class AccountLocked(DomainError):
    """Too many failures: the account (or the login name) is locked; ``seconds`` left, told in minutes."""

    status = 423
    code = AccountError.ACCOUNT_LOCKED
    default_message = _("登录失败次数过多，账号已暂时锁定，请稍后再试")

    def __init__(self, seconds: int | None = None):
        if seconds is None:
            super().__init__()
            return
        minutes = max(math.ceil(seconds / 60), 1)
        message = ngettext(
            "登录失败次数过多，账户已被锁定，请 %(minutes)s 分钟后再试（也可通过“忘记密码”重设密码后登录）",
            "登录失败次数过多，账户已被锁定，请 %(minutes)s 分钟后再试（也可通过“忘记密码”重设密码后登录）",
            minutes,
        ) % {"minutes": minutes}
        super().__init__(message=message, retry_after_minutes=minutes)


class LoginThrottled(Throttled):
    code = AccountError.LOGIN_THROTTLED


class SmsThrottled(Throttled):
    code = AccountError.SMS_THROTTLED
    default_message = _("验证码发送过于频繁，请稍后再试")


class AssuranceTooLow(DomainError):
    status = 403
    code = AccountError.ASSURANCE_TOO_LOW
    default_message = _("实名认证等级不足")


class PersonNotFound(NotFound):
    code = AccountError.PERSON_NOT_FOUND
    default_message = _("未找到该自然人")


class OrganisationNotFound(NotFound):
    code = AccountError.ORGANISATION_NOT_FOUND
    default_message = _("未找到该组织机构")


class EnterpriseNotFound(NotFound):
    code = AccountError.ENTERPRISE_NOT_FOUND
    default_message = _("未找到该法人")


class AuthorisationNotFound(NotFound):
    code = AccountError.AUTHORISATION_NOT_FOUND
    default_message = _("未找到该授权")


class AccountFrozen(DomainError):
    status = 403
    code = AccountError.ACCOUNT_FROZEN
    default_message = _("该账号已冻结：其登记的身份已由本人找回。如有疑问，请携带身份证件到政务服务窗口办理")


class IdentityUnconfirmed(DomainError):
    status = 403
    code = AccountError.IDENTITY_UNCONFIRMED
    default_message = _(
        "您的身份尚未经人口库或窗口核验（实名等级 L1），暂不能以该身份办事、使用证照或授权他人"
    )


class IdentityHeld(Conflict):
    code = AccountError.IDENTITY_HELD
    default_message = _(
        "该证件号码已由另一账号实名认证。如果这是您本人的证件，请携带原件到政务服务窗口找回身份"
    )
