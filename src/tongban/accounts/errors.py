from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, NotFound, Throttled


class AlreadyRegistered(Conflict):
    code = "already_registered"
    default_message = _("该证件号码或手机号已注册")


class InvalidSmsCode(InvalidInput):
    code = "invalid_sms_code"
    default_message = _("短信验证码错误、已过期或已使用，请重新获取")


class LoginFailed(NotAuthenticated):
    code = "login_failed"
    default_message = _("登录名或密码错误")


class AccountLocked(DomainError):
    status = 423
    code = "account_locked"
    default_message = _("登录失败次数过多，账号已暂时锁定，请稍后再试")


class LoginThrottled(Throttled):
    code = "login_throttled"


class SmsThrottled(Throttled):
    code = "sms_throttled"
    default_message = _("验证码发送过于频繁，请稍后再试")


class AssuranceTooLow(DomainError):
    status = 403
    code = "assurance_too_low"
    default_message = _("实名认证等级不足")


class PersonNotFound(NotFound):
    code = "person_not_found"
    default_message = _("未找到该自然人")


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    default_message = _("未找到该组织机构")


class EnterpriseNotFound(NotFound):
    code = "enterprise_not_found"
    default_message = _("未找到该法人")


class AuthorisationNotFound(NotFound):
    code = "authorisation_not_found"
    default_message = _("未找到该授权")


class AccountFrozen(DomainError):
    status = 403
    code = "account_frozen"
    default_message = _("该账号已冻结：其登记的身份已由本人找回。如有疑问，请携带身份证件到政务服务窗口办理")


class IdentityUnconfirmed(DomainError):
    status = 403
    code = "identity_unconfirmed"
    default_message = _(
        "您的身份尚未经人口库或窗口核验（实名等级 L1），暂不能以该身份办事、使用证照或授权他人"
    )


class IdentityHeld(Conflict):
    code = "identity_held"
    default_message = _(
        "该证件号码已由另一账号实名认证。如果这是您本人的证件，请携带原件到政务服务窗口找回身份"
    )
