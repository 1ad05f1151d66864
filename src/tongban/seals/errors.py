from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError, ErrorCode, NotFound


class SealError(ErrorCode):
    """The seals context's error codes (the PKI, the registry, sealing and verification)."""

    APPLICATION_DECIDED = "application_decided"
    DOCUMENT_REQUIRED = "document_required"
    DOCUMENT_TOO_LARGE = "document_too_large"
    APPLICATION_NOT_FOUND = "application_not_found"
    ASSURANCE_TOO_LOW = "assurance_too_low"
    INVALID_BASE64 = "invalid_base64"
    INVALID_DOCUMENT_HASH = "invalid_document_hash"
    INVALID_SEAL_KIND = "invalid_seal_kind"
    INVALID_STATUS_CHANGE = "invalid_status_change"
    NOT_LEGAL_REPRESENTATIVE = "not_legal_representative"
    NOT_SEAL_AUTHORITY = "not_seal_authority"
    NO_SEAL_KINDS = "no_seal_kinds"
    PURPOSE_REQUIRED = "purpose_required"
    REASON_REQUIRED = "reason_required"
    SEAL_AUTHORISATION_EXISTS = "seal_authorisation_exists"
    SEAL_AUTHORISATION_NOT_FOUND = "seal_authorisation_not_found"
    SEAL_GRANTEE_NOT_FOUND = "seal_grantee_not_found"
    SEAL_KIND_HELD = "seal_kind_held"
    SEAL_NOT_ACTIVE = "seal_not_active"
    SEAL_NOT_FOUND = "seal_not_found"
    SEAL_USE_DENIED = "seal_use_denied"


class SealsError(DomainError):
    status = 400


class SealNotFound(NotFound):
    code = SealError.SEAL_NOT_FOUND
    default_message = _("电子印章不存在")


class SealApplicationNotFound(NotFound):
    code = SealError.APPLICATION_NOT_FOUND
    default_message = _("印章申请不存在")


class SealAuthorisationNotFound(NotFound):
    code = SealError.SEAL_AUTHORISATION_NOT_FOUND
    default_message = _("用章授权不存在")
