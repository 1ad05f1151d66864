from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError, ErrorCode, NotFound


class LicenceError(ErrorCode):
    """The licence library's error codes (issuance, 亮证/用证, exports, sharing)."""

    CAUSE_REQUIRED = "cause_required"
    CAUSE_TOO_LONG = "cause_too_long"
    FACE_INVALID = "face_invalid"
    HOLDER_JWK_INVALID = "holder_jwk_invalid"
    HOLDER_JWK_PRIVATE = "holder_jwk_private"
    HOLDER_NAME_REQUIRED = "holder_name_required"
    INVALID_ACTION = "invalid_action"
    INVALID_HOLDER_KIND = "invalid_holder_kind"
    INVALID_HOLDER_TYPE = "invalid_holder_type"
    INVALID_ISSUER_CODE = "invalid_issuer_code"
    INVALID_LEVEL = "invalid_level"
    INVALID_SCENE = "invalid_scene"
    INVALID_STATUS_CHANGE = "invalid_status_change"
    INVALID_VALIDITY = "invalid_validity"
    ISSUER_KEY_MISSING = "issuer_key_missing"
    ISSUER_NOT_FOUND = "issuer_not_found"
    LICENCE_CONFLICT = "licence_conflict"
    LICENCE_EXISTS = "licence_exists"
    LICENCE_NOT_CURRENT = "licence_not_current"
    LICENCE_NOT_EXPORTABLE = "licence_not_exportable"
    LICENCE_NOT_FOUND = "licence_not_found"
    LICENCE_NOT_VALID = "licence_not_valid"
    LICENCE_OUT_OF_VALIDITY = "licence_out_of_validity"
    LICENCE_TYPE_INVALID = "licence_type_invalid"
    LICENCE_TYPE_NOT_FOUND = "licence_type_not_found"
    LINK_EXPIRED = "link_expired"
    NO_PERMISSION = "no_permission"
    NOT_A_VERIFIER = "not_a_verifier"
    NOT_AN_ISSUER = "not_an_issuer"
    NOT_AUTHENTICATED = "not_authenticated"
    REASON_REQUIRED = "reason_required"
    SCENE_NOT_ALLOWED = "scene_not_allowed"
    SCENE_NOT_PERMITTED = "scene_not_permitted"
    SCOPE_MISSING = "scope_missing"
    STATUS_LIST_NOT_FOUND = "status_list_not_found"
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 — an error code
    TOKEN_INVALID = "token_invalid"  # noqa: S105 — an error code
    TOKEN_USED = "token_used"  # noqa: S105 — an error code
    TOO_MANY_VERSIONS = "too_many_versions"
    UNKNOWN_LICENCE_TYPE = "unknown_licence_type"
    USE_CAUSE_REQUIRED = "use_cause_required"
    USE_CAUSE_TOO_LONG = "use_cause_too_long"
    VERIFIER_INVALID = "verifier_invalid"
    VERIFIER_KEY_INVALID = "verifier_key_invalid"


class LicenceNotFound(NotFound):
    code = LicenceError.LICENCE_NOT_FOUND
    default_message = _("证照不存在")


class LicenceConflict(DomainError):
    status = 409
    code = LicenceError.LICENCE_CONFLICT
    default_message = _("证照状态不允许此操作")
