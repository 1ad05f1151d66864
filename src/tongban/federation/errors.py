from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, DomainError, ErrorCode, InvalidInput, NotFound, PermissionDenied


class FederationError(ErrorCode):
    """The federation context's error codes (长三角一网通办)."""

    NOT_FEDERATED = "federation_not_configured"
    TRUST_LIST_INVALID = "trust_list_invalid"
    TRUST_LIST_SIGNATURE = "trust_list_signature_invalid"
    TRUST_LIST_OUTDATED = "trust_list_outdated"
    TRUST_LIST_CONFLICT = "trust_list_conflict"
    TRUST_LIST_REGION = "trust_list_region_mismatch"
    ANCHOR_INVALID = "trust_anchor_invalid"
    MEMBER_UNKNOWN = "federation_member_unknown"
    MESSAGE_MALFORMED = "message_malformed"
    MESSAGE_TOO_LARGE = "message_too_large"
    MESSAGE_KEY_UNTRUSTED = "message_key_untrusted"
    MESSAGE_SIGNATURE = "message_signature_invalid"
    MESSAGE_NOT_FOR_US = "message_wrong_recipient"
    MESSAGE_EXPIRED = "message_expired"
    MESSAGE_REPLAYED = "message_replayed"
    MESSAGE_ID_CONFLICT = "message_id_conflict"
    MESSAGE_TYPE_UNKNOWN = "message_type_unknown"
    DESCRIPTOR_INVALID = "member_descriptor_invalid"
    CONSENT_REQUIRED = "federation_consent_required"
    APPLICATION_INVALID = "federation_application_invalid"
    APPLICATION_NOT_FOUND = "federation_application_not_found"
    PARTNER_UNREACHABLE = "federation_partner_unreachable"
    LOGIN_FAILED = "federation_login_failed"

    # Licence mutual recognition (docs/domain/federation.md §4)
    LICENCE_TYPES_INVALID = "licence_types_invalid"
    CREDENTIAL_INVALID = "credential_invalid"
    CREDENTIAL_ISSUER_UNKNOWN = "credential_issuer_unknown"
    CREDENTIAL_KEY_UNTRUSTED = "credential_key_untrusted"
    CREDENTIAL_SIGNATURE = "credential_signature_invalid"
    CREDENTIAL_DISCLOSURE = "credential_disclosure_invalid"
    CREDENTIAL_KEY_BINDING = "credential_key_binding_invalid"
    STATUS_LIST_INVALID = "federation_status_list_invalid"
    STATUS_UNAVAILABLE = "federation_status_unavailable"
    MEMBER_UNREACHABLE = "federation_member_unreachable"
    PARTNER_REFUSED = "federation_partner_refused"

    CATALOGUE_INVALID = "catalogue_invalid"
    CATALOGUE_SIGNATURE = "catalogue_signature_invalid"
    CATALOGUE_OUTDATED = "catalogue_outdated"
    CATALOGUE_CONFLICT = "catalogue_conflict"
    CATALOGUE_REGION = "catalogue_region_mismatch"
    CATALOGUE_FILE_INVALID = "catalogue_file_invalid"
    CATALOGUE_NOT_FOUND = "catalogue_not_found"


class FederationRefused(DomainError):
    """A message or a trust list refused: 400 unless the code says otherwise."""

    status = 400
    code = FederationError.MESSAGE_MALFORMED
    default_message = _("消息格式无效")


class Untrusted(PermissionDenied):
    code = FederationError.MESSAGE_KEY_UNTRUSTED
    default_message = _("签名密钥不在信任列表中")


class Replayed(Conflict):
    code = FederationError.MESSAGE_REPLAYED
    default_message = _("这条消息已经收到过")


class Outdated(Conflict):
    code = FederationError.TRUST_LIST_OUTDATED
    default_message = _("信任列表的版本不比当前的新")


class MemberUnknown(NotFound):
    code = FederationError.MEMBER_UNKNOWN
    default_message = _("信任列表中没有这个成员")


class BadDescriptor(InvalidInput):
    code = FederationError.DESCRIPTOR_INVALID
    default_message = _("成员描述无效")


class CredentialRefused(DomainError):
    """A credential of another member that cannot be checked at all (malformed, unknown issuer or key, bad
    signature): 400 unless the code says otherwise. A credential that checks but is not valid (expired,
    revoked) is an answer, not an error."""

    status = 400
    code = FederationError.CREDENTIAL_INVALID
    default_message = _("凭证格式无效")


class PartnerUnavailable(DomainError):
    """The member that must answer (its status list, its verification) cannot, and nothing cached may stand
    in: 503."""

    status = 503
    code = FederationError.MEMBER_UNREACHABLE
    default_message = _("对方成员暂时无法访问，请稍后再试")


class CatalogueOutdated(Conflict):
    code = FederationError.CATALOGUE_OUTDATED
    default_message = _("事项目录的季度不比当前的新")


class CatalogueFileInvalid(InvalidInput):
    code = FederationError.CATALOGUE_FILE_INVALID
    default_message = _("事项目录文件无效")


class CatalogueNotFound(NotFound):
    code = FederationError.CATALOGUE_NOT_FOUND
    default_message = _("没有这个季度的长三角通办事项目录")
